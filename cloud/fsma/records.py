"""Key data elements (KDEs) of each critical tracking event (CTE) we record, for FSMA 204.

Pure: stored events in, one ``TrackingRecord`` per row of the FDA's sortable spreadsheet out.
Our events and the CTE each is:

- receiving: ``lot.received`` (a supplier's lot, or an EPCIS capture), ``transfer.received``;
- transformation: ``stock.produced`` (one row per input: the food used, and the new lot);
- shipping: ``transfer.shipped``, ``stock.issued``.

The traceability lot code (TLC) is our lot code. Its source is the location that assigned
it: the site that made the lot, or the site that first received it from a supplier (a
supplier lot without a TLC of its own gets ours where it is received). Locations are named
by their GLN when master data has one, else by the site and location names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

CTE_TYPES = (
    "lot.received",
    "transfer.received",
    "stock.produced",
    "transfer.shipped",
    "stock.issued",
)
"""The event types that are critical tracking events."""

LotKey = tuple[str, str]
"""(item, lot)."""


@dataclass(frozen=True, slots=True)
class StoredCte:
    """One stored event of a ``CTE_TYPES`` type, as the query reads it."""

    agent: str
    seq: int
    site: str
    type: str
    at: datetime
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Places:
    """Names from master data: items' descriptions and GLNs of sites and locations."""

    items: Mapping[str, str] = field(default_factory=dict)
    site_glns: Mapping[str, str] = field(default_factory=dict)
    location_glns: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def product(self, item: str) -> str:
        """An item's description: its master-data name, else its id."""
        return self.items.get(item, item)

    def site(self, site: str) -> str:
        """A site as the spreadsheet names it: ``GLN 0614141000005 (site)`` or the site."""
        gln = self.site_glns.get(site)
        return f"GLN {gln} ({site})" if gln else site

    def location(self, site: str, location: str) -> str:
        """A location at a site: its own GLN, else the site's GLN or name with the location."""
        gln = self.location_glns.get((site, location))
        if gln:
            return f"GLN {gln} ({site} / {location})"
        return f"{self.site(site)} / {location}"


@dataclass(frozen=True, slots=True)
class TrackingRecord:
    """One row of the sortable spreadsheet: a CTE's key data elements."""

    cte: str
    tlc: str
    tlc_source: str
    product: str
    quantity: Decimal
    unit: str
    at: datetime
    location: str
    previous_source: str = ""
    subsequent_recipient: str = ""
    used_tlc: str = ""
    used_product: str = ""
    used_quantity: Decimal | None = None
    used_unit: str = ""
    reference_type: str = ""
    reference_number: str = ""
    record: str = ""


def tlc_sources(origins: Iterable[tuple[str, str, str, datetime]]) -> dict[LotKey, str]:
    """The site that assigned each lot's code: where it was first made or received from a
    supplier. ``origins``: (item, lot, site, at) of every such event known."""
    first: dict[LotKey, tuple[datetime, str]] = {}
    for item, lot, site, at in origins:
        known = first.get((item, lot))
        if known is None or (at, site) < known:
            first[(item, lot)] = (at, site)
    return {key: site for key, (_, site) in first.items()}


def tracking_records(
    events: Iterable[StoredCte], sources: Mapping[LotKey, str], places: Places
) -> Iterator[TrackingRecord]:
    """The spreadsheet rows of ``events``, in the order given."""
    for event in events:
        yield from _records_of(event, sources, places)


def _records_of(
    event: StoredCte, sources: Mapping[LotKey, str], places: Places
) -> Iterator[TrackingRecord]:
    data, kind = event.data, event.type
    item, lot = str(data["item"]), str(data["lot"])
    base = TrackingRecord(
        "Receiving" if kind.endswith(".received") else "Shipping", lot,
        places.site(sources.get((item, lot), event.site)), places.product(item),
        Decimal(str(data["qty"])), str(data["unit"]), event.at,
        places.location(event.site, str(data["location"])), record=f"{event.agent}/{event.seq}",
    )  # fmt: skip
    if kind == "lot.received":
        yield replace(base, previous_source=str(data.get("supplier") or ""),
                      reference_type="Receiving record", reference_number=base.record)  # fmt: skip
    elif kind == "transfer.received":
        sender = places.site(str(data["from_site"]))
        yield replace(base, previous_source=sender, reference_type="Transfer order",
                      reference_number=str(data["transfer"]))  # fmt: skip
    elif kind == "transfer.shipped":
        to = places.site(str(data["to_site"]))
        if data.get("to_org"):
            to = f"{to} ({data['to_org']})"
        yield replace(base, subsequent_recipient=to, reference_type="Transfer order",
                      reference_number=str(data["transfer"]))  # fmt: skip
    elif kind == "stock.issued":
        recipient = str(data.get("customer") or f"{data['kind']} at {event.site}")
        yield replace(base, subsequent_recipient=recipient, reference_type="Order",
                      reference_number=str(data["order"]))  # fmt: skip
    elif kind == "stock.produced":
        yield from _transformation(event, replace(base, cte="Transformation"), places)


def _transformation(
    event: StoredCte, base: TrackingRecord, places: Places
) -> Iterator[TrackingRecord]:
    """A production: one row per food used, each naming the new lot too. Its code's source
    is where it was made, whatever an older origin says (a lot code made twice is ours)."""
    data = event.data
    order = data.get("order")
    kind, number = ("Work order", str(order)) if order else (
        "Production record", f"{data['recipe']}/{data['step']}")  # fmt: skip
    base = replace(base, tlc_source=places.site(event.site), reference_type=kind,
                   reference_number=number)  # fmt: skip
    for used in data.get("inputs") or ():
        product = places.product(str(used["item"]))
        used_qty = Decimal(str(used["qty"]))
        yield replace(base, used_tlc=str(used["lot"]), used_product=product,
                      used_quantity=used_qty, used_unit=str(used["unit"]))  # fmt: skip
