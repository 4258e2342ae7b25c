"""``SeenIds``: the order repeat check answers as ``id in state.orders`` would, as the window
fills, slides past ``RECENT`` and is replaced by a state read back from the store."""

from __future__ import annotations

from edge_agent.kitchen.recent_ids import SeenIds
from edge_agent.kitchen.state import RECENT, KitchenState


def test_it_follows_the_orders_window_as_it_fills_and_slides() -> None:
    seen, state = SeenIds(), KitchenState()
    for n in range(RECENT + 1200):
        assert not seen.contains(state.orders, f"o{n}")
        state = state.accepting(f"o{n}", [])
        assert seen.contains(state.orders, f"o{n}")
        if n % 397 == 0:  # now and then, a full check against the window itself
            window = set(state.orders)
            probes = [f"o{k}" for k in (0, n - RECENT, n - RECENT + 1, n // 2, n, n + 1)]
            assert [seen.contains(state.orders, p) for p in probes] == [p in window for p in probes]
    assert len(state.orders) == RECENT
    assert not seen.contains(state.orders, "o1199")  # slid out
    assert seen.contains(state.orders, "o1200")


def test_a_window_not_grown_from_the_last_one_is_taken_whole() -> None:
    seen = SeenIds()
    assert seen.contains(("a", "b", "c"), "b")
    read_back = ("x", "y", "c")  # ends like the last one, but is another window
    assert [seen.contains(read_back, k) for k in ("a", "b", "x", "y", "c")] == [
        False, False, True, True, True,
    ]  # fmt: skip
    assert not seen.contains((), "c")
