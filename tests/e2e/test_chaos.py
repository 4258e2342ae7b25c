"""The chaos soak, short: a minute, and at least one of each, of every fault a site meets
(agent SIGKILLs, cloud and PostgreSQL restarts and crashes, a link that delays, resets, cuts
and swallows, a full disk), then every event is in the cloud exactly once and the ledgers and
the scale agree. The long
run is ``python -m tests.soak.chaos_soak --minutes 30`` (figures in docs/reliability.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.soak.chaos_soak import FAULT_KINDS, soak

# a pass takes 2 min; slow cloud starts may add 2
pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]


@pytest.mark.skipif(
    os.geteuid() != 0, reason="the full-disk fault mounts a tmpfs of its own: needs root"
)
def test_a_minute_of_chaos_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    verdict = soak(60, seed=20261205, workdir=tmp_path, say=said.append)
    report = "\n".join([*said, *verdict.lines()])
    assert verdict.exactly_once, report  # 0 lost, 0 duplicated
    assert verdict.ledgers_equal, report
    assert verdict.scale_agrees, report
    assert set(verdict.faults) == FAULT_KINDS, report
    assert verdict.events > 100, report
