"""The chaos soak, short: ninety seconds of every fault a site meets (agent SIGKILLs, cloud and
PostgreSQL restarts and crashes, a link that delays, resets, cuts and swallows, a full disk),
then every event is in the cloud exactly once and the ledgers and the scale agree. The long
run is ``python -m tests.soak.chaos_soak --minutes 30`` (figures in docs/reliability.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.soak.chaos_soak import soak

pytestmark = pytest.mark.timeout(600)


@pytest.mark.skipif(os.geteuid() != 0, reason="the full-disk fault mounts a tmpfs: needs root")
def test_ninety_seconds_of_chaos_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    verdict = soak(90, seed=20261204, workdir=tmp_path, say=said.append)
    assert verdict.passed, "\n".join([*said, *verdict.lines()])
    assert set(verdict.faults) == {
        "agent SIGKILL",
        "cloud restart",
        "PostgreSQL restart",
        "PostgreSQL crash",
        "link delays",
        "link resets",
        "link cuts",
        "link black hole",
        "disk full",
    }, verdict.faults
    assert verdict.events > 100
