"""``edgestock demo``: the scenarios of ``edgestock.demos``, each ending with its summary and
an exit code that says whether its story happened (0) or not (1, with what was missing)."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from edgestock.cli.common import DatabaseUrl, fail


class Fault(StrEnum):
    """Faults a test injects to see a story fail for real."""

    scale_gone = "scale-gone"


def demo(
    scenario: Annotated[
        str,
        typer.Option(
            help="scale: weighing to stock; coldchain: a compressor fails;"
            " kitchen: a restaurant day deducted by step; transfer: a central kitchen ships"
            " to two restaurants of another legal entity; recall: a supplier lot recalled at a"
            " plant and two shops, one offline; replenish: static par vs min/max vs EdgeStock's"
            " policy over a restaurant group, and three explained suggestions; orders: a"
            " made-to-order studio with no stock runs orders through its own lifecycle; plant: a"
            " robot-arm line runs a work order over OPC UA, wrong servos caught at kitting,"
            " a finished serial traced."
        ),
    ] = "scale",
    duration: Annotated[
        float | None,
        typer.Option(
            help="Run this many seconds, then summarise (kitchen: default 120); coldchain: at"
            " most this many (default 180), ending when its story is complete."
        ),
    ] = None,
    workdir: Annotated[
        Path | None, typer.Option(help="Where the demo keeps its files (default: a temp dir).")
    ] = None,
    database_url: DatabaseUrl = None,
    fault: Annotated[
        Fault | None,
        typer.Option(
            hidden=True, help="For tests: scale-gone: no scale by the time the agent starts."
        ),
    ] = None,
) -> None:
    """Every part as a real process. scale: cloud, scale simulator and agent, ending with
    `ledger equal: yes/no`. coldchain: a cold room's compressor fails and the stock reacts."""
    from edgestock.demos.console import warn
    from edgestock.demos.readiness import NeverReady
    from edgestock.demos.stack import PartFailed

    scenarios = (
        "scale", "coldchain", "kitchen", "transfer", "recall", "replenish", "orders", "plant",
    )  # fmt: skip
    if scenario not in scenarios:
        raise fail(
            f"unknown scenario {scenario!r}: choose scale, coldchain, kitchen, transfer, recall,"
            " replenish, orders or plant"
        )
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise fail(f"--duration {duration:g}: give a positive number of seconds")
    if scenario == "coldchain" and duration is not None:
        from edgestock.demos.coldchain import MIN_DURATION_S

        if duration < MIN_DURATION_S:
            raise fail(
                f"--duration {duration:g}: the cold-chain story needs at least "
                f"{MIN_DURATION_S:.0f} s (the compressor fails 20 simulated minutes in, the "
                "alarm waits 30); run with --duration 120 or more"
            )
    if fault is not None and scenario != "scale":
        raise fail(f"--fault {fault.value} is a fault of the scale scenario")
    try:
        missing = _run(scenario, duration, workdir, database_url, fault)
    except (NeverReady, PartFailed) as exc:
        raise fail(f"demo: {exc}", 1) from exc
    for gap in missing:
        warn(f"the story did not complete: {gap}")
    raise typer.Exit(1 if missing else 0)


def _run(
    scenario: str,
    duration: float | None,
    workdir: Path | None,
    database_url: str | None,
    fault: Fault | None,
) -> list[str]:
    """Run ``scenario``; what of its story was missing."""
    if scenario == "coldchain":
        from edgestock.demos.coldchain import run_coldchain_demo

        return run_coldchain_demo(
            duration=duration or 180.0, workdir=workdir, database_url=database_url
        ).missing()
    if scenario == "replenish":
        from edgestock.demos.replenish import run_replenish_demo

        return run_replenish_demo().missing()
    if scenario == "transfer":
        from edgestock.demos.transfer import run_transfer_demo

        return run_transfer_demo(workdir=workdir, database_url=database_url).missing()
    if scenario == "orders":
        from edgestock.demos.orders import run_orders_demo

        return run_orders_demo(workdir=workdir, database_url=database_url).missing()
    if scenario == "plant":
        from edgestock.demos.plant import run_plant_demo

        return run_plant_demo(workdir=workdir, database_url=database_url).missing()
    if scenario == "recall":
        from edgestock.demos.recall import run_recall_demo

        return run_recall_demo(workdir=workdir, database_url=database_url).missing()
    if scenario == "kitchen":
        from edgestock.demos.kitchen import run_kitchen_demo

        return run_kitchen_demo(
            duration=duration or 120.0, workdir=workdir, database_url=database_url
        ).missing()
    from edgestock.demos.scale import run_scale_demo

    return run_scale_demo(
        duration=duration,
        workdir=workdir,
        database_url=database_url,
        simulator_gone=fault is Fault.scale_gone,
    ).missing()
