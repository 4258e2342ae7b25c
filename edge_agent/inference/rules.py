"""The rule-only fallback: hand-written thresholds over the model's own raw features.

It runs where no TFLite runtime is installed, and it is the baseline the model is measured
against. It reads the same (windows, length, channels) tensor as the model, before
normalisation, and answers with the same class names. Each rule looks at the last
``RECENT`` periods, i.e. at what is going on now, as the training labels do.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edge_agent.inference.features import CHANNELS, CLASS_NAMES, PLAUSIBLE_C

RECENT = 10
STUCK_PERIODS = 8
"""A probe that has not moved by a tenth of a degree for this long is stuck: a working one in
a cycling room changes within a few minutes."""
STUCK_TOLERANCE_C = 0.01
"""Below the probe's 0.1 °C resolution: averaging a constant reading leaves float noise only."""
DROPOUT_SHARE = 0.3
FAILURE_RISE_C = 0.5
UNCOOLED_RUN = 15
UNCOOLED_RISE_C = 2.0
DEFROST_ABOVE_MEDIAN_C = 1.0
DOOR_SPIKE_C = 0.8
WARM_ROOM_C = 12.0
"""No door or defrost keeps a chilled room this warm for ``RECENT`` minutes: it is not cooling."""
CUT_IN_MARGIN_C = 0.3

_T, _STEP, _PRESENT = (
    CHANNELS.index(c) for c in ("temperature", "temperature_step", "temperature_present")
)
_DOOR, _HAS_DOOR = CHANNELS.index("door"), CHANNELS.index("door_present")
_COMP, _HAS_COMP = CHANNELS.index("compressor"), CHANNELS.index("compressor_present")


def classify_by_rules(raw: NDArray[np.float32]) -> list[str]:
    """One class name per window of a raw feature tensor."""
    return [_classify_one(window.astype(np.float64)) for window in raw]


def _classify_one(w: NDArray[np.float64]) -> str:
    temp, step, present = w[:, _T], w[:, _STEP], w[:, _PRESENT] > 0
    recent = slice(-RECENT, None)
    if _sensor_fault(temp, step, present):
        return CLASS_NAMES[4]
    rise = temp[-1] - temp[-RECENT - 1]
    rising_run = _trailing(step > 0.05)
    has_door, has_comp = w[0, _HAS_DOOR] > 0, w[0, _HAS_COMP] > 0
    if has_comp:
        failed = w[recent, _COMP].mean() >= 0.95 and rise >= FAILURE_RISE_C
    else:
        failed = rising_run >= UNCOOLED_RUN and rise >= UNCOOLED_RISE_C
    if failed or temp[recent].min() >= WARM_ROOM_C:
        return CLASS_NAMES[3]
    if has_door and w[-5:, _DOOR].max() > 0:
        return CLASS_NAMES[1]
    if _defrosting(w, temp, step, present, rising_run):
        return CLASS_NAMES[2]
    if not has_door and step[-5:].max() >= DOOR_SPIKE_C:
        return CLASS_NAMES[1]
    return CLASS_NAMES[0]


def _defrosting(
    w: NDArray[np.float64],
    temp: NDArray[np.float64],
    step: NDArray[np.float64],
    present: NDArray[np.bool_],
    rising_run: int,
) -> bool:
    """Warming while the compressor stays off past the temperature it normally cuts in at
    (the thermostat is overridden); without a relay signal, a steady rise well above the
    window's usual level that is too slow for a door."""
    if step[-5:].max() >= DOOR_SPIKE_C:
        return False
    if w[0, _HAS_COMP] > 0:
        running = w[:, _COMP] > 0
        cut_ins = np.flatnonzero(running[1:] & ~running[:-1]) + 1
        idle = not running[-3:].any()
        return bool(idle and cut_ins.size and temp[-1] > temp[cut_ins].max() + CUT_IN_MARGIN_C)
    above = temp[-1] - np.median(temp[present]) >= DEFROST_ABOVE_MEDIAN_C
    return bool(above and rising_run >= 4)


def _sensor_fault(
    temp: NDArray[np.float64], step: NDArray[np.float64], present: NDArray[np.bool_]
) -> bool:
    recent = slice(-RECENT, None)
    implausible = present & ((temp < PLAUSIBLE_C[0]) | (temp > PLAUSIBLE_C[1]))
    if implausible[recent].any() or (~present[recent]).mean() >= DROPOUT_SHARE:
        return True
    return _trailing(present & (np.abs(step) < STUCK_TOLERANCE_C)) >= STUCK_PERIODS


def _trailing(flags: NDArray[np.bool_]) -> int:
    """How many of the last entries in a row are true."""
    falses = np.flatnonzero(~flags)
    return int(flags.size - 1 - falses[-1]) if falses.size else int(flags.size)
