"""``python -m training.anomaly.report``: the model card's figures, reproducible.

Everything is scored with the agent's own runtime (``AnomalyClassifier``) on rooms simulated
from a seed training never used, next to the rule fallback on the same windows:
- precision and recall per class on held-out windows (door and compressor hidden in the same
  share as in training);
- how much earlier a compressor failure is flagged than by the plain threshold alarm (probe
  above ``ALARM_C`` for ``ALARM_DELAY_S``), with all signals and with a bare probe;
- how many plain high-temperature alarms (probe above ``ALARM_C``, no delay, no suppression)
  rooms with only doors and defrosts raise, and how many are left when a confident
  door/defrost answer suppresses them.
A window's answer counts only when confident (below its threshold the agent treats it as
normal), as the agent acts on it.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from edge_agent.inference.classifier import AnomalyClassifier, packaged_model
from edge_agent.inference.features import CLASS_NAMES, WindowBatch
from edge_agent.inference.window import WindowSpec
from simulators.coldroom_dataset import Trace, random_scenario, random_traces, simulate
from training.anomaly.data import LabelledWindows, label, only_temperature, windows_of

HELD_OUT_SEED = 90_210
ALARM_C = 8.0
ALARM_DELAY_S = 30 * 60
SUPPRESSING = ("door_open", "defrost")

Labeller = Callable[[WindowBatch], list[str]]


def acted_on(classifier: AnomalyClassifier) -> Labeller:
    """Labels as the agent acts on them: the class when confident, else normal."""

    def run(batch: WindowBatch) -> list[str]:
        return [c.label if c.confident else "normal" for c in classifier.classify_batch(batch)]

    return run


def per_class(truth: NDArray[np.int64], predicted: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Precision and recall of each class."""
    guess = np.array([CLASS_NAMES.index(p) for p in predicted])
    out = {}
    for i, name in enumerate(CLASS_NAMES):
        hits = float(np.sum((guess == i) & (truth == i)))
        out[name] = (hits / max(np.sum(guess == i), 1), hits / max(np.sum(truth == i), 1))
    return out


def plain_alarm_at(trace: Trace) -> float | None:
    """When the plain alarm fires: the probe has read above ``ALARM_C`` for ``ALARM_DELAY_S``."""
    since: float | None = None
    for t, c in zip(trace.air_times, trace.air_c, strict=True):
        if not c > ALARM_C:
            since = None
        elif since is None:
            since = float(t)
        elif t - since >= ALARM_DELAY_S:
            return float(t)
    return None


