"""Debouncing with a clock the test moves."""

from __future__ import annotations

from edge_agent.adapters.camera.debounce import Debouncer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_repeat_within_the_window_is_suppressed_and_counted() -> None:
    clock = Clock()
    debounce = Debouncer(2.0, clock)
    assert debounce.admit("a")
    clock.now += 1.9
    assert not debounce.admit("a")
    assert debounce.admit("b")
    assert debounce.suppressed == 1


def test_the_window_slides_while_a_label_stays_in_view() -> None:
    clock = Clock()
    debounce = Debouncer(2.0, clock)
    assert debounce.admit("a")
    for _ in range(10):
        clock.now += 1.0
        assert not debounce.admit("a")
    clock.now += 2.0
    assert debounce.admit("a")
    assert debounce.suppressed == 10


def test_window_zero_admits_every_read() -> None:
    debounce = Debouncer(0.0, Clock())
    assert all(debounce.admit("a") for _ in range(5))
