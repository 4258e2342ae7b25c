"""Cut irregular sensor samples into evenly sampled periods, for any number of window ends.

Pure numpy, vectorised over windows, and the one place where samples become periods: the
streaming ``WindowBuilder`` calls it for one window at a time, training calls it for tens of
thousands of windows over simulated traces, so the model sees at run time exactly what it
was trained on.

Period ``k`` of a window ending at ``e`` is the interval ``(e - (length-k) * period,
e - (length-k-1) * period]``.
- A level (the air temperature) is the mean of the readings in the period. An empty period
  holds the latest earlier reading if it is at most ``max_hold_s`` old at the period's end
  (a poll or two lost is not a fault); otherwise the period is marked absent: a dropout.
- A state (door open, compressor running) is a step function given by its changes; a period
  gets the fraction of its time the state was on. Before the first known change it is off.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from edge_agent.inference.window import WindowSpec

Floats = NDArray[np.float64]


def period_edges(ends: Floats, spec: WindowSpec) -> Floats:
    """Edges of every period, shape (windows, length + 1), oldest first."""
    offsets = (np.arange(spec.length + 1) - spec.length) * spec.period_s
    return np.asarray(ends, dtype=np.float64)[:, None] + offsets[None, :]


def resample_level(
    times: Floats, values: Floats, ends: Floats, spec: WindowSpec
) -> tuple[Floats, NDArray[np.bool_]]:
    """Mean reading per period and whether the period has one; NaN readings count as lost.

    ``times`` must be sorted. Returns (windows, length) arrays; absent periods hold 0.
    """
    keep = np.isfinite(values)
    times, values = np.asarray(times, np.float64)[keep], np.asarray(values, np.float64)[keep]
    edges = period_edges(ends, spec)
    upto = np.searchsorted(times, edges, side="right")
    sums = np.concatenate(([0.0], np.cumsum(values)))
    counts = np.diff(upto, axis=1)
    totals = np.diff(sums[upto], axis=1)
    last = upto[:, 1:] - 1
    held_age = edges[:, 1:] - times[np.clip(last, 0, None)] if times.size else edges[:, 1:]
    held = (counts == 0) & (last >= 0) & (held_age <= spec.max_hold_s)
    present = (counts > 0) | held
    level = np.where(counts > 0, totals / np.maximum(counts, 1), 0.0)
    if times.size:
        level = np.where(held, values[np.clip(last, 0, None)], level)
    return level, present


def resample_state(change_times: Floats, states: Floats, ends: Floats, spec: WindowSpec) -> Floats:
    """Fraction of each period a state was on, from its sorted changes (time, new state)."""
    change_times = np.asarray(change_times, np.float64)
    states = np.asarray(states, np.float64)
    edges = period_edges(ends, spec)
    if change_times.size == 0:
        return np.zeros((edges.shape[0], spec.length))
    durations = np.diff(np.concatenate((change_times, [change_times[-1]])))
    on_before = np.concatenate(([0.0], np.cumsum(states * durations)))
    idx = np.searchsorted(change_times, edges, side="right") - 1
    safe = np.clip(idx, 0, None)
    on_time = on_before[safe] + states[safe] * (edges - change_times[safe])
    on_time = np.where(idx >= 0, on_time, 0.0)
    return np.clip(np.diff(on_time, axis=1) / spec.period_s, 0.0, 1.0)
