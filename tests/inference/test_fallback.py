"""The rule-only fallback: what it answers on clear cases, and that the classifier falls back
to it, and says so, when no TFLite runtime can be imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from edge_agent.inference import AnomalyClassifier, Window
from simulators.coldroom_dataset import Trace
from tests.inference.test_model import clear_windows

NO_RUNTIME = """
import json, sys
sys.modules["ai_edge_litert"] = None   # importing either now raises ImportError
sys.modules["tflite_runtime"] = None
import numpy as np
from datetime import datetime
from edge_agent.inference import AnomalyClassifier, Window

saved = np.load(sys.argv[1])
windows = [
    Window("room", datetime.fromisoformat(end), t, p, d, c)
    for end, t, p, d, c in zip(
        saved["end"], saved["temperature"], saved["present"], saved["door"], saved["compressor"]
    )
]
classifier = AnomalyClassifier.load()
said = classifier.classify(windows)
print(json.dumps({"mode": classifier.mode, "labels": [c.label for c in said],
                  "confident": [c.confident for c in said]}))
"""

RULED = ["normal", "door_open", "compressor_failure", "sensor_fault"]


def ruled_windows(
    classifier: AnomalyClassifier, healthy: Trace, failing: Trace, faulty: Trace
) -> tuple[list[Window], list[str]]:
    windows, labels = [], []
    for label in RULED:
        found = clear_windows(label, healthy, failing, faulty, classifier.window_spec)
        windows += found
        labels += [label] * len(found)
    return windows, labels


@pytest.mark.parametrize("label", RULED)
def test_rules_tell_clear_cases(
    label: str,
    rules: AnomalyClassifier,
    healthy_room: Trace,
    failing_room: Trace,
    faulty_probe_room: Trace,
) -> None:
    windows = clear_windows(label, healthy_room, failing_room, faulty_probe_room, rules.window_spec)
    said = rules.classify(windows)
    assert rules.mode == "rules"
    assert rules.ops() == []
    assert [c.label for c in said] == [label] * len(windows)
    assert all(c.confident and c.probabilities[label] == 1.0 for c in said)


def test_without_a_runtime_the_classifier_runs_on_rules_and_reports_it(
    tmp_path: Path,
    rules: AnomalyClassifier,
    healthy_room: Trace,
    failing_room: Trace,
    faulty_probe_room: Trace,
) -> None:
    windows, labels = ruled_windows(rules, healthy_room, failing_room, faulty_probe_room)
    saved = tmp_path / "windows.npz"
    np.savez(
        saved,
        end=np.array([w.end.isoformat() for w in windows]),
        temperature=np.array([w.temperature for w in windows]),
        present=np.array([w.present for w in windows]),
        door=np.array([w.door for w in windows]),
        compressor=np.array([w.compressor for w in windows]),
    )
    done = subprocess.run(
        [sys.executable, "-c", NO_RUNTIME, str(saved)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["mode"] == "rules"
    assert "no TFLite runtime installed" in done.stderr
    assert answer["labels"] == labels
    assert answer["labels"] == [c.label for c in rules.classify(windows)]
    assert all(answer["confident"])
