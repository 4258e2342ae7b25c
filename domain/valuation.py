"""A site's stock books: every stock event valued by the site's costing method.

``SiteBooks`` follows a site's events in order, as the ledger does, and keeps one
``domain.costing.Valuation`` per item: what leaves (a consumption, a sale, a shipment, a
loss) is costed by the method, and what comes in is valued at

- what left in the same event (a move between locations changes no value),
- the receipt's own ``unit_cost`` when it carries one (a purchase order's price),
- for a lot made here (``stock.produced``), what its inputs cost at that moment,
- else the item's last cost, else its cost price in force (``cost_of``), else nothing:
  the item is listed in ``unvalued`` and that stock counts at zero until a cost is known.

Counts set a balance: the difference from the book is valued like any other movement.
Quantities are in base units (g, ml, each), costs per base unit. One currency per site is
assumed (the one its prices are in); nothing here converts between currencies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from domain.costing import Method, Valuation, issue, receive, unit_cost
from domain.events import Event
from domain.ledger import PostingKind, StockKey, postings
from domain.payloads import LotReceived, StockProduced
from domain.quantity import Quantity

ZERO = Decimal(0)
CostOf = Callable[[str], Decimal | None]
"""An item's cost price in force, per base unit, or None."""


@dataclass
class SiteBooks:
    method: Method
    cost_of: CostOf
    items: dict[str, Valuation] = field(default_factory=dict)
    balances: dict[StockKey, Quantity] = field(default_factory=dict)
    taken: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    """The cost of what each event took out of stock, by (agent, seq)."""
    unvalued: set[str] = field(default_factory=set)

    def apply(self, event: Event) -> None:
        """Value one event (events must come in the ledger's order)."""
        changes = self._changes(event)
        left: dict[str, Decimal] = {}
        cost = ZERO
        for key, qty in changes:
            if qty < 0:
                taken = self._issue(key, -qty)
                cost += taken
                left[key.item] = taken / -qty
        for key, qty in changes:
            if qty > 0:
                each = left.get(key.item)
                if each is None:
                    each = self._incoming_cost(event, key, qty)
                self.items[key.item] = receive(self._stock(key.item), qty, each, key.lot)
        if cost:
            self.taken[(event.agent, event.seq)] = cost

    def value(self, item: str) -> Decimal:
        stock = self.items.get(item)
        return stock.value if stock is not None else ZERO

    def _changes(self, event: Event) -> list[tuple[StockKey, Decimal]]:
        """Each balance's change by ``event``, in base units, with the balances updated."""
        changes = []
        for posting in postings(event):
            current = self.balances.get(posting.key)
            amount = posting.qty.to_base() if current is None else posting.qty.to(
                current.unit, posting.density_g_per_ml
            )  # fmt: skip
            before = current.value if current is not None else ZERO
            after = amount.value if posting.kind is PostingKind.SET else before + amount.value
            self.balances[posting.key] = Quantity(after, amount.unit)
            if after != before:
                changes.append((posting.key, after - before))
        return changes

    def _stock(self, item: str) -> Valuation:
        stock = self.items.get(item)
        if stock is None:
            standard = self.cost_of(item) if self.method == "standard" else None
            stock = Valuation(self.method, standard_cost=standard)
        return stock

    def _issue(self, key: StockKey, qty: Decimal) -> Decimal:
        stock = self._stock(key.item)
        if stock.last_unit_cost is None and stock.qty < qty:
            known = self.cost_of(key.item)
            if known is None:
                self.unvalued.add(key.item)
            stock = Valuation(
                stock.method, stock.layers, stock.deficit, known or ZERO, stock.standard_cost
            )
        taken = issue(stock, qty, key.lot)
        self.items[key.item] = taken.after
        return taken.cost

    def _incoming_cost(self, event: Event, key: StockKey, qty: Decimal) -> Decimal:
        payload = event.payload()
        if isinstance(payload, LotReceived) and payload.unit_cost is not None:
            return payload.unit_cost / payload.unit.factor
        if isinstance(payload, StockProduced) and payload.inputs:
            return self._inputs_cost(payload) / qty
        known = self._stock(key.item).last_unit_cost or self.cost_of(key.item)
        if known is None:
            self.unvalued.add(key.item)
        return known or ZERO

    def _inputs_cost(self, made: StockProduced) -> Decimal:
        total = ZERO
        for each in made.inputs:
            per_unit = unit_cost(self._stock(each.item), each.lot) or self.cost_of(each.item)
            if per_unit is None:
                self.unvalued.add(each.item)
                continue
            total += Quantity(each.qty, each.unit).to_base().value * per_unit
        return total


def site_books(events: Iterable[Event], method: Method, cost_of: CostOf) -> SiteBooks:
    """The books of a site after ``events`` (in the ledger's order)."""
    books = SiteBooks(method, cost_of)
    for event in events:
        books.apply(event)
    return books
