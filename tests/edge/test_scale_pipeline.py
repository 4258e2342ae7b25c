"""A settled change of weight becomes readings and stock movements, FEFO across lots."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.observation import Observation
from domain.quantity import Quantity, Unit
from edge_agent.pipeline.scale import UNKNOWN_LOT, ScaleBinding, ScaleTracker, WeightSkipped
from edge_agent.store import EdgeStore

BINDING = ScaleBinding(device="s1", item="chicken", location="wok", shelf_life_days=2)


def weighs(grams: str, *, stable: bool = True, unit: str = "g", minute: int = 0) -> Observation:
    return Observation(
        device="s1",
        at=datetime(2026, 11, 25, 12, minute, tzinfo=UTC),
        values={"weight": Decimal(grams), "stable": stable, "overload": False},
        units={"weight": unit},
    )


def run(store: EdgeStore, tracker: ScaleTracker, obs: Observation) -> list[str]:
    events = store.append(tracker.observe(obs))
    return [e.type for e in events]


def test_weights_become_lots_and_fefo_consumption(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    tracker = ScaleTracker(BINDING, last_stable=None)
    assert run(store, tracker, weighs("1.000", unit="kg")) == ["reading.recorded", "lot.received"]
    assert run(store, tracker, weighs("1001", stable=False, minute=1)) == []
    assert run(store, tracker, weighs("1001", minute=1)) == []  # within min_change
    assert run(store, tracker, weighs("1500", minute=2)) == ["reading.recorded", "lot.received"]
    assert run(store, tracker, weighs("300", minute=3)) == [
        "reading.recorded",
        "stock.consumed",
        "stock.consumed",
    ]
    ledger = store.ledger()
    assert sum(q.value for q in ledger.values()) == Decimal(300)
    first, second = sorted(store.lots_on_hand("chicken", "wok"), key=lambda lot: lot.received_seq)
    assert (first.on_hand, second.on_hand) == (Decimal(0), Decimal(300))
    assert first.expires_on == date(2026, 11, 26)  # received the 25th = day 1 of 2
    assert all(q.unit == Unit.G for q in ledger.values())


def test_use_with_no_lot_on_record_is_kept_against_unknown(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    tracker = ScaleTracker(BINDING, last_stable=Decimal(500))  # resumed, lots pruned
    assert run(store, tracker, weighs("420")) == ["reading.recorded", "stock.consumed"]
    (key,) = store.ledger()
    assert key.lot == UNKNOWN_LOT
    assert store.ledger()[key] == Quantity(Decimal(-80), Unit.G)


def test_a_weight_without_a_number_is_refused_with_the_device() -> None:
    tracker = ScaleTracker(BINDING, last_stable=None)
    obs = Observation("s1", datetime.now(UTC), {"stable": True, "weight": "heavy"})
    with pytest.raises(WeightSkipped, match="s1: no numeric 'weight'"):
        tracker.observe(obs)
