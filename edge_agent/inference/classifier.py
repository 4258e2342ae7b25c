"""The cold-room anomaly classifier the agent calls: windows in, a class per window out."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from edge_agent.inference.errors import ModelUnusable
from edge_agent.inference.features import CLASS_NAMES, WindowBatch, model_input, raw_features
from edge_agent.inference.metadata import ModelMetadata
from edge_agent.inference.rules import classify_by_rules
from edge_agent.inference.runtime import BatchScorer, Mode, open_runtime
from edge_agent.inference.window import Window, WindowSpec

log = logging.getLogger(__name__)

PACKAGED_MODEL = "anomaly.tflite"


@dataclass(frozen=True, slots=True)
class Classification:
    """What a window shows: the likeliest class, every class's probability, and whether the
    likeliest clears its threshold from the metadata (rules are always confident)."""

    label: str
    probabilities: Mapping[str, float]
    confident: bool


def packaged_model() -> Path:
    """The model shipped inside the ``edge_agent`` package."""
    return Path(str(files("edge_agent") / "models" / PACKAGED_MODEL))


class AnomalyClassifier:
    """A loaded model (or its rule fallback) and the window spec it needs."""

    def __init__(self, metadata: ModelMetadata, mode: Mode, scorer: BatchScorer | None) -> None:
        self.metadata = metadata
        self.mode: Mode = mode
        self._scorer = scorer

    @classmethod
    def load(cls, path: Path | None = None, *, rules_only: bool = False) -> AnomalyClassifier:
        """Load ``path`` (default: the packaged model) and its ``.json`` metadata beside it.

        Falls back to rules when no TFLite runtime is installed or ``rules_only`` is set; the
        metadata is read in every mode, since it defines the windows.
        """
        path = path or packaged_model()
        metadata = ModelMetadata.read(path.with_suffix(".json"))
        if rules_only:
            return cls(metadata, "rules", None)
        try:
            model = path.read_bytes()
        except OSError as exc:
            raise ModelUnusable(f"{path}: {exc}") from exc
        shape = metadata.input.shape
        mode, scorer = open_runtime(model, (shape[1], shape[2]), len(CLASS_NAMES))
        if scorer is None:
            log.warning("no TFLite runtime installed: cold-room anomalies by rules only")
        log.info("anomaly model %s loaded (%s)", metadata.version, mode)
        return cls(metadata, mode, scorer)

    @property
    def window_spec(self) -> WindowSpec:
        return self.metadata.spec

    def ops(self) -> list[str]:
        """The model's operator names (empty in rules mode)."""
        return self._scorer.ops() if self._scorer else []

    def classify(self, windows: Sequence[Window]) -> list[Classification]:
        """One classification per window, in order (raises ``WindowRejected`` on bad input)."""
        return self.classify_batch(WindowBatch.of(windows, self.window_spec))

    def classify_batch(self, batch: WindowBatch) -> list[Classification]:
        """One classification per window of an already stacked (and checked) batch."""
        if self._scorer is None:
            return [_certain(label) for label in classify_by_rules(raw_features(batch))]
        probabilities = self._scorer.score(model_input(batch, self.metadata.norm))
        return [self._read(row) for row in probabilities]

    def _read(self, row: np.ndarray) -> Classification:
        best = int(np.argmax(row))
        label = CLASS_NAMES[best]
        return Classification(
            label=label,
            probabilities={c: float(p) for c, p in zip(CLASS_NAMES, row, strict=True)},
            confident=bool(row[best] >= self.metadata.thresholds[label]),
        )


def _certain(label: str) -> Classification:
    probabilities = {c: float(c == label) for c in CLASS_NAMES}
    return Classification(label=label, probabilities=probabilities, confident=True)
