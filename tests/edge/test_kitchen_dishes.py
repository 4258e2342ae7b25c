"""Orders of the same dish share one explosion (the kitchen explodes a line's dish once and
gives later orders its steps under their own id): every order's steps and consumptions are
still its own, exactly as ``explode`` makes them, through the real store and writer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from domain.kitchen.explosion import OrderLine as Planned
from domain.kitchen.explosion import explode
from tests.edge.kitchen_setup import MASTER
from tests.edge.test_kitchen_pipeline import NOW, done, kitchen, order, stock_up

SAME = ("kung-pao", 1, ("no-peanuts",))


async def test_each_order_of_a_dish_deducts_under_its_own_id_what_explode_plans(
    tmp_path: Path,
) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        stock_up(k.store)
        for order_id in ("o1", "o2", "o3"):
            await k.pipeline.order(order(order_id, SAME, ("kung-pao", 2, ())), NOW)
        for order_id in ("o3", "o1", "o2"):
            await k.pipeline.tap("wok", done(f"t-{order_id}-wok", "2.wok"), NOW)
        used = k.events("stock.step_consumed")
    for order_id in ("o1", "o2", "o3"):
        (wok, _) = explode(MASTER, Planned(order_id, 2, "kung-pao", 2, ()))
        assert wok.order == order_id
        planned = {i.item: i.gross.value for i in wok.inputs}
        mine = [e for e in used if e["order"] == order_id]
        assert {(e["line"], e["step"]) for e in mine} == {(2, "wok")}
        taken: dict[str, Decimal] = {}
        for e in mine:
            taken[str(e["item"])] = taken.get(str(e["item"]), Decimal(0)) + Decimal(str(e["qty"]))
        exact = {item for item, qty in planned.items() if qty == qty.quantize(Decimal("1E-9"))}
        assert {item: taken[item] for item in exact} == {item: planned[item] for item in exact}
        assert set(taken) == set(planned)
    assert [t.ticket_id for _, t in k.tickets if t.ticket_id.endswith("-wok")][:3] == [
        "t-o1-wok", "t-o2-wok", "t-o3-wok",
    ]  # fmt: skip
