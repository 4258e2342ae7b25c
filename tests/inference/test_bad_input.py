"""Bad windows and bad model files raise our own errors naming what is wrong; random windows
never raise anything else."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from edge_agent.inference import (
    CLASS_NAMES,
    AnomalyClassifier,
    ModelUnusable,
    Window,
    WindowRejected,
    packaged_model,
)

END = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
N = 32


def window(**changes: object) -> Window:
    fields: dict[str, object] = {
        "location": "cold-room-1",
        "end": END,
        "temperature": np.full(N, 3.5),
        "present": np.ones(N, bool),
        "door": np.zeros(N),
        "compressor": np.zeros(N),
    }
    return Window(**(fields | changes))  # type: ignore[arg-type]


def test_a_nan_reading_claimed_present_is_rejected(classifier: AnomalyClassifier) -> None:
    temperature = np.full(N, 3.5)
    temperature[7] = np.nan
    with pytest.raises(WindowRejected, match=r"'cold-room-1'.*temperature\[7\] is not a number"):
        classifier.classify([window(), window(temperature=temperature)])


def test_nan_where_no_reading_was_had_is_a_dropout_not_an_error(
    classifier: AnomalyClassifier,
) -> None:
    temperature, present = np.full(N, 3.5), np.ones(N, bool)
    temperature[-12:], present[-12:] = np.nan, False
    assert classifier.classify([window(temperature=temperature, present=present)])[0].label in (
        CLASS_NAMES
    )


@pytest.mark.parametrize("field", ["temperature", "present", "door", "compressor"])
def test_wrong_length_is_rejected_naming_the_field(
    field: str, classifier: AnomalyClassifier
) -> None:
    short = {"present": np.ones(N - 1, bool)}.get(field, np.zeros(N - 1))
    with pytest.raises(
        WindowRejected, match=rf"{field} has shape \(31,\), the model takes \(32,\)"
    ):
        classifier.classify([window(**{field: short})])


def test_door_fractions_outside_zero_to_one_are_rejected(classifier: AnomalyClassifier) -> None:
    door = np.zeros(N)
    door[3] = 1.5
    with pytest.raises(WindowRejected, match="door must be fractions"):
        classifier.classify([window(door=door)])


def test_rules_reject_the_same_windows(rules: AnomalyClassifier) -> None:
    with pytest.raises(WindowRejected):
        rules.classify([window(temperature=np.full(N, np.inf))])


def test_an_empty_batch_gives_no_answers(classifier: AnomalyClassifier) -> None:
    assert classifier.classify([]) == []


@settings(max_examples=150, deadline=None)
@given(
    temperature=arrays(np.float64, st.sampled_from([N, N - 1, 0]), elements=st.floats()),
    present=st.booleans(),
    door=st.none() | arrays(np.float64, N, elements=st.floats(allow_nan=True)),
    compressor=st.none() | arrays(np.float64, N, elements=st.floats(0, 1)),
)
def test_random_windows_score_or_are_rejected(
    classifier: AnomalyClassifier,
    temperature: np.ndarray,
    present: bool,
    door: np.ndarray | None,
    compressor: np.ndarray | None,
) -> None:
    candidate = window(
        temperature=temperature,
        present=np.full(temperature.shape, present),
        door=door,
        compressor=compressor,
    )
    try:
        said = classifier.classify([candidate])
    except WindowRejected:
        return
    assert said[0].label in CLASS_NAMES
    assert all(np.isfinite(p) for p in said[0].probabilities.values())


def copy_model(tmp_path: Path) -> Path:
    for suffix in (".tflite", ".json"):
        shutil.copy(packaged_model().with_suffix(suffix), tmp_path / f"anomaly{suffix}")
    return tmp_path / "anomaly.tflite"


def test_metadata_that_does_not_fit_the_model_is_refused(tmp_path: Path) -> None:
    model = copy_model(tmp_path)
    meta = json.loads(model.with_suffix(".json").read_text())
    meta["window"]["length"] = 30
    meta["input"]["shape"] = [None, 30, 7]
    model.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(
        ModelUnusable, match=r"model input is \(32, 7\), the metadata says \(30, 7\)"
    ):
        AnomalyClassifier.load(model)


def test_metadata_with_other_classes_is_refused(tmp_path: Path) -> None:
    model = copy_model(tmp_path)
    meta = json.loads(model.with_suffix(".json").read_text())
    meta["classes"] = meta["classes"][::-1]
    model.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(ModelUnusable, match="classes"):
        AnomalyClassifier.load(model)


def test_a_missing_or_corrupt_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelUnusable, match=r"anomaly\.json"):
        AnomalyClassifier.load(tmp_path / "anomaly.tflite")
    model = copy_model(tmp_path)
    model.write_bytes(b"not a flatbuffer" * 10)
    with pytest.raises(ModelUnusable, match="litert cannot load the model"):
        AnomalyClassifier.load(model)