def rooms(seed: int, count: int, hours: float, fails: bool) -> list[Trace]:
    """Random rooms without probe faults; with ``fails`` the compressor fails 60–90 min in,
    otherwise it never does (then every alarm the room raises is a false one)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        scenario = random_scenario(rng, hours)
        failure_at = rng.uniform(3600, 5400) if fails else None
        settings = replace(scenario.settings, compressor_failure_at_s=failure_at)
        out.append(simulate(replace(scenario, settings=settings, faults=()), rng.getrandbits(32)))
    return out


def failure_leads(
    rooms: Sequence[Trace], spec: WindowSpec, labels: Labeller, bare_probe: bool
) -> tuple[list[float], int, int]:
    """Minutes each room's failure is flagged before the plain alarm (rooms where both fire),
    rooms flagged as failed before the failure, and rooms never flagged."""
    leads: list[float] = []
    early = missed = 0
    for trace in rooms:
        failed_at = trace.scenario.settings.compressor_failure_at_s or 0.0
        batch, _, ends = windows_of(trace, spec)
        said = np.array(labels(only_temperature(batch) if bare_probe else batch))
        flagged = ends[said == "compressor_failure"]
        early += int(np.any(flagged < failed_at))
        after = flagged[flagged >= failed_at]
        alarm = plain_alarm_at(trace)
        if after.size == 0:
            missed += 1
        elif alarm is not None:
            leads.append((alarm - after[0]) / 60)
    return leads, early, missed


def alarm_episodes(rooms: Sequence[Trace], spec: WindowSpec, labels: Labeller | None) -> int:
    """High-temperature alarms raised per minute's last period above ``ALARM_C``; with
    ``labels``, a minute the model calls a door opening or defrost raises none."""
    episodes = 0
    for trace in rooms:
        batch, _, _ends = windows_of(trace, spec)
        hot = batch.present[:, -1] & (batch.temperature[:, -1] > ALARM_C)
        if labels is not None:
            hot &= ~np.isin(np.array(labels(batch)), SUPPRESSING)
        episodes += int(np.sum(hot[1:] & ~hot[:-1]) + hot[0])
    return episodes


def print_classes(held: LabelledWindows, trained: object, judges: dict[str, Labeller]) -> None:
    counts = trained if isinstance(trained, dict) else {}
    scores = {name: per_class(held.labels, judge(held.batch)) for name, judge in judges.items()}
    print("| class | train windows | held-out windows | model precision | model recall", end="")
    print(" | rules precision | rules recall |\n|---|---:|---:|---:|---:|---:|---:|")
    for i, c in enumerate(CLASS_NAMES):
        figures = " | ".join(f"{v:.3f}" for v in (*scores["model"][c], *scores["rules"][c]))
        print(f"| {c} | {counts.get(c, '?')} | {int(np.sum(held.labels == i))} | {figures} |")


def print_failures(rooms: Sequence[Trace], spec: WindowSpec, judges: dict[str, Labeller]) -> None:
    print(f"\ncompressor failures ({len(rooms)} rooms), minutes flagged before the plain alarm")
    print(f"(> {ALARM_C:g} °C for {ALARM_DELAY_S // 60} min):\n")
    print("| judge | signals | median lead (min) | min | max | flagged before failure", end="")
    print(" | never flagged |\n|---|---|---:|---:|---:|---:|---:|")
    for name, judge in judges.items():
        for bare in (False, True):
            leads, early, missed = failure_leads(rooms, spec, judge, bare)
            signals = "probe only" if bare else "probe, door, compressor"
            spread = (np.median(leads), min(leads), max(leads)) if leads else ()
            lead = " | ".join(f"{v:.1f}" for v in spread) if leads else "– | – | –"
            print(f"| {name} | {signals} | {lead} | {early} | {missed} |")


def print_false_alarms(
    quiet: Sequence[Trace], failing: Sequence[Trace], spec: WindowSpec, judges: dict[str, Labeller]
) -> None:
    plain = alarm_episodes(quiet, spec, None)
    print(f"\nhigh-temperature alarms (> {ALARM_C:g} °C, no delay) in {len(quiet)} rooms with")
    print("only doors and defrosts:\n\n| alarm | alarms raised | reduction |\n|---|---:|---:|")
    print(f"| plain threshold | {plain} | – |")
    for name, judge in judges.items():
        left = alarm_episodes(quiet, spec, judge)
        print(f"| suppressed by {name} | {left} | {1 - left / max(plain, 1):.0%} |")
    hidden = sum(alarm_episodes([t], spec, judges["model"]) == 0 for t in failing)
    print(f"\nfailure rooms whose alarm the model's suppression hides: {hidden}/{len(failing)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None, help="default: the packaged model")
    parser.add_argument("--seed", type=int, default=HELD_OUT_SEED)
    parser.add_argument("--rooms", type=int, default=120)
    args = parser.parse_args()
    path = args.model or packaged_model()
    model = AnomalyClassifier.load(path)
    judges = {
        "model": acted_on(model),
        "rules": acted_on(AnomalyClassifier.load(path, rules_only=True)),
    }
    spec, meta = model.window_spec, model.metadata
    print(f"model {meta.version} ({model.mode}, {path.stat().st_size} bytes);", end=" ")
    print(f"held-out seed {args.seed}, {args.rooms} rooms\n")
    held = label(random_traces(args.seed, args.rooms), spec, np.random.default_rng(args.seed))
    print_classes(held, meta.training.get("class_counts"), judges)
    failing = rooms(args.seed + 1, max(args.rooms // 3, 10), hours=4.5, fails=True)
    print_failures(failing, spec, judges)
    quiet = rooms(args.seed + 2, max(args.rooms // 3, 10), hours=5.0, fails=False)
    print_false_alarms(quiet, failing, spec, judges)


if __name__ == "__main__":
    main()
