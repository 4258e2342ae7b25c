"""Stations decide on the site's local day, not UTC's (issue 18, item 3): a Shanghai kitchen
plating at 07:00 and a New York one at 20:00, on the real sink, writer and store; a station
scale's lot keeps its receipt day as day 1 of the site's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.events import EventDraft
from domain.fefo import LotOnHand
from domain.observation import Observation
from domain.payloads import LotReceived
from domain.quantity import Unit
from edge_agent.kitchen.messages import KdsTap, OrderLine, PosOrder
from edge_agent.pipeline.scale import ScaleBinding, ScaleTracker
from edge_agent.store.decisions import FefoConsumption, decide
from tests.edge.kitchen_setup import kitchen_parts


def _rice(day: date, at: datetime) -> list[EventDraft]:
    """Two lots of cooked rice at the pass: R1 keeps through ``day``, R2 a day longer."""
    return [
        EventDraft(
            "lot.received",
            at - timedelta(hours=5),
            LotReceived(
                item="rice-cooked",
                lot=lot,
                location="pass",
                qty=Decimal(1000),
                unit=Unit.G,
                expires_on=expires,
            ),
        )
        for lot, expires in (("R1", day), ("R2", day + timedelta(days=1)))
    ]


@pytest.mark.parametrize(
    ("zone", "local_time", "used"),
    [
        # 07:00 on the 28th in Shanghai is 23:00 UTC on the 27th: R1 expired yesterday
        ("Asia/Shanghai", datetime(2026, 11, 28, 7, 0), "R2"),
        # 20:00 on the 27th in New York is 01:00 UTC on the 28th: R1's last day still
        ("America/New_York", datetime(2026, 11, 27, 20, 0), "R1"),
    ],
)
async def test_a_tap_judges_expiry_by_the_sites_day(
    tmp_path: Path, zone: str, local_time: datetime, used: str
) -> None:
    site = ZoneInfo(zone)
    now = local_time.replace(tzinfo=site)
    async with kitchen_parts(tmp_path / "a.db", zone=site) as (store, _, pipeline):
        store.append(_rice(date(2026, 11, 27), now))
        line = OrderLine(item="kung-pao", qty=Decimal(1), modifiers=())
        await pipeline.order(PosOrder(order_id="o1", placed_at=now, lines=(line,)), now)
        tap = KdsTap(ticket_id="t-o1-pass", step="1.plate", operator="ana", action="done", at=now)
        await pipeline.tap("pass", tap, (now + timedelta(minutes=1)).astimezone(UTC))  # as the bus
        consumed = [e.data for e in store.events() if e.type == "stock.step_consumed"]
        assert [c["lot"] for c in consumed] == [used]


def _weight(grams: str, at: datetime) -> Observation:
    return Observation("s1", at, {"weight": Decimal(grams), "stable": True}, {"weight": "g"})


def test_a_scale_lot_counts_its_receipt_day_as_day_one_of_the_sites_calendar() -> None:
    """2 days of shelf life put on the scale at 20:00 in New York on the 27th (01:00 UTC on
    the 28th): it keeps through the 28th there, the receipt day being day 1."""
    new_york = ZoneInfo("America/New_York")
    binding = ScaleBinding(device="s1", item="chicken", location="wok", shelf_life_days=2)
    tracker = ScaleTracker(binding, last_stable=Decimal(0), zone=new_york)
    at = datetime(2026, 11, 27, 20, 0, tzinfo=new_york)
    _, received = tracker.observe(_weight("800", at))
    assert isinstance(received.payload, LotReceived)
    assert received.payload.expires_on == date(2026, 11, 28)


def test_a_scale_consumption_skips_a_lot_expired_on_the_sites_day() -> None:
    """07:00 in Shanghai on the 28th: a lot that kept through the 27th is passed over."""
    shanghai = ZoneInfo("Asia/Shanghai")
    binding = ScaleBinding(device="s1", item="chicken", location="wok")
    tracker = ScaleTracker(binding, last_stable=Decimal(1000), zone=shanghai)
    lots = [
        LotOnHand("C1", Decimal(500), date(2026, 11, 27), 1),
        LotOnHand("C2", Decimal(500), date(2026, 11, 29), 2),
    ]
    at = datetime(2026, 11, 28, 7, 0, tzinfo=shanghai)
    _, used = tracker.observe(_weight("800", at))
    assert isinstance(used, FefoConsumption)  # its lots are picked where it is written
    (picked,) = decide(used, lambda item, location: lots)
    assert picked.payload.lot == "C2"
