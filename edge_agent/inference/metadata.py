"""The model's metadata file: everything needed to feed the model and read its answer.

It travels next to the ``.tflite`` file (same stem, ``.json``) and is checked on load
against the model itself, so a mismatched pair fails at start-up, not with wrong answers.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from edge_agent.inference.errors import ModelUnusable
from edge_agent.inference.features import CHANNELS, CLASS_NAMES, Normalisation
from edge_agent.inference.window import WindowSpec


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSpec(_Frozen):
    shape: tuple[int | None, int, int] = Field(description="(batch, periods, channels)")
    dtype: str = "float32"
    channels: tuple[str, ...] = Field(description="feature channels in tensor order")


class WindowMeta(_Frozen):
    period_s: float = Field(gt=0, description="seconds per sample period")
    length: int = Field(gt=0, description="periods per window")
    max_hold_s: float = Field(ge=0, description="a reading is held this long over empty periods")
    signals: tuple[str, ...] = Field(description="signals read; door and compressor optional")


class ModelMetadata(_Frozen):
    """Contents of ``anomaly.json``."""

    version: str
    input: InputSpec
    window: WindowMeta
    normalisation: dict[str, dict[str, float]]
    classes: tuple[str, ...]
    thresholds: dict[str, float] = Field(description="minimum probability to be confident")
    training: dict[str, object] = Field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> ModelMetadata:
        try:
            meta = cls.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as exc:
            raise ModelUnusable(f"{path}: {exc}") from exc
        meta.check(path)
        return meta

    def check(self, path: Path) -> None:
        """The metadata agrees with the code that builds the features."""
        if self.classes != CLASS_NAMES:
            raise ModelUnusable(f"{path}: classes {self.classes} are not {CLASS_NAMES}")
        if self.input.channels != CHANNELS or set(self.normalisation) != set(CHANNELS):
            raise ModelUnusable(f"{path}: channels {self.input.channels} are not {CHANNELS}")
        if self.input.shape[1:] != (self.window.length, len(CHANNELS)):
            raise ModelUnusable(f"{path}: input shape {self.input.shape} does not fit the window")
        if set(self.thresholds) != set(CLASS_NAMES):
            raise ModelUnusable(f"{path}: thresholds must name every class {CLASS_NAMES}")

    @property
    def spec(self) -> WindowSpec:
        w = self.window
        return WindowSpec(w.period_s, w.length, w.max_hold_s, w.signals)

    @property
    def norm(self) -> Normalisation:
        return Normalisation.from_json(self.normalisation)
