"""What a scan may show about a lot: the public fields, gathered from the organisation's data.

``PublicLot`` is the whole list of fields marked public. The page and the JSON answers are
built from it alone, so nothing else (a cost, a supplier, who received or moved the lot)
can reach a consumer by a template's mistake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from cloud.coldchain import queries as coldchain
from cloud.digital_link import lookup
from cloud.digital_link.journey import Stay, StayColdChain, stay_cold_chain, stays
from cloud.digital_link.lookup import Claim, Conn, DocumentRow, Places

RecallStatus = Literal["recalled", "closed", "held", "none"]
ORIGIN_TYPES = {"stock.produced": "produced", "lot.received": "received"}


@dataclass(frozen=True, slots=True)
class RoomRecord:
    """A stay in a temperature-recorded room, with the names people read."""

    site: str
    location: str
    figures: StayColdChain


@dataclass(frozen=True, slots=True)
class PublicLot:
    """Every field of a lot a consumer may see."""

    gtin: str
    lot: str
    serial: str | None
    product_name: str
    origin_site: str | None
    origin_location: str | None
    origin_kind: str | None
    origin_at: datetime | None
    expires_on: date | None
    documents: tuple[DocumentRow, ...]
    cold_chain: tuple[RoomRecord, ...]
    recall: RecallStatus
    recall_closed_on: date | None = None


def recall_status(
    reasons: list[str], recalls: Sequence[tuple[int, datetime | None]] = ()
) -> RecallStatus:
    """``recalled`` while a recall of the lot is open or a hold's reason says recall;
    ``closed`` when its recalls are all closed and no other hold is left; ``held`` for
    any other hold. A hold of a closed recall (``recall <id>: …``) no longer counts."""
    if any(closed is None for _, closed in recalls):
        return "recalled"
    ended = tuple(f"recall {number}:" for number, _ in recalls)
    live = [reason for reason in reasons if not reason.startswith(ended)]
    if any("recall" in reason.lower() or "召回" in reason for reason in live):
        return "recalled"
    if live:
        return "held"
    return "closed" if recalls else "none"


def closed_on(recalls: Sequence[tuple[int, datetime | None]]) -> date | None:
    """The day the last of the lot's recalls closed (None while any is open, or none)."""
    days = [closed for _, closed in recalls]
    if not days or any(day is None for day in days):
        return None
    return max(day for day in days if day is not None).astimezone(UTC).date()


async def public_lot(
    conn: Conn, claim: Claim, places: Places, gtin: str, lot: str, serial: str | None,
    now: datetime | None = None,
) -> PublicLot | None:  # fmt: skip
    """The lot's public fields, or None when no site of the organisation knows the lot."""
    now = now or datetime.now(UTC)
    sites = sorted(places.site_names)
    facts = await lookup.lot_facts(conn, sites, claim, lot)
    rows, events = facts.rows, facts.events
    if not rows:
        return None
    origin = next((e for e in events if e.type in ORIGIN_TYPES), events[0] if events else None)
    records = []
    for stay in stays(events, facts.on_hand):
        figures = await _room_figures(conn, stay, now)
        if figures is not None:
            name = places.location(stay.site, stay.location) or stay.location
            records.append(RoomRecord(places.site(stay.site), name, figures))
    expiry = min((row.expires_on for row in rows if row.expires_on), default=None)
    status = recall_status(facts.hold_reasons, facts.recalls)
    return PublicLot(
        gtin=gtin, lot=lot, serial=serial, product_name=claim.product_name,
        origin_site=places.site(origin.site) if origin else places.site(rows[0].site),
        origin_location=places.location(origin.site, origin.location) if origin else None,
        origin_kind=ORIGIN_TYPES.get(origin.type, "transferred") if origin else None,
        origin_at=origin.at if origin else rows[0].received_at,
        expires_on=expiry,
        documents=tuple(facts.documents),
        cold_chain=tuple(records),
        recall=status,
        recall_closed_on=closed_on(facts.recalls) if status == "closed" else None,
    )  # fmt: skip


async def _room_figures(conn: Conn, stay: Stay, now: datetime) -> StayColdChain | None:
    signals = await coldchain.temperature_signals(conn, stay.site, stay.location)
    if not signals:
        return None  # not a temperature-recorded room: nothing to say about the cold chain
    end = stay.until(now)
    start_hour = stay.start.replace(minute=0, second=0, microsecond=0)
    hours = await coldchain.hourly(conn, stay.site, stay.location, signals[0], start_hour,
                                   end + timedelta(hours=1))  # fmt: skip
    spans = await coldchain.excursions(conn, stay.site, location=stay.location,
                                       start=stay.start, end=end)  # fmt: skip
    return stay_cold_chain(stay, hours.values(), [s.span() for s in spans], now)
