"""``python -m training.anomaly --seed N [--out DIR]``: train and export the anomaly model
(what ``edgestock train anomaly`` runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from training.anomaly.train import train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("edge_agent/models"))
    parser.add_argument("--rooms", type=int, default=320)
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    report = train(
        seed=args.seed, out_dir=args.out, progress=print, rooms=args.rooms, epochs=args.epochs
    )
    print(f"done in {report.seconds:.0f} s: {report.model_path} ({report.size_bytes} bytes)")


if __name__ == "__main__":
    main()
