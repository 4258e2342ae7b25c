"""The kitchen's routes on the site bus: POS orders, voids and kitchen-display taps in (one at a
time, in order, in the ``kitchen`` lane), tickets out, and food-safety records in."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from edge_agent.clock import Clock
from edge_agent.kitchen.messages import (
    FoodSafetyMessage,
    KdsTap,
    KitchenTicket,
    PosOrder,
    PosVoid,
    orders_topic,
    records_topic,
    taps_filter,
    tickets_topic,
    voids_topic,
)
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.kitchen.records import FoodSafetyRecords
from edge_agent.site_bus import Route, SiteBus, wildcards

LANE = "kitchen"
log = logging.getLogger(__name__)

PublishTicket = Callable[[str, KitchenTicket], Awaitable[None]]
"""Show ``ticket`` to ``station``: the site bus, the agent's own screens."""


class TicketFanOut:
    """The kitchen's one publisher, handing each station's tickets to every display: the
    site bus (foreign screens) and the agent's own pages. One that fails is logged and the
    others still get the ticket (the open tickets are stored, so a display can catch up)."""

    def __init__(self) -> None:
        self._displays: list[PublishTicket] = []

    def add(self, publish: PublishTicket) -> None:
        """Send tickets to ``publish`` too."""
        self._displays.append(publish)

    async def __call__(self, station: str, ticket: KitchenTicket) -> None:
        for publish in self._displays:
            try:
                await publish(station, ticket)
            except Exception:
                log.exception("ticket %s for %s not shown on a display", ticket.ticket_id, station)


def route_kitchen(
    bus: SiteBus, kitchen: KitchenPipeline, clock: Clock, displays: TicketFanOut | None = None
) -> None:
    """Orders and taps from the bus to ``kitchen``; its tickets back out to the stations
    (through ``displays`` when the agent's own screens show them too)."""
    site = bus.site

    async def order(message: PosOrder, _topic: str) -> None:
        await kitchen.order(message, clock.now())

    async def void(message: PosVoid, _topic: str) -> None:
        await kitchen.void(message, clock.now())

    async def tap(message: KdsTap, topic: str) -> None:
        (station,) = wildcards(taps_filter(site), topic) or ("",)
        await kitchen.tap(station, message, clock.now())

    async def publish(station: str, ticket: KitchenTicket) -> None:
        await bus.publish(tickets_topic(site, station), ticket)

    bus.route(
        Route(orders_topic(site), PosOrder, order, "orders", LANE, lambda o: f"order {o.order_id}")
    )
    bus.route(
        Route(voids_topic(site), PosVoid, void, "voids", LANE, lambda v: f"void of {v.order_id}")
    )
    bus.route(
        Route(taps_filter(site), KdsTap, tap, "taps", LANE, lambda t: f"tap on {t.ticket_id}")
    )
    if displays is None:
        kitchen.publish_to(publish)
    else:
        displays.add(publish)


def route_records(bus: SiteBus, records: FoodSafetyRecords) -> None:
    """Food-safety checks, corrections and sign-offs from the bus to ``records``; a refused
    one (no such record, not a manager) is quarantined with why."""

    async def handle(message: FoodSafetyMessage, _topic: str) -> None:
        await records.handle(message.root)

    bus.route(Route(records_topic(bus.site), FoodSafetyMessage, handle, "records", label=_command))


def _command(message: FoodSafetyMessage) -> str:
    return message.root.command
