"""The circuit breaker on a clock of our own: opens after N failures, probes once, recovers."""

from __future__ import annotations

import random

from edge_agent.adapters.modbus.breaker import CircuitBreaker
from edge_agent.backoff import Backoff


def breaker(threshold: int = 3, max_s: float = 30.0) -> CircuitBreaker:
    return CircuitBreaker(threshold, Backoff(initial_s=0.5, max_s=max_s, rng=random.Random(7)))


def test_closed_until_threshold_failures_in_a_row() -> None:
    b = breaker()
    assert not b.failed(0.0)
    assert not b.failed(1.0)
    assert b.wait_s(1.0) == 0.0
    assert b.failed(2.0), "the third failure in a row opens it"
    assert b.is_open
    assert b.trips == 1
    assert 0.0 <= b.wait_s(2.0) <= 0.5


def test_a_success_in_between_starts_the_count_again() -> None:
    b = breaker()
    b.failed(0.0)
    b.failed(0.1)
    b.succeeded()
    assert not b.failed(0.2)
    assert not b.is_open


def test_a_lost_connection_opens_at_once() -> None:
    b = breaker()
    assert b.failed(0.0, at_once=True)
    assert b.is_open


def test_a_failed_probe_reopens_for_longer_but_never_past_the_cap() -> None:
    b = breaker(threshold=1, max_s=4.0)
    now = 0.0
    b.failed(now)
    pauses = []
    for _ in range(40):
        now += b.wait_s(now)  # the probe is due
        assert not b.failed(now), "a failed probe is not a new trip"
        pauses.append(b.wait_s(now))
    assert b.trips == 1
    assert max(pauses) <= 4.0
    assert max(pauses[10:]) > 2.0, "the ceiling grew to the cap"


def test_a_successful_probe_closes_it_and_resets_the_backoff() -> None:
    b = breaker(threshold=1)
    for t in range(10):
        b.failed(float(t))
    b.succeeded()
    assert not b.is_open
    assert b.wait_s(100.0) == 0.0
    assert b.failed(100.0)
    assert b.wait_s(100.0) <= 0.5, "the next outage starts from the first pause again"
    assert b.trips == 2
