"""Builders of the movement events (issue 10 build 3) for domain tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.events import EventDraft
from domain.payloads import (
    StockIssued,
    StockMoved,
    StockReturned,
    TransferReceived,
    TransferShipped,
)
from tests.domain.factories import AT

LINE = {"item": "chicken", "lot": "L1", "unit": "g"}


def moved(qty: str, loc: str = "walk-in", to: str = "wok", **more: Any) -> EventDraft:
    payload = StockMoved(**LINE, location=loc, to_location=to, qty=qty, **more)
    return EventDraft("stock.moved", AT, payload)


def shipped(qty: str, transfer: str = "T1", *, to_site: str = "resto-1", unit: str = "g",
            at: datetime = AT, **more: Any) -> EventDraft:  # fmt: skip
    payload = TransferShipped(**{**LINE, "unit": unit}, location="walk-in", transfer=transfer,
                              qty=qty, to_site=to_site, **more)  # fmt: skip
    return EventDraft("transfer.shipped", at, payload)


def received_transfer(qty: str, transfer: str = "T1", *, damaged: str = "0",
                      from_site: str = "central", unit: str = "g") -> EventDraft:  # fmt: skip
    payload = TransferReceived(**{**LINE, "unit": unit}, location="dock", transfer=transfer,
                               qty=qty, damaged=damaged, from_site=from_site)  # fmt: skip
    return EventDraft("transfer.received", AT, payload)


def issued(qty: str, kind: str = "sale", loc: str = "walk-in") -> EventDraft:
    payload = StockIssued(**LINE, location=loc, qty=qty, order="O-7", kind=kind)
    return EventDraft("stock.issued", AT, payload)


def returned(qty: str, reason: str = "quality", loc: str = "returns") -> EventDraft:
    payload = StockReturned(**LINE, location=loc, qty=qty, order="O-7", reason=reason)
    return EventDraft("stock.returned", AT, payload)
