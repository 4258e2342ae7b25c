"""The kitchen demo on a loaded machine (a CPU-burning process per core for its whole run):
the day starts only once the agent has said it is subscribed, so every opening PDA scan
lands in the agent's store, and the cloud's stock still equals the edge's."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from edgestock.demos.kitchen import run_kitchen_demo
from simulators.restaurant_day import OPENING, THAWING

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

BURN = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextmanager
def cpu_burners(seconds: float) -> Iterator[list[subprocess.Popen[bytes]]]:
    """One busy process per core, each ending by itself after ``seconds``, stopped by PID."""
    burners = [
        subprocess.Popen([sys.executable, "-c", BURN.format(seconds=seconds)])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield burners
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def test_every_opening_pda_scan_lands_while_the_machine_is_loaded(
    tmp_path: Path, database_url: str
) -> None:
    with cpu_burners(240) as burners:
        summary = run_kitchen_demo(
            duration=30, workdir=tmp_path, database_url=database_url, seed=5, orders=6
        )
        assert all(burner.poll() is None for burner in burners), "the load ended too early"
    receipts = len(OPENING) + len(THAWING)
    assert summary.scans.receipts == (receipts, receipts)
    assert summary.scans.thaw_starts == (len(THAWING), len(THAWING))
    assert summary.scans.counts == (len(OPENING), len(OPENING))
    assert summary.stock_equal
    assert summary.missing() == []
