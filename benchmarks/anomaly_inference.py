"""Anomaly classification latency per window: the model on ai-edge-litert against its rule
fallback, on the same simulated cold-room windows, at batch 1 and batch 1,000.

Each figure is the whole ``AnomalyClassifier.classify`` call the agent makes (window checks,
features, normalisation, the interpreter or the rules), divided by the windows in the call;
p50 and p99 are over repeated calls. Every loop stops at its time budget, so the script
finishes in about 20 s. Target: p99 < 2 ms per window.

    python benchmarks/anomaly_inference.py [--budget-s 4] [--seed 5]
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from edge_agent.inference import AnomalyClassifier, Window
from simulators.coldroom_dataset import random_traces
from training.anomaly.data import windows_of

START = datetime(2026, 11, 2, tzinfo=UTC)


def simulated_windows(seed: int, classifier: AnomalyClassifier) -> list[Window]:
    """About 1,300 windows of five random rooms, as the agent's builder gives them."""
    out: list[Window] = []
    for room, trace in enumerate(random_traces(seed, 5)):
        batch, _, ends = windows_of(trace, classifier.window_spec)
        out += [
            Window(
                f"room-{room}",
                START + timedelta(seconds=float(end)),
                batch.temperature[i],
                batch.present[i],
                batch.door[i],
                batch.compressor[i],
            )
            for i, end in enumerate(ends)
        ]
    return out


def per_window_ms(
    classifier: AnomalyClassifier, windows: Sequence[Window], size: int, budget_s: float
) -> tuple[float, float, int]:
    """(p50, p99) ms per window over calls of ``size`` windows, and how many calls ran."""
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    offset = 0
    classifier.classify(windows[:size])  # first call sizes the tensors
    while time.perf_counter() < deadline and len(samples) < 20_000:
        call = windows[offset : offset + size]
        offset = (offset + size) % max(len(windows) - size, 1)
        started = time.perf_counter()
        classifier.classify(call)
        samples.append((time.perf_counter() - started) * 1000 / len(call))
    p50, p99 = np.percentile(samples, [50, 99])
    return float(p50), float(p99), len(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget-s", type=float, default=4.0, help="per measurement")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    model = AnomalyClassifier.load()
    rules = AnomalyClassifier.load(rules_only=True)
    windows = simulated_windows(args.seed, model)
    print(
        f"{platform.machine()}, Python {platform.python_version()}, model {model.metadata.version}"
    )
    print(f"{len(windows)} simulated windows of {model.window_spec.length} periods\n")
    print(f"{'classifier':<22}{'batch':>7}{'p50 ms/window':>16}{'p99 ms/window':>16}{'calls':>8}")
    for name, classifier in ((f"model ({model.mode})", model), ("rules (baseline)", rules)):
        for size in (1, 1000):
            p50, p99, calls = per_window_ms(classifier, windows, size, args.budget_s)
            print(f"{name:<22}{size:>7}{p50:>16.4f}{p99:>16.4f}{calls:>8}")


if __name__ == "__main__":
    main()
