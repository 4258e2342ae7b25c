"""The board's lots as a page shows them: expired lots folded by item (a kitchen with a month
of unused stock has hundreds, and a row each buried the board), near-expiry lots one by one
up to a limit, and every lot a page at a time on the board's "every lot" page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.foodsafety import LotAlert

NEAR_SHOWN = 30
"""Near-expiry lots the board lists one by one; beyond that it says how many more."""
LOTS_PER_PAGE = 100
"""Lots on one page of the board's "every lot" page."""


@dataclass(frozen=True, slots=True)
class ExpiredItem:
    """An item's expired lots, summed: how many, how much (by unit), the oldest date."""

    item: str
    lots: int
    on_hand: tuple[tuple[Decimal, str], ...]
    oldest: date


@dataclass(frozen=True, slots=True)
class BoardLots:
    """What the board shows of its lots."""

    expired: tuple[ExpiredItem, ...]
    near: tuple[LotAlert, ...]
    near_more: int
    """Near-expiry lots not listed (the "every lot" page has them)."""
    total: int


def board_lots(lots: Sequence[LotAlert]) -> BoardLots:
    """``lots`` (the board's) folded for the board page."""
    by_item: dict[str, list[LotAlert]] = {}
    near = []
    for lot in lots:
        if lot.status == "expired":
            by_item.setdefault(lot.item, []).append(lot)
        else:
            near.append(lot)
    expired = tuple(_summed(item, alerts) for item, alerts in sorted(by_item.items()))
    shown = tuple(near[:NEAR_SHOWN])
    return BoardLots(expired, shown, len(near) - len(shown), len(lots))


def _summed(item: str, alerts: list[LotAlert]) -> ExpiredItem:
    by_unit: dict[str, Decimal] = {}
    for alert in alerts:
        by_unit[alert.unit] = by_unit.get(alert.unit, Decimal(0)) + alert.on_hand
    on_hand = tuple((qty, unit) for unit, qty in sorted(by_unit.items()))
    return ExpiredItem(item, len(alerts), on_hand, min(a.expires_on for a in alerts))


@dataclass(frozen=True, slots=True)
class LotsPage:
    """One page of every lot on the board, expired first, then by date."""

    lots: tuple[LotAlert, ...]
    page: int
    pages: int
    total: int


def lots_page(lots: Sequence[LotAlert], page: int) -> LotsPage:
    """Page ``page`` (from 1; past the last is the last) of ``lots``."""
    ordered = sorted(lots, key=lambda a: (a.status != "expired", a.expires_on, a.item, a.lot))
    pages = max(1, -(-len(ordered) // LOTS_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * LOTS_PER_PAGE
    return LotsPage(tuple(ordered[start : start + LOTS_PER_PAGE]), page, pages, len(ordered))
