"""The committed model, run by ai-edge-litert: clear cases of every class, its ops, its size,
its metadata, and batch-size independence."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from edge_agent.inference import CLASS_NAMES, AnomalyClassifier, Window, packaged_model
from edge_agent.inference.features import WindowBatch
from simulators.coldroom_dataset import Trace, random_traces
from tests.inference.conftest import MINUTE, clear_ends, during, windows_at
from training.anomaly.data import windows_of


def clear_windows(
    label: str, healthy: Trace, failing: Trace, faulty: Trace, spec: object, **signals: bool
) -> list[Window]:
    """Windows of ``label`` where what is going on is beyond doubt."""

    def no_defrost(e: int) -> bool:
        return not during(healthy, "defrost", e, 40 * MINUTE).any()

    def quiet(e: int) -> bool:
        return no_defrost(e) and not during(healthy, "door", e, 15 * MINUTE).any()

    def door_open(e: int) -> bool:
        return no_defrost(e) and bool(during(healthy, "door", e, MINUTE).any())

    room, test = {
        "normal": (healthy, quiet),
        "door_open": (healthy, door_open),
        "defrost": (healthy, lambda e: during(healthy, "defrost", e, 2 * MINUTE).all()),
        "compressor_failure": (
            failing,
            lambda e: during(failing, "failed", e, 40 * MINUTE).all(),
        ),
        "sensor_fault": (faulty, lambda e: during(faulty, "fault", e, 10 * MINUTE).all()),
    }[label]
    ends = clear_ends(room, test)
    assert len(ends) >= 2, f"the {label} room has too few clear moments"
    return windows_at(room, ends, spec, **signals)  # type: ignore[arg-type]


@pytest.mark.parametrize("label", CLASS_NAMES)
def test_clear_cases_of_every_class(
    label: str,
    classifier: AnomalyClassifier,
    healthy_room: Trace,
    failing_room: Trace,
    faulty_probe_room: Trace,
) -> None:
    windows = clear_windows(
        label, healthy_room, failing_room, faulty_probe_room, classifier.window_spec
    )
    said = classifier.classify(windows)
    assert [c.label for c in said] == [label] * len(windows)
    assert all(c.confident for c in said)
    assert all(abs(sum(c.probabilities.values()) - 1) < 1e-3 for c in said)


@pytest.mark.parametrize("label", ["normal", "compressor_failure", "sensor_fault"])
def test_a_bare_probe_is_enough_for_failures_and_faults(
    label: str,
    classifier: AnomalyClassifier,
    healthy_room: Trace,
    failing_room: Trace,
    faulty_probe_room: Trace,
) -> None:
    windows = clear_windows(
        label,
        healthy_room,
        failing_room,
        faulty_probe_room,
        classifier.window_spec,
        door=False,
        compressor=False,
    )
    assert all(w.door is None and w.compressor is None for w in windows)
    assert [c.label for c in classifier.classify(windows)] == [label] * len(windows)


def test_runs_on_litert_with_builtin_ops_only(classifier: AnomalyClassifier) -> None:
    assert classifier.mode == "litert"
    ops = classifier.ops()
    assert {"CONV_2D", "FULLY_CONNECTED", "SOFTMAX"} <= set(ops)
    flex = [op for op in ops if op.startswith("Flex") or op == "CUSTOM"]
    assert not flex, f"ops needing TensorFlow or custom kernels: {flex}"


def test_model_file_is_small() -> None:
    assert packaged_model().stat().st_size < 200 * 1024


def test_metadata_matches_the_model(classifier: AnomalyClassifier) -> None:
    meta = classifier.metadata
    interpreter_input = classifier._scorer._input  # type: ignore[union-attr]
    assert list(interpreter_input["shape_signature"]) == [-1, *meta.input.shape[1:]]
    assert meta.input.shape[1] == classifier.window_spec.length
    assert meta.classes == CLASS_NAMES
    assert all(0.5 <= t <= 0.95 for t in meta.thresholds.values())
    model_sha = hashlib.sha256(packaged_model().read_bytes()).hexdigest()
    assert meta.training["sha256"] == model_sha, "the metadata was written for another model"
    assert meta.version.endswith(model_sha[:12])


def test_batch_of_one_and_of_a_thousand_agree(classifier: AnomalyClassifier) -> None:
    parts = [windows_of(trace, classifier.window_spec)[0] for trace in random_traces(5, 4)]
    batch = WindowBatch(*(np.concatenate([getattr(p, f) for p in parts])[:1000] for f in _fields()))
    assert len(batch) == 1000
    together = classifier.classify_batch(batch)
    one_by_one = [classifier.classify_batch(_slice(batch, i))[0] for i in range(0, 1000, 37)]
    for single, i in zip(one_by_one, range(0, 1000, 37), strict=True):
        assert single.label == together[i].label
        for name in CLASS_NAMES:
            assert single.probabilities[name] == pytest.approx(
                together[i].probabilities[name], abs=1e-5
            )
    assert len({c.label for c in together}) >= 3, "the sample should span several classes"


def _fields() -> list[str]:
    return [
        "temperature",
        "present",
        "door",
        "door_present",
        "compressor",
        "compressor_present",
    ]


def _slice(batch: WindowBatch, i: int) -> WindowBatch:
    return WindowBatch(*(getattr(batch, f)[i : i + 1] for f in _fields()))
