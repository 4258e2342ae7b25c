"""A lunch service on the screens' store, for the screenshots and the benchmark: lots
received through the PDA app's path (one near its expiry, one expired), a lot thawing, the
walk-in's temperatures, the morning's records with a failed check put right, orders on
the wok and the pass with a step done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.events import EventDraft
from domain.payloads import ReadingRecorded
from edge_agent.kitchen.messages import OrderLine, PosOrder, RecordCheck
from edge_agent.web.pda_form import ScanForm, observation
from tests.web_edge.screens import PDA_DEVICE, Screens

RECEIPTS = [  # item, lot, location, days to expiry, kg
    ("chicken-marinated", "M-1203", "wok", 0, "2.4"),
    ("chicken-marinated", "M-1204", "wok", 2, "3"),
    ("peanuts", "P-88", "wok", 120, "1"),
    ("dried-chili", "D-12", "wok", 200, "0.5"),
    ("onion", "O-51", "wok", 9, "4"),
    ("rice-cooked", "R-1204", "pass", 1, "6"),
    ("soy-sauce", "S-7", "prep", -1, "0.75"),
    ("chicken-thigh-frozen", "F-3301", "walk-in", 90, "10.2"),
]


async def lunch_service(s: Screens, orders: int = 3) -> None:
    """Fill ``s``'s store and kitchen as a kitchen's lunch would."""
    now = datetime.now(UTC)
    for item, lot, location, days, kg in RECEIPTS:
        expires = (now + timedelta(days=days)).date().isoformat()
        await scan(s, "receive", item, lot, location, expires=expires, weight=kg)
    await scan(s, "thaw:refrigerated", "chicken-thigh-frozen", "F-3301", "walk-in", weight="5.2")
    readings = [
        EventDraft(
            "reading.recorded",
            now - timedelta(minutes=15 * n),
            ReadingRecorded(
                device="walk-in-probe",
                metric="temperature",
                value=Decimal("3.1") + Decimal(n % 5) / 10,
                unit="°C",
                location="walk-in",
            ),
        )
        for n in range(12, 0, -1)
    ]
    s.store.append(readings)
    assert s.sources.records is not None
    morning = now.replace(hour=max(now.hour - 3, 0))
    for kind, who, area, result, action in [
        ("health_check", "cook-ana", None, "pass", None),
        ("cleaning", "cook-ben", "wok", "pass", None),
        ("sanitising", "cook-ben", "prep", "fail", "re-sanitised at 200 ppm"),
    ]:
        await s.sources.records.handle(
            RecordCheck(
                command="record",
                kind=kind,
                who=who,
                area=area,
                result=result,
                corrective_action=action,
                at=morning,
                source="pda-web",
            )
        )
    for n in range(1, orders + 1):
        lines = [OrderLine(item="kung-pao", qty=Decimal(1 + n % 2), modifiers=())]
        if n % 2:
            lines.append(OrderLine(item="kung-pao", qty=Decimal(1), modifiers=("no-peanuts",)))
        order = PosOrder(order_id=f"o-{n:03d}", placed_at=now, lines=tuple(lines), table=str(n))
        await s.kitchen.order(order, now)


async def scan(s: Screens, action: str, item: str, lot: str, location: str, **fields: str) -> None:
    """A PDA app scan through the sink, as the page sends it."""
    assert s.sources.pda is not None
    form = ScanForm(action, item, location, "clerk-wu", lot=lot, **fields)
    refusal = await s.sources.pda.submit(
        observation(form, PDA_DEVICE, datetime.now(UTC)), s.sink.observe
    )
    assert refusal is None, refusal
