"""The ``Server-Timing`` an ingest answer carries, read back as the agent reads it."""

from __future__ import annotations

import pytest

from domain.ingest_timing import queued_s, server_timing


def test_what_the_cloud_writes_the_agent_reads_back() -> None:
    header = server_timing(1.2345, 0.0421)
    assert header == "queue;dur=1234.5, ingest;dur=42.1"
    assert queued_s(header) == pytest.approx(1.2345)


@pytest.mark.parametrize(
    ("header", "queued"),
    [
        (None, 0.0),
        ("", 0.0),
        ("ingest;dur=900", 0.0),  # says nothing of a queue
        ('db;dur=3, queue;desc="waiting";dur=250', 0.25),  # other metrics and params
        ("queue;dur=abc", 0.0),
        ("queue;dur=-5", 0.0),
        ("queue;dur=nan", 0.0),
        ("queue;dur=inf", 0.0),
        ("queue", 0.0),
    ],
)
def test_a_missing_or_odd_header_counts_as_no_wait(header: str | None, queued: float) -> None:
    assert queued_s(header) == pytest.approx(queued)
