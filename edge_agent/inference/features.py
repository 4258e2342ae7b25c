"""Window features and their normalisation: the same code at training and at run time.

Training imports this module (it is numpy only), so a feature cannot drift between what the
model learnt and what the agent feeds it. A batch of windows becomes a (windows, length,
channels) float32 tensor; per-window summaries of the same arrays drive the rule fallback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from edge_agent.inference.window import Window, WindowSpec

CLASS_NAMES = ("normal", "door_open", "defrost", "compressor_failure", "sensor_fault")
CHANNELS = (
    "temperature",
    "temperature_step",
    "temperature_present",
    "door",
    "door_present",
    "compressor",
    "compressor_present",
)
STANDARDISED = ("temperature", "temperature_step")
PLAUSIBLE_C = (-40.0, 60.0)
"""Air temperatures a working cold-room probe can read; outside is an open or shorted probe.
Readings are clipped a little beyond it so a fault stays visible but bounded."""
_CLIP_C = (PLAUSIBLE_C[0] - 10.0, PLAUSIBLE_C[1] + 10.0)
_MAX_STEP_C = 10.0

Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class WindowBatch:
    """Windows stacked into arrays (windows first); absent signals are zeros with a flag."""

    temperature: Floats
    present: NDArray[np.bool_]
    door: Floats
    door_present: NDArray[np.bool_]
    compressor: Floats
    compressor_present: NDArray[np.bool_]

    @classmethod
    def of(cls, windows: Sequence[Window], spec: WindowSpec) -> WindowBatch:
        """Stack checked windows (raises ``WindowRejected`` on the first bad one)."""
        for window in windows:
            window.check(spec)
        zeros = np.zeros(spec.length)
        return cls(
            temperature=np.array([w.temperature for w in windows], np.float64).reshape(
                -1, spec.length
            ),
            present=np.array([w.present for w in windows], bool).reshape(-1, spec.length),
            door=np.array([zeros if w.door is None else w.door for w in windows]).reshape(
                -1, spec.length
            ),
            door_present=np.array([w.door is not None for w in windows], bool),
            compressor=np.array(
                [zeros if w.compressor is None else w.compressor for w in windows]
            ).reshape(-1, spec.length),
            compressor_present=np.array([w.compressor is not None for w in windows], bool),
        )

    def __len__(self) -> int:
        return int(self.temperature.shape[0])


@dataclass(frozen=True, slots=True)
class Normalisation:
    """Per-channel ``(x - offset) / scale``, fitted on the training set, kept in metadata."""

    offset: tuple[float, ...]
    scale: tuple[float, ...]

    @classmethod
    def fit(cls, features: NDArray[np.float32]) -> Normalisation:
        """Mean and spread of the continuous channels; flags and fractions stay as they are."""
        flat = features.reshape(-1, features.shape[-1]).astype(np.float64)
        fitted = [c in STANDARDISED for c in CHANNELS]
        offset = [float(flat[:, i].mean()) if f else 0.0 for i, f in enumerate(fitted)]
        scale = [float(flat[:, i].std() or 1.0) if f else 1.0 for i, f in enumerate(fitted)]
        return cls(tuple(offset), tuple(scale))

    @classmethod
    def from_json(cls, data: Mapping[str, Mapping[str, float]]) -> Normalisation:
        return cls(
            tuple(float(data[c]["offset"]) for c in CHANNELS),
            tuple(float(data[c]["scale"]) for c in CHANNELS),
        )

    def to_json(self) -> dict[str, dict[str, float]]:
        return {
            c: {"offset": o, "scale": s}
            for c, o, s in zip(CHANNELS, self.offset, self.scale, strict=True)
        }

    def apply(self, features: NDArray[np.float32]) -> NDArray[np.float32]:
        offset = np.asarray(self.offset, np.float32)
        scale = np.asarray(self.scale, np.float32)
        return ((features - offset) / scale).astype(np.float32)


def temperature_steps(batch: WindowBatch) -> Floats:
    """Change since the previous period, 0 where either period has no reading."""
    temps = np.clip(batch.temperature, *_CLIP_C)
    steps = np.zeros_like(temps)
    both = batch.present[:, 1:] & batch.present[:, :-1]
    steps[:, 1:] = np.where(both, np.diff(temps, axis=1), 0.0)
    return np.clip(steps, -_MAX_STEP_C, _MAX_STEP_C)


def raw_features(batch: WindowBatch) -> NDArray[np.float32]:
    """The (windows, length, channels) tensor before normalisation, in ``CHANNELS`` order."""
    channels = (
        np.where(batch.present, np.clip(batch.temperature, *_CLIP_C), 0.0),
        temperature_steps(batch),
        batch.present.astype(np.float64),
        batch.door,
        _per_period(batch.door_present, batch.temperature.shape[1]),
        batch.compressor,
        _per_period(batch.compressor_present, batch.temperature.shape[1]),
    )
    return np.stack(channels, axis=-1).astype(np.float32)


def model_input(batch: WindowBatch, norm: Normalisation) -> NDArray[np.float32]:
    """What the model is fed: raw features, normalised, with absent readings at 0."""
    normalised = norm.apply(raw_features(batch))
    normalised[..., 0] = np.where(batch.present, normalised[..., 0], 0.0)
    return normalised


def _per_period(flags: NDArray[np.bool_], length: int) -> Floats:
    """A per-window flag repeated over every period, so the model sees it as a channel."""
    return np.repeat(flags[:, None].astype(np.float64), length, axis=1)
