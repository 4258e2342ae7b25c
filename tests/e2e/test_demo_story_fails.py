"""A demo whose story does not happen says what was missing and exits non-zero: here the
scale is really switched off (its process stopped by PID) before the agent starts, so no
weighing becomes stock."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edgestock.processes import edgestock_argv

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def test_a_scale_demo_without_weighings_fails_naming_what_is_missing(
    tmp_path: Path, database_url: str
) -> None:
    argv = edgestock_argv("demo", "--duration", "4", "--workdir", str(tmp_path / "demo"))
    argv += ["--fault", "scale-gone", "--database-url", database_url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=200, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "demo: fault: the scale is switched off" in done.stdout
    assert "stock lines:   0 at the edge, 0 in the cloud" in done.stdout, done.stdout
    assert "the story did not complete: no weighing became stock at the edge" in done.stderr
