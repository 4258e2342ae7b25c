"""The kitchen pipeline on the agent's real sink, writer and SQLite store: exact deductions for
a scripted order list (modifiers, FEFO over several lots, a held lot skipped, a weighed
portion), tickets per station, repeats ignored, a restart mid-service that repeats no
deduction, refusals with their reason, and PDA scans (receipt, thawing clocks, counts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.events import EventDraft
from domain.kitchen.explosion import explode_recipe
from domain.observation import Observation
from domain.payloads import LotBlocked, LotReceived
from domain.quantity import Unit
from edge_agent.kitchen.messages import KdsTap, KitchenTicket, OrderLine, PosOrder
from edge_agent.kitchen.pda import PdaUnusable
from edge_agent.kitchen.pipeline import FIRST_LOTS, KitchenPipeline, KitchenRefused, StationScale
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from tests.edge.kitchen_setup import MASTER, kitchen_parts

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@dataclass
class Kitchen:
    store: EdgeStore
    sink: AgentSink
    pipeline: KitchenPipeline
    tickets: list[tuple[str, KitchenTicket]] = field(default_factory=list)

    def events(self, *types: str) -> list[dict[str, object]]:
        return [dict(e.data) | {"type": e.type} for e in self.store.events() if e.type in types]

    def used(self) -> list[tuple[object, ...]]:
        """(item, lot, qty, planned, portioning) of every step consumption, in order."""
        return [
            (e["item"], e["lot"], e["qty"], e["planned_qty"], e.get("portioning"))
            for e in self.events("stock.step_consumed")
        ]


@asynccontextmanager
async def kitchen(path: Path) -> AsyncIterator[Kitchen]:
    """A kitchen on ``path`` as the agent builds it, with a portion scale at the wok."""
    scales = [StationScale("wok-scale", "wok", "chicken-marinated")]
    async with kitchen_parts(path, scales=scales) as (store, sink, pipeline):
        running = Kitchen(store, sink, pipeline)

        async def publish(station: str, ticket: KitchenTicket) -> None:
            running.tickets.append((station, ticket))

        pipeline.publish_to(publish)
        yield running


def stock_up(store: EdgeStore) -> None:
    """The wok and the pass before service; lot M0 is held (an excursion)."""
    lots = [
        ("chicken-marinated", "M0", "wok", "400", TODAY),
        ("chicken-marinated", "M1", "wok", "500", TODAY + timedelta(days=1)),
        ("chicken-marinated", "M2", "wok", "1000", TODAY + timedelta(days=2)),
        ("peanuts", "P1", "wok", "1000", None),
        ("dried-chili", "D1", "wok", "200", None),
        ("onion", "O1", "wok", "1000", None),
        ("rice-cooked", "R1", "pass", "2000", TODAY),
    ]
    drafts = [
        EventDraft(
            "lot.received",
            NOW - timedelta(hours=3),
            LotReceived(item=i, lot=lot, location=loc, qty=Decimal(q), unit=Unit.G, expires_on=e),
        )
        for i, lot, loc, q, e in lots
    ]
    held = LotBlocked(
        item="chicken-marinated", lot="M0", location="wok", reason="excursion #1", cause="exc:1"
    )
    drafts.append(EventDraft("lot.blocked", NOW - timedelta(hours=2), held))
    store.append(drafts)


def order(order_id: str, *lines: tuple[str, int, tuple[str, ...]]) -> PosOrder:
    return PosOrder(
        order_id=order_id,
        placed_at=NOW,
        lines=tuple(OrderLine(item=i, qty=Decimal(q), modifiers=m) for i, q, m in lines),
    )


def done(ticket: str, step: str, operator: str = "ana") -> KdsTap:
    return KdsTap(ticket_id=ticket, step=step, operator=operator, action="done", at=NOW)


def weight(device: str, grams: str, at: datetime = NOW) -> Observation:
    return Observation(device, at, {"weight": Decimal(grams), "stable": True}, {"weight": "g"})


O1 = order("o1", ("kung-pao", 1, ("extra-portion",)), ("kung-pao", 2, ("no-peanuts",)))
D = Decimal


async def test_an_order_opens_one_ticket_per_station_with_its_steps(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        await k.pipeline.order(O1, NOW)
    shown = {
        station: (t.ticket_id, t.steps, [ln.item for ln in t.lines]) for station, t in k.tickets
    }
    assert shown == {
        "wok": ("t-o1-wok", ("1.wok", "2.wok"), ["kung-pao", "kung-pao"]),
        "pass": ("t-o1-pass", ("1.plate", "2.plate"), ["kung-pao", "kung-pao"]),
    }


async def test_exact_deductions_for_a_scripted_order_list(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        stock_up(k.store)
        await k.pipeline.order(O1, NOW)
        await k.pipeline.tap("wok", done("t-o1-wok", "1.wok"), NOW + timedelta(minutes=4))
        # the cook weighs the second line's chicken: 380 g where the recipe says 360 g
        await k.sink.observe(weight("wok-scale", "0"))
        await k.sink.observe(weight("wok-scale", "380"))
        await k.pipeline.tap("wok", done("t-o1-wok", "2.wok", "bo"), NOW + timedelta(minutes=6))
        await k.pipeline.tap("pass", done("t-o1-pass", "1.plate"), NOW + timedelta(minutes=7))
        assert k.used() == [
            # line 1, extra portion: 180 × 1.5 g of chicken from M1 (M0 is held: skipped)
            ("chicken-marinated", "M1", "270.0", "270.0", None),
            ("peanuts", "P1", "30", "30", None),
            ("dried-chili", "D1", "5", "5", None),
            ("onion", "O1", "71.428571429", "71.428571429", None),  # 50 g at 70 % yield
            # line 2, two portions, no peanuts, weighed: M1's last 230 g, then M2
            ("chicken-marinated", "M1", "230.0", "217.894736842", "12.105263158"),
            ("chicken-marinated", "M2", "150.0", "142.105263158", "7.894736842"),
            ("dried-chili", "D1", "10", "10", None),
            # 142.857142857142…, less what line 1's rounding up carried over: the two lines
            # take 214.285714286 g, their exact total kept to the ledger's quantum
            ("onion", "O1", "142.857142857", "142.857142857", None),
            ("rice-cooked", "R1", "150", "150", None),
        ]
        first = k.events("stock.step_consumed")[0]
        assert first["skipped"] == [{"lot": "M0", "reason": "blocked", "detail": "excursion #1"}]
        assert (first["order"], first["line"], first["step"], first["location"]) == (
            "o1",
            1,
            "wok",
            "wok",
        )
        assert (first["operator"], first["device"]) == ("ana", "kds:wok")
        onion = k.events("stock.step_consumed")[7]
        assert onion["yield_loss"] == "42.857142857"
        ledger = {(key.item, key.lot): q.value for key, q in k.store.ledger().items()}
        assert ledger["chicken-marinated", "M1"] == 0
        assert ledger["chicken-marinated", "M2"] == D(850)
        assert ledger["onion", "O1"] == D("785.714285714")
        assert sorted(k.pipeline.state.tickets) == ["t-o1-pass"]
        assert k.pipeline.state.tickets["t-o1-pass"].pending == ("2.plate",)


async def test_a_restart_mid_service_loses_no_ticket_and_repeats_no_deduction(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.db"
    async with kitchen(path) as k:
        stock_up(k.store)
        await k.pipeline.order(O1, NOW)
        await k.pipeline.tap("wok", done("t-o1-wok", "1.wok"), NOW)
        before = k.used()
    async with kitchen(path) as k:
        # the bus redelivers what it had not acknowledged when the agent stopped
        await k.pipeline.order(O1, NOW)
        await k.pipeline.tap("wok", done("t-o1-wok", "1.wok"), NOW)
        assert k.used() == before
        assert [t.ticket_id for _, t in k.tickets] == ["t-o1-wok", "t-o1-pass"]
        assert [t.steps for _, t in k.tickets] == [("2.wok",), ("1.plate", "2.plate")]
        await k.pipeline.tap("wok", done("t-o1-wok", "2.wok"), NOW)
        await k.pipeline.tap("wok", done("t-o1-wok", "2.wok"), NOW)  # the ticket is closed now
        assert len(k.used()) == len(before) + 4  # chicken from M1 and M2, chili, onion
        assert "t-o1-wok" in k.pipeline.state.closed


async def test_an_order_accepted_before_a_crash_is_still_open_after_it(tmp_path: Path) -> None:
    """An order makes no event until a step is done: its ticket is stored on its own."""
    path = tmp_path / "a.db"
    async with kitchen(path) as k:
        await k.pipeline.order(order("o2", ("kung-pao", 1, ())), NOW)
    async with kitchen(path) as k:
        assert sorted(k.pipeline.state.tickets) == ["t-o2-pass", "t-o2-wok"]
        assert k.store.stats().last_seq == 0


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (order("o3", ("mapo-tofu", 1, ())), "order o3 line 1: unknown menu item 'mapo-tofu'"),
        (order("o4", ("kung-pao", 1, ("no-rice",))), "kung-pao does not take modifier 'no-rice'"),
    ],
)
async def test_an_order_the_menu_cannot_make_is_refused_with_why(
    tmp_path: Path, given: PosOrder, reason: str
) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        with pytest.raises(KitchenRefused, match=reason):
            await k.pipeline.order(given, NOW)
        assert k.pipeline.state.tickets == {}
        assert k.tickets == []


async def test_half_portions_are_refused(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        half = PosOrder(
            order_id="o5", placed_at=NOW, lines=(OrderLine(item="kung-pao", qty=Decimal("0.5")),)
        )
        with pytest.raises(KitchenRefused, match=r"line 1: qty 0\.5 is not whole portions"):
            await k.pipeline.order(half, NOW)


async def test_taps_for_unknown_tickets_steps_or_stations_are_refused(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        await k.pipeline.order(O1, NOW)
        with pytest.raises(KitchenRefused, match="unknown ticket t-nope at station wok"):
            await k.pipeline.tap("wok", done("t-nope", "1.wok"), NOW)
        with pytest.raises(KitchenRefused, match=r"unknown step 3.wok on ticket t-o1-wok"):
            await k.pipeline.tap("wok", done("t-o1-wok", "3.wok"), NOW)
        with pytest.raises(KitchenRefused, match="ticket t-o1-wok is for station wok, tapped"):
            await k.pipeline.tap("pass", done("t-o1-wok", "1.wok"), NOW)
        assert k.used() == []


def pda(
    action: str, item: str, lot: str, kg: str, *, at: datetime = NOW, **more: str
) -> Observation:
    values: dict[str, str | Decimal | bool] = {
        "action": action,
        "item": item,
        "lot": lot,
        "location": more.get("location", "walk-in"),
        "operator": "li",
        "expires": more.get("expires", ""),
        "weight": Decimal(kg),
        "tare": Decimal(more.get("tare", "0")),
    }
    return Observation("pda-1", at, values, {"weight": "kg", "tare": "kg"})


async def test_pda_receipt_thaw_clocks_and_count(tmp_path: Path) -> None:
    frozen = "chicken-thigh-frozen"
    async with kitchen(tmp_path / "a.db") as k:
        expiry = "2027-05-01"
        await k.sink.observe(pda("receive", frozen, "F1", "5.2", tare="0.2", expires=expiry))
        await k.sink.observe(pda("receive", frozen, "F2", "5", expires=expiry))
        # F1 thaws in the walk-in: 10 h/kg × 5 kg = 50 h; F2 under running water: 5.5 h,
        # more than the 4 h raw poultry may spend there
        await k.sink.observe(pda("thaw:refrigerated", frozen, "F1", "5"))
        await k.sink.observe(pda("thaw:running_water", frozen, "F2", "5"))
        lots = {lot.lot: lot for lot in k.store.lots_on_hand(frozen, "walk-in")}
        assert lots["F1"].on_hand == D(5000)
        assert lots["F1"].expires_on == date(2027, 5, 1)
        await k.sink.tick(NOW + timedelta(hours=3))
        assert k.events("clock.expired") == []
        await k.sink.tick(NOW + timedelta(hours=4, minutes=1))
        assert [e["lot"] for e in k.events("clock.expired", "lot.blocked")] == ["F2", "F2"]
        assert "F2" not in k.pipeline.state.thawing
        await k.sink.tick(NOW + timedelta(hours=50))
        ready = k.events("clock.ready")
        assert [(e["lot"], e["clock"]) for e in ready] == [("F1", "thawing")]
        assert k.pipeline.state.thawing == {}
        await k.sink.observe(
            pda("count", frozen, "F2", "4.9", tare="0.4", at=NOW + timedelta(hours=51))
        )
        counted = k.events("stock.counted")
        assert [(e["lot"], e["qty"], e["unit"]) for e in counted] == [("F2", "4500.0", "g")]


async def test_a_thawing_lot_is_not_picked_until_it_is_ready(tmp_path: Path) -> None:
    """The thaw step at the walk-in cannot take a lot still thawing: FEFO skips it."""
    async with kitchen(tmp_path / "a.db") as k:
        frozen = "chicken-thigh-frozen"
        await k.sink.observe(pda("receive", frozen, "F1", "1", expires="2027-05-01"))
        await k.sink.observe(pda("thaw:refrigerated", frozen, "F1", "1"))
        (thaw,) = explode_recipe(MASTER, "thaw-chicken", 1)
        (lot,) = k.pipeline.stock_for(thaw).at(frozen, "walk-in")
        assert lot.ready_at == NOW + timedelta(hours=10)


async def test_bad_pda_messages_are_refused_with_the_field(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        await k.sink.observe(pda("thaw:microwave", "chicken-thigh-frozen", "F1", "1"))
        await k.sink.observe(pda("receive", "tofu", "T1", "1"))
        await k.sink.observe(pda("count", "onion", "O1", "0.1", tare="0.3"))
        kept = k.store.quarantined()
    reasons = [row.reason for row in kept]
    assert "pda-1: action: no thawing method 'microwave'" in reasons[0]
    assert reasons[1].startswith("pda-1: ")
    assert "tofu" in reasons[1]
    assert "is less than the tare" in reasons[2]
    assert issubclass(PdaUnusable, ValueError)


def many_cases(store: EdgeStore, held: int, cases: int) -> None:
    """``cases`` cases of chicken at the wok, received newest expiry first (so receipt order
    is not FEFO order), the first ``held`` of them in FEFO order held; the rest of the dish
    in one lot each."""
    drafts = [
        EventDraft(
            "lot.received",
            NOW - timedelta(hours=3),
            LotReceived(
                item="chicken-marinated",
                lot=f"C{n:02d}",
                location="wok",
                qty=Decimal(100),
                unit=Unit.G,
                expires_on=TODAY + timedelta(days=1 + n),
            ),
        )
        for n in reversed(range(cases))
    ]
    drafts += [
        EventDraft("lot.received", NOW - timedelta(hours=3),
                   LotReceived(item=i, lot=f"{i}-1", location=loc, qty=Decimal(5000), unit=Unit.G))
        for i, loc in (("peanuts", "wok"), ("dried-chili", "wok"), ("onion", "wok"),
                       ("rice-cooked", "pass"))
    ]  # fmt: skip
    drafts += [
        EventDraft("lot.blocked", NOW - timedelta(hours=2),
                   LotBlocked(item="chicken-marinated", lot=f"C{n:02d}", location="wok",
                              reason="excursion #2", cause="exc:2"))
        for n in range(held)
    ]  # fmt: skip
    store.append(drafts)


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        (0, [("C00", "100"), ("C01", "80")]),  # the first two in FEFO order, of 30 cases
        (FIRST_LOTS, [(f"C{FIRST_LOTS:02d}", "100"), (f"C{FIRST_LOTS + 1:02d}", "80")]),
    ],
)
async def test_a_place_with_many_cases_is_deducted_as_if_every_case_were_read(
    tmp_path: Path, held: int, expected: list[tuple[str, str]]
) -> None:
    # the step first reads FIRST_LOTS cases; with all of them held it reads them all
    async with kitchen(tmp_path / "a.db") as k:
        many_cases(k.store, held, cases=30)
        await k.pipeline.order(order("o1", ("kung-pao", 1, ())), NOW)
        await k.pipeline.tap("wok", done("t-o1-wok", "1.wok"), NOW + timedelta(minutes=4))
        consumed = k.events("stock.step_consumed")
    chicken = [(e["lot"], e["qty"]) for e in consumed if e["item"] == "chicken-marinated"]
    assert chicken == expected
    skipped = consumed[0].get("skipped") or []
    assert [s["lot"] for s in skipped] == [f"C{n:02d}" for n in range(held)]  # type: ignore[index]
