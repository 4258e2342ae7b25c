"""``python -m training.anomaly.determinism --seed N``: train twice, compare the files.

Each run is a fresh interpreter (TensorFlow's global state and seeds start anew), as two
``edgestock train anomaly`` runs would be. Exits 1 if the model or metadata differ; also says
whether the result matches the committed model (it does for the committed seed and
settings, with the same TensorFlow version).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from edge_agent.inference.classifier import packaged_model


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def train_in_subprocess(seed: int, rooms: int, epochs: int, out: Path) -> dict[str, str]:
    command = [sys.executable, "-m", "training.anomaly", "--seed", str(seed), "--out", str(out)]
    command += ["--rooms", str(rooms), "--epochs", str(epochs)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return digests(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rooms", type=int, default=320)
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for run in ("a", "b"):
            runs.append(train_in_subprocess(args.seed, args.rooms, args.epochs, Path(tmp) / run))
            print(f"run {run}: " + ", ".join(f"{n} {d[:16]}" for n, d in runs[-1].items()))
    committed = digests(packaged_model().parent)
    print("same seed, same files:", runs[0] == runs[1])
    print("matches the committed model:", runs[0] == committed)
    sys.exit(0 if runs[0] == runs[1] else 1)


if __name__ == "__main__":
    main()
