"""What an opened excursion does to stock: holds, +20 % safety stock near expiry, urgent
purchases from the approved supplier, all naming the excursion as their cause."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.coldchain.reactions import (
    LotStock,
    ReactionPolicy,
    excursion_cause,
    excursion_reactions,
)
from domain.ledger import StockKey
from domain.masterdata import MasterData
from domain.payloads import LotBlocked, Payload, PurchaseSuggested, SafetyStockRaised
from domain.quantity import Quantity, Unit

AT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
MASTER = MasterData.model_validate(
    {
        "items": [
            {"id": "chicken", "name": "Chicken thigh", "base_unit": "kg", "safety_stock": "20"},
            {"id": "cream", "name": "Cream 35 %", "base_unit": "l", "safety_stock": "10"},
            {"id": "tofu", "name": "Tofu", "base_unit": "kg"},
        ],
        "suppliers": [
            {
                "id": "metro",
                "name": "Metro",
                "approved": [{"item": "chicken", "lead_time_days": 2, "min_order": "10"}],
            },
            {
                "id": "farm",
                "name": "Farm direct",
                "approved": [
                    {"item": "chicken", "lead_time_days": 1, "preferred": True},
                    {"item": "cream", "lead_time_days": 1, "min_order": "5"},
                ],
            },
        ],
    }
)


def lot(item: str, name: str, qty: str, unit: Unit, expires: date | None) -> LotStock:
    return LotStock(StockKey(item, name, "cold-room-1"), Quantity(Decimal(qty), unit), expires)


def react(stock: list[LotStock], policy: ReactionPolicy | None = None) -> list[tuple[str, Payload]]:
    policy = policy or ReactionPolicy()
    drafts = excursion_reactions("cold-room-1", 3, AT, "too warm", stock, MASTER, policy)
    return [(d.type, d.payload) for d in drafts]


def test_each_lot_is_held_and_each_item_gets_one_urgent_purchase() -> None:
    out = react(
        [
            lot("chicken", "C1", "4000", Unit.G, date(2026, 11, 29)),
            lot("chicken", "C2", "6000", Unit.G, date(2026, 12, 20)),
            lot("cream", "K1", "2000", Unit.ML, date(2026, 12, 20)),
        ]
    )
    types = [t for t, _ in out]
    assert types.count("lot.blocked") == 3
    holds = [p for t, p in out if isinstance(p, LotBlocked)]
    assert {h.cause for h in holds} == {excursion_cause("cold-room-1", 3)}
    purchases = {p.item: p for _, p in out if isinstance(p, PurchaseSuggested)}
    chicken = purchases["chicken"]
    assert (chicken.supplier, chicken.qty, chicken.unit) == ("farm", Decimal(10), Unit.KG)
    assert chicken.needed_by == date(2026, 11, 29)
    assert chicken.urgent
    cream = purchases["cream"]
    assert (cream.supplier, cream.qty, cream.unit) == ("farm", Decimal(5), Unit.L)  # min order


def test_safety_stock_rises_only_for_items_with_a_lot_close_to_expiry() -> None:
    out = react(
        [
            lot("chicken", "C1", "4000", Unit.G, date(2026, 12, 1)),  # 3 days: near
            lot("cream", "K1", "2000", Unit.ML, date(2026, 12, 2)),  # 4 days: not near
        ]
    )
    raised = [p for _, p in out if isinstance(p, SafetyStockRaised)]
    assert raised == [
        SafetyStockRaised(
            item="chicken",
            factor=Decimal("1.2"),
            base_qty=Decimal(20),
            raised_qty=Decimal("24.0"),
            unit=Unit.KG,
            cause="excursion:cold-room-1#3",
        )
    ]


def test_an_item_without_an_approved_supplier_still_gets_a_suggestion_that_says_so() -> None:
    out = react([lot("tofu", "T1", "1500", Unit.G, None)])
    (purchase,) = [p for _, p in out if isinstance(p, PurchaseSuggested)]
    assert purchase.supplier is None
    assert "no approved supplier" in purchase.reason
    assert (purchase.qty, purchase.unit) == (Decimal("1.5"), Unit.KG)


def test_empty_lots_are_not_held_and_holds_can_be_switched_off() -> None:
    assert react([lot("chicken", "C0", "0", Unit.G, None)]) == []
    assert react([lot("chicken", "C1", "10", Unit.G, None)], ReactionPolicy(block_lots=False)) == []


def test_master_data_refuses_a_supplier_approved_for_an_unknown_item() -> None:
    with pytest.raises(ValueError, match="approved item 'beef' is not an item"):
        MasterData.model_validate(
            {
                "suppliers": [
                    {"id": "x", "name": "X", "approved": [{"item": "beef", "lead_time_days": 1}]}
                ]
            }
        )
