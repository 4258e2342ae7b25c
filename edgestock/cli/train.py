"""``edgestock train``: the models the agent runs, trained off the device (extra ``train``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from edgestock.cli.common import fail

train_app = typer.Typer(help="Train the models the agent runs (needs the train extra).")


@train_app.command("anomaly")
def train_anomaly(
    seed: Annotated[int, typer.Option(help="Same seed, same model, byte for byte.")] = 7,
    out: Annotated[Path, typer.Option(help="Where anomaly.tflite and .json go.")] = Path(
        "edge_agent/models"
    ),
    rooms: Annotated[int, typer.Option(help="Simulated cold rooms to learn from.")] = 320,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = 40,
) -> None:
    """Train the cold-room anomaly classifier on the physical simulator and export it."""
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        raise fail("training needs TensorFlow: pip install -e '.[train]'")
    from training.anomaly.train import train

    report = train(seed=seed, out_dir=out, progress=typer.echo, rooms=rooms, epochs=epochs)
    typer.echo(
        f"model {report.model_path} ({report.size_bytes} bytes, sha256 {report.sha256[:12]}),"
        f" validation accuracy {report.validation_accuracy:.3f}, {report.seconds:.0f} s"
    )
