"""The two demos a new user runs first, as they run them: `edgestock demo` end to end."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edgestock.processes import edgestock_argv

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = edgestock_argv("demo", "--workdir", str(tmp_path / "demo"), *args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=400, check=False)


def test_the_scale_demo_ends_with_equal_ledgers(tmp_path: Path) -> None:
    done = demo(tmp_path, "--duration", "20")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("ledger equal: yes")


def test_the_coldchain_demo_shows_every_reaction_at_the_edge_and_in_the_cloud(
    tmp_path: Path,
) -> None:
    done = demo(tmp_path, "--scenario", "coldchain", "--duration", "240")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for line in (
        "compressor failure flagged:",
        "lots quarantined:            edge 4, cloud 4",
        "safety stock raised:",
        "urgent purchase suggested:",
    ):
        assert line in out, out
    assert out.rstrip().endswith("cold chain handled at the edge and in the cloud: yes")
