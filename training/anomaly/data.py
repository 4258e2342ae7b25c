"""Simulated traces cut into labelled windows with the agent's own resampling and features.

Windows end every ``stride_s`` through each trace, once a whole window of history exists.
Training also has to see rooms without a door contact or a compressor relay, so a share of
windows has each signal hidden, exactly as the agent's ``WindowBuilder`` leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from edge_agent.inference.features import CLASS_NAMES, WindowBatch
from edge_agent.inference.resample import resample_level, resample_state
from edge_agent.inference.window import WindowSpec
from simulators.coldroom_dataset import CONDITIONS, Trace

SPEC = WindowSpec(period_s=60.0, length=32, max_hold_s=180.0)
"""32 one-minute periods: long enough to see a thermostat cycle (about 8 min) and tell a
short defrost from a failed compressor's steady rise; holds a reading over two lost polls."""
HIDE_SIGNAL_SHARE = 0.3
if CONDITIONS != CLASS_NAMES:
    raise ImportError(f"the dataset's conditions {CONDITIONS} are not the classes {CLASS_NAMES}")


@dataclass(frozen=True, slots=True)
class LabelledWindows:
    """Windows with a known class (index into ``CLASS_NAMES``), and where they came from."""

    batch: WindowBatch
    labels: NDArray[np.int64]
    trace: NDArray[np.int64]
    end_s: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.labels.size)


def windows_of(
    trace: Trace, spec: WindowSpec, stride_s: float = 60.0
) -> tuple[WindowBatch, list[str | None], NDArray[np.float64]]:
    """Every window of one trace with its condition (``None`` where ambiguous)."""
    ends = np.arange(spec.span_s, trace.duration_s + 1, stride_s, dtype=np.float64)
    temperature, present = resample_level(trace.air_times, trace.air_c, ends, spec)
    door = resample_state(trace.door_times, trace.door_states, ends, spec)
    compressor = resample_state(trace.compressor_times, trace.compressor_states, ends, spec)
    everywhere = np.ones(ends.size, bool)
    batch = WindowBatch(temperature, present, door, everywhere, compressor, everywhere.copy())
    return batch, trace.conditions(ends), ends


def label(
    traces: Iterable[Trace],
    spec: WindowSpec,
    rng: np.random.Generator,
    progress: Callable[[int], None] | None = None,
) -> LabelledWindows:
    """Unambiguous windows of all traces, with door and compressor hidden in a random share."""
    parts: list[tuple[WindowBatch, NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]]
    parts = []
    for i, trace in enumerate(traces):
        batch, conditions, ends = windows_of(trace, spec)
        keep = np.array([c is not None for c in conditions])
        labels = np.array([CLASS_NAMES.index(c) for c in conditions if c is not None], np.int64)
        parts.append((_take(batch, keep), labels, np.full(labels.size, i), ends[keep]))
        if progress:
            progress(i + 1)
    batch = _concat([p[0] for p in parts])
    return LabelledWindows(
        batch=hide_signals(batch, rng),
        labels=np.concatenate([p[1] for p in parts]),
        trace=np.concatenate([p[2] for p in parts]),
        end_s=np.concatenate([p[3] for p in parts]),
    )


def hide_signals(batch: WindowBatch, rng: np.random.Generator) -> WindowBatch:
    """The same windows as a room without a door contact / compressor relay would give."""
    n = len(batch)
    has_door = batch.door_present & (rng.random(n) >= HIDE_SIGNAL_SHARE)
    has_comp = batch.compressor_present & (rng.random(n) >= HIDE_SIGNAL_SHARE)
    return WindowBatch(
        temperature=batch.temperature,
        present=batch.present,
        door=np.where(has_door[:, None], batch.door, 0.0),
        door_present=has_door,
        compressor=np.where(has_comp[:, None], batch.compressor, 0.0),
        compressor_present=has_comp,
    )


def only_temperature(batch: WindowBatch) -> WindowBatch:
    """The same windows as a bare probe gives: no door contact, no compressor relay."""
    hide_all = np.zeros(len(batch), bool)
    return WindowBatch(
        batch.temperature,
        batch.present,
        np.zeros_like(batch.door),
        hide_all,
        np.zeros_like(batch.compressor),
        hide_all.copy(),
    )


def _take(batch: WindowBatch, keep: NDArray[np.bool_]) -> WindowBatch:
    return WindowBatch(*(getattr(batch, f.name)[keep] for f in fields(WindowBatch)))


def _concat(batches: list[WindowBatch]) -> WindowBatch:
    return WindowBatch(
        *(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(WindowBatch))
    )
