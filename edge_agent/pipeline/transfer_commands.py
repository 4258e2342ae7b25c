"""People ship and receive transfers from a panel on the site bus: ``ship`` on
``edgestock/<site>/transfers/ship``, ``receive`` on ``edgestock/<site>/transfers/receive``;
the agent answers each on ``edgestock/<site>/transfers/answers`` (what was shipped and what
was short, what was received, or why it was refused). A refused command is answered and
also kept in quarantine with the reason, as every refused message of the bus is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from domain.payloads import Note, TransferReceived, TransferShipped
from domain.quantity import Unit
from domain.values import Amount, Name
from edge_agent.site_bus import Route, SiteBus, SiteMessage, site_topic
from edge_agent.transfers.desk import ShipAnswer, TransferDesk
from edge_agent.transfers.receiving import ArrivedLot


def ship_topic(site: str) -> str:
    return site_topic(site, "transfers", "ship")


def receive_topic(site: str) -> str:
    return site_topic(site, "transfers", "receive")


def answers_topic(site: str) -> str:
    return site_topic(site, "transfers", "answers")


class ShipTransfer(SiteMessage):
    """Ship what is left of ``transfer`` (``request``: the sender's id, echoed in the answer)."""

    transfer: Name
    operator: Name
    request: Name | None = None


class ArrivedLine(SiteMessage):
    item: Name
    lot: Name
    accepted: Annotated[Amount, Field(ge=0)]
    damaged: Annotated[Amount, Field(ge=0)] = Decimal(0)
    unit: Unit | None = None
    """None: the order line's unit."""
    expires_on: date | None = None


class ReceiveTransfer(SiteMessage):
    """What arrived of ``transfer``, lot by lot."""

    transfer: Name
    operator: Name
    lines: Annotated[list[ArrivedLine], Field(min_length=1, max_length=200)]
    note: Note | None = None
    request: Name | None = None


class ShippedLot(SiteMessage):
    item: str
    lot: str
    location: str
    qty: Decimal
    unit: str
    expires_on: date | None = None
    """The lot's expiry, as its label says (for the receiver to record)."""


class ShortLine(SiteMessage):
    item: str
    lot: str | None
    qty: Decimal
    unit: str
    passed_over: list[str]


class TransferAnswer(SiteMessage):
    """The agent's answer to one command, on ``edgestock/<site>/transfers/answers``."""

    command: Literal["ship", "receive"]
    transfer: str
    request: str | None
    ok: bool
    refused: str | None = None
    shipped: tuple[ShippedLot, ...] = ()
    short: tuple[ShortLine, ...] = ()
    already_shipped: bool = False
    received: tuple[ShippedLot, ...] = ()


def lot_of(line: TransferShipped | TransferReceived) -> ShippedLot:
    """A lot shipped or received, as an answer names it."""
    return ShippedLot(item=line.item, lot=line.lot, location=line.location, qty=line.qty,
                      unit=line.unit.value, expires_on=line.expires_on)  # fmt: skip


def ship_answer(request: str | None, answer: ShipAnswer) -> TransferAnswer:
    """The bus's form of a ``ShipAnswer``."""
    shipped = [
        lot_of(p) for d in answer.shipment.drafts if isinstance(p := d.payload, TransferShipped)
    ]
    short = [
        ShortLine(item=s.item, lot=s.lot, qty=s.qty, unit=s.unit.value,
                  passed_over=list(s.passed_over))
        for s in answer.shipment.short
    ]  # fmt: skip
    return TransferAnswer(command="ship", transfer=answer.transfer, request=request, ok=True,
                          shipped=tuple(shipped), short=tuple(short),
                          already_shipped=answer.already_shipped)  # fmt: skip


def route_transfers(bus: SiteBus, desk: TransferDesk) -> None:
    """Ship and receive commands from the bus to ``desk``, each answered on the bus."""
    answers = answers_topic(bus.site)

    async def ship(message: ShipTransfer, _topic: str) -> None:
        try:
            done = await desk.ship(message.transfer, message.operator)
        except ValueError as exc:
            await _refused(bus, answers, "ship", message.transfer, message.request, exc)
            raise
        await bus.publish(answers, ship_answer(message.request, done))

    async def receive(message: ReceiveTransfer, _topic: str) -> None:
        arrived = [ArrivedLot(a.item, a.lot, a.accepted, a.damaged, a.unit, a.expires_on)
                   for a in message.lines]  # fmt: skip
        try:
            receipts = await desk.receive(message.transfer, arrived, message.operator,
                                          message.note)  # fmt: skip
        except ValueError as exc:
            await _refused(bus, answers, "receive", message.transfer, message.request, exc)
            raise
        received = [lot_of(r) for r in receipts]
        await bus.publish(answers, TransferAnswer(command="receive", transfer=message.transfer,
                                                  request=message.request, ok=True,
                                                  received=tuple(received)))  # fmt: skip

    bus.route(Route(ship_topic(bus.site), ShipTransfer, ship, "transfer ships",
                    lane="transfers", label=lambda m: f"ship {m.transfer}"))  # fmt: skip
    bus.route(Route(receive_topic(bus.site), ReceiveTransfer, receive, "transfer receipts",
                    lane="transfers", label=lambda m: f"receive {m.transfer}"))  # fmt: skip


async def _refused(
    bus: SiteBus, topic: str, command: Literal["ship", "receive"], transfer: str,
    request: str | None, exc: ValueError,
) -> None:  # fmt: skip
    answer = TransferAnswer(command=command, transfer=transfer, request=request, ok=False,
                            refused=str(exc))  # fmt: skip
    await bus.publish(topic, answer)
