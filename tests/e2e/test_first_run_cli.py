"""Small first-run findings of the command line (issue 16): the version, and demo durations
that cannot tell their story are refused before anything starts."""

from __future__ import annotations

import subprocess
import time
from importlib.metadata import version

import pytest

from edgestock.processes import edgestock_argv


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(edgestock_argv(*args), capture_output=True, text=True, timeout=60)


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"edgestock {version('edgestock')}"


@pytest.mark.parametrize("duration", ["-5", "0", "nan", "inf"])
def test_a_duration_that_is_not_a_positive_number_is_refused(duration: str) -> None:
    done = run("demo", "--duration", duration)
    assert done.returncode == 2
    assert f"--duration {duration}: give a positive number of seconds" in done.stderr


def test_a_cold_chain_demo_too_short_to_handle_its_excursion_is_refused_at_once() -> None:
    started = time.monotonic()
    done = run("demo", "--scenario", "coldchain", "--duration", "60")
    assert done.returncode == 2
    assert "needs at least 120 s" in done.stderr
    assert "--duration 120 or more" in done.stderr
    assert time.monotonic() - started < 20  # refused, not run for a minute and then failed
