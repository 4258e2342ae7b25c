"""The agent's collector settings: start-up frozen, young collections rarer, cycles still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from edge_agent.gc_tuning import WRITER_THRESHOLDS, tune_for_writing


@pytest.fixture
def restored_collector() -> Iterator[None]:
    """The test process's own settings back afterwards: other tests run with the defaults."""
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_start_up_is_frozen_and_young_collections_are_rarer(restored_collector: None) -> None:
    start_up = [[n] for n in range(1000)]  # alive until the process ends, as modules are
    tune_for_writing()
    assert gc.get_threshold() == WRITER_THRESHOLDS
    assert gc.get_freeze_count() >= len(start_up)
    assert WRITER_THRESHOLDS[0] > 700  # CPython's default, a collection every hundred events


def test_a_cycle_made_after_tuning_is_still_collected(restored_collector: None) -> None:
    tune_for_writing()
    first, second = _Node(), _Node()
    first.other, second.other = second, first  # garbage only a collection can free
    alive = weakref.ref(first)
    del first, second
    assert alive() is not None
    # allocations past the young threshold start a collection by themselves
    kept = [[n] for n in range(2 * WRITER_THRESHOLDS[0])]
    assert alive() is None
    assert len(kept) == 2 * WRITER_THRESHOLDS[0]
