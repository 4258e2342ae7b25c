"""A site in memory for rule tests: lots, holds and locations as plain values."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import yaml

from domain.coldchain.reactions import LotStock
from domain.ledger import StockKey
from domain.quantity import Quantity, Unit
from domain.rules.facts import LocationFacts
from domain.rules.model import Rule, RuleBook
from edge_agent.config.rules import RULES_DIR


@dataclass
class Site:
    """``domain.rules.SiteFacts`` over lists: what the store would answer."""

    lots: list[LotStock] = field(default_factory=list)
    holds: set[StockKey] = field(default_factory=set)
    places: dict[str, LocationFacts] = field(default_factory=dict)
    used: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    """(item, lot) -> the locations where it was consumed or made into something."""

    def stock_at(self, location: str) -> Sequence[LotStock]:
        return [lot for lot in self.lots if lot.key.location == location and lot.qty.value > 0]

    def stock(self) -> Sequence[LotStock]:
        return [lot for lot in self.lots if lot.qty.value > 0]

    def held(self) -> Collection[StockKey]:
        return self.holds

    def location(self, location: str) -> LocationFacts:
        return self.places.get(location, LocationFacts())

    def locations_using(self, item: str, lot: str) -> Collection[str]:
        return self.used.get((item, lot), set())


def lot(
    item: str, name: str, qty: str, expires: date | None, *, unit: Unit = Unit.G, at: str = "room"
) -> LotStock:
    return LotStock(StockKey(item, name, at), Quantity(Decimal(qty), unit), expires)


def rules(text: str) -> list[Rule]:
    return RuleBook.model_validate(yaml.safe_load(text)).rules


def shipped(name: str) -> list[Rule]:
    """The rules of ``firmware_configs/rules/<name>.yaml``."""
    data: Any = yaml.safe_load((RULES_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return RuleBook.model_validate(data).rules
