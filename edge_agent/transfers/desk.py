"""The site's transfer desk: the orders to ship and to receive, and shipping and receiving
them, for the site bus's commands and the PDA's page alike.

Shipping is a ``StockDecision``: the writer picks the lots in its transaction, on the stock
as it stands after every draft before it, so a scale's use queued at that moment is never
shipped too. Ship and receive calls are taken one at a time (a lock), each reading what
the store holds once the one before is durable: shipping an order twice ships nothing more,
and a second receipt of a transfer is refused with why.

A transfer closed in the cloud (a ``transfer.close`` document) leaves both lists: shipping
more of it is refused with who closed it, when and what was written off; a receipt of it
is still taken, as a late receipt, because the cloud takes one too (a receipt after the
close wins: the line is then received or short, no longer lost).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from domain.fefo import LotOnHand
from domain.payloads import TransferReceived
from domain.transfers import TransferOrder
from edge_agent.clock import Clock
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.store import EdgeStore
from edge_agent.store.decisions import Decided, Draft, LotsAt, StockDecision
from edge_agent.transfers.closed import ClosedTransfer, closed_transfer
from edge_agent.transfers.orders import (
    OrderToReceive,
    OrderToShip,
    read_closures,
    read_orders,
    to_receive,
    to_ship,
)
from edge_agent.transfers.receiving import ArrivedLot, ReceiptRefused, receipt_drafts
from edge_agent.transfers.shipping import Shipment, plan_shipment

Record = Callable[[Sequence[Draft], dict[str, bytes]], Awaitable[None]]
"""Where the desk's drafts go: the agent sink's ``record``."""


class TransferUnknown(ValueError):
    """No transfer document of that id was kept for this site."""


class TransferClosed(ValueError):
    """The transfer was closed in the cloud: nothing more of it is shipped."""


@dataclass(frozen=True, slots=True)
class ShipAnswer:
    """What one ``ship`` did: the lots shipped (as stored), what was short, and whether the
    order was already fully shipped (then nothing was written)."""

    transfer: str
    shipment: Shipment
    already_shipped: bool = False


class TransferDesk:
    """Ships and receives the site's transfers (see the module)."""

    def __init__(
        self, store: EdgeStore, inbox: DownlinkInbox, record: Record, clock: Clock, zone: ZoneInfo
    ) -> None:
        self._store, self._inbox, self._record = store, inbox, record
        self._clock, self._zone = clock, zone
        self._lock = asyncio.Lock()

    def close(self) -> None:
        """Close the desk's connection to the inbox."""
        self._inbox.close()

    @property
    def site(self) -> str:
        return self._store.site

    def to_ship(self) -> list[OrderToShip]:
        """Every order sent to this site to ship, with how much of each line has left and
        its close, if closed."""
        orders = read_orders(self._inbox, "transfer.ship", self.site)
        closures = read_closures(self._inbox, self.site)
        return to_ship(orders, self._store.in_transit().values(), self.site, closures)

    def to_receive(self) -> list[OrderToReceive]:
        """Every order this site expects, whether its receipt is recorded, and its close."""
        orders = read_orders(self._inbox, "transfer.expect", self.site)
        closures = read_closures(self._inbox, self.site)
        return to_receive(orders, self._store.in_transit().values(), self.site, closures)

    def closed(self, within: timedelta | None = None) -> list[ClosedTransfer]:
        """The site's closed transfers still to tell its people of, newest close first:
        those it was to receive and has no receipt of, and those it was to ship; with
        ``within``, only those closed that recently (by the desk's clock)."""
        since = None if within is None else self._clock.now() - within
        closes = [(o.order, o.closed) for o in self.to_receive() if not o.received]
        closes += [(o.order, o.closed) for o in self.to_ship()]
        shown = [closed_transfer(order, close, self.site, self._zone)
                 for order, close in closes
                 if close is not None and (since is None or close.closed_at >= since)]  # fmt: skip
        return sorted(shown, key=lambda c: c.close.closed_at, reverse=True)

    def late_receipt_of(self, transfer: str) -> ClosedTransfer | None:
        """The close of ``transfer`` when a receipt of it now would be late (it is closed and
        not received here), else None."""
        return next(
            (c for c in self.closed() if c.receiving and c.order.transfer == transfer), None
        )

    async def ship(self, transfer: str, operator: str) -> ShipAnswer:
        """Ship what is left of ``transfer``, first to expire first, never more than there is."""
        async with self._lock:
            found = [o for o in await asyncio.to_thread(self.to_ship)
                     if o.order.transfer == transfer]  # fmt: skip
            if not found:
                raise TransferUnknown(f"no transfer {transfer!r} to ship from {self.site}")
            todo = found[0]
            if todo.closed is not None:
                closed = closed_transfer(todo.order, todo.closed, self.site, self._zone)
                raise TransferClosed(f"{closed.describe()}: nothing more of it is shipped")
            if todo.done:
                return ShipAnswer(transfer, Shipment((), ()), already_shipped=True)
            places = await asyncio.to_thread(self._places, todo.order)
            at = self._clock.now()
            today = at.astimezone(self._zone).date()  # expiry is judged on the site's day
            made: list[Shipment] = []

            def decide(lots_at: LotsAt) -> Decided:
                def stock_of(item: str) -> list[tuple[str, LotOnHand]]:
                    return [
                        (loc, lot) for loc in places.get(item, []) for lot in lots_at(item, loc)
                    ]

                made.append(plan_shipment(todo.order, todo.lines, stock_of, at=at, today=today,
                                          operator=operator))  # fmt: skip
                return Decided(made[-1].drafts)

            shipment = StockDecision(decide, f"shipment of transfer {transfer}", transfer)
            await self._record([shipment], {})  # may take what is reserved for this transfer
            return ShipAnswer(transfer, made[-1])

    async def receive(
        self, transfer: str, arrived: Sequence[ArrivedLot], operator: str, note: str | None = None
    ) -> list[TransferReceived]:
        """Record what arrived of ``transfer``; the receipts recorded. Refused (``ValueError``,
        saying why) when the transfer is not expected here or was received already. A closed
        transfer's receipt is taken (a late receipt: the cloud takes it too)."""
        async with self._lock:
            expected = [o for o in await asyncio.to_thread(self.to_receive)
                        if o.order.transfer == transfer]  # fmt: skip
            if not expected:
                raise TransferUnknown(f"no transfer {transfer!r} is expected at {self.site}")
            if expected[0].received:
                raise ReceiptRefused(
                    f"transfer {transfer} was received here already: correct it with a count"
                )
            drafts = receipt_drafts(expected[0].order, arrived, at=self._clock.now(),
                                    operator=operator, note=note)  # fmt: skip
            await self._record(drafts, {})
            return [d.payload for d in drafts if isinstance(d.payload, TransferReceived)]

    def _places(self, order: TransferOrder) -> dict[str, list[str]]:
        """Where each item of ``order`` may be picked: its ``from_location``, or wherever the
        ledger has it (a location first stocked after this read is not looked at)."""
        items = {line.item for line in order.lines}
        if order.from_location is not None:
            return {item: [order.from_location] for item in items}
        places: dict[str, set[str]] = {item: set() for item in items}
        for key in self._store.ledger():
            if key.item in places:
                places[key.item].add(key.location)
        return {item: sorted(locations) for item, locations in places.items()}
