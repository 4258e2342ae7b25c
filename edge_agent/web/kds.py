"""The kitchen display of one station: its open tickets, each step with its quantities; a
tap marks a step done through ``KitchenPipeline.tap``, the very call a tap on the site bus
makes, so it is the deduction and the pipeline's repeat rules apply (a second ``done`` of a
step deducts nothing). Bump finishes a ticket (its steps still to do are done, so deducted),
recall brings the last finished one back to look at. New tickets wake the screen through
Server-Sent Events; the screen also polls, so a tap made elsewhere shows within seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import ValidationError

from edge_agent.kitchen.messages import KdsTap, TapAction
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.web.kds_view import TicketShown, show, stations
from edge_agent.web.rendering import Pages
from edge_agent.web.screen_hub import CLOSING

KEEPALIVE_S = 15.0
"""A comment this often keeps proxies and the browser from closing an idle stream."""

Text = Annotated[str, Form()]


class Unknown(LookupError):
    """A station or ticket this kitchen does not have."""


def router(pages: Pages) -> APIRouter:
    """The station screens' routes."""
    sources = pages.sources
    hub = sources.hub
    routes = APIRouter(prefix="/kds")

    def kitchen(station: str) -> KitchenPipeline:
        if sources.kitchen is None or sources.master is None:
            raise Unknown("no_kitchen")
        if station not in {s for s, _ in stations(sources.master)}:
            raise Unknown("unknown_station")
        return sources.kitchen

    def tickets(station: str) -> list[TicketShown]:
        assert sources.master is not None
        assert sources.kitchen is not None
        open_here = [t for t in sources.kitchen.state.tickets.values() if t.station == station]
        shown = [show(sources.master, t) for t in sorted(open_here, key=lambda t: t.created_at)]
        return [*hub.recalled(station), *shown]

    def fragment(request: Request, station: str, refusal: str | None = None) -> HTMLResponse:
        status = 409 if refusal else 200
        return pages.render(
            request,
            "kds_tickets.html",
            status,
            station=station,
            tickets=tickets(station),
            refusal=refusal,
        )

    def missing(request: Request, why: Unknown) -> HTMLResponse:
        return pages.render(request, "missing.html", 404, why=str(why))

    @routes.get("/{station}", response_class=HTMLResponse)
    async def screen(request: Request, station: str) -> HTMLResponse:
        """The station's screen."""
        try:
            kitchen(station)
        except Unknown as why:
            return missing(request, why)
        assert sources.master is not None
        name = dict(stations(sources.master))[station]
        return pages.render(
            request, "kds.html", station=station, name=name, tickets=tickets(station)
        )

    @routes.get("/{station}/tickets", response_class=HTMLResponse)
    async def open_tickets(request: Request, station: str) -> HTMLResponse:
        """The station's tickets (what the screen fetches when woken or polling)."""
        try:
            kitchen(station)
        except Unknown as why:
            return missing(request, why)
        return fragment(request, station)

    @routes.get("/{station}/events")
    async def wake_ups(station: str) -> StreamingResponse:
        """Server-Sent Events: ``ticket`` when a new ticket is there, ``changed`` after a
        tap elsewhere."""
        return StreamingResponse(
            _stream(hub.screen(station)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def act(station: str, ticket: str, step: str, operator: str, action: TapAction) -> None:
        now = sources.now()
        tap = KdsTap(
            ticket_id=ticket,
            step=step,
            operator=operator.strip() or f"kds-{station}",
            action=action,
            at=now,
        )
        await kitchen(station).tap(station, tap, now)

    async def tapped(
        request: Request, station: str, ticket: str, steps: list[str], operator: str, bump: bool
    ) -> HTMLResponse:
        try:
            pipeline = kitchen(station)
        except Unknown as why:
            return missing(request, why)
        if bump and hub.put_away(station, ticket) is not None:
            hub.wake(station)
            return fragment(request, station)
        before = pipeline.state.tickets.get(ticket)
        try:
            for step in steps:
                await act(station, ticket, step, operator, TapAction.DONE)
            if bump:
                await act(station, ticket, "all", operator, TapAction.BUMP)
        except (ValueError, ValidationError) as exc:
            return fragment(request, station, refusal=_reason(exc))
        finally:
            hub.wake(station)
        if before is not None and ticket not in pipeline.state.tickets:
            assert sources.master is not None
            hub.finished(station, show(sources.master, replace(before, pending=())))
        return fragment(request, station)

    @routes.post("/{station}/tap", response_class=HTMLResponse)
    async def tap(
        request: Request, station: str, ticket: Text, step: Text, operator: Text = ""
    ) -> HTMLResponse:
        """A cook marks a step done: its inputs are deducted, once."""
        return await tapped(request, station, ticket, [step], operator, bump=False)

    @routes.post("/{station}/bump", response_class=HTMLResponse)
    async def bump(
        request: Request, station: str, ticket: Text, operator: Text = ""
    ) -> HTMLResponse:
        """The ticket is finished: every step still to do is done (deducted), it leaves."""
        try:
            pipeline = kitchen(station)
        except Unknown as why:
            return missing(request, why)
        current = pipeline.state.tickets.get(ticket)
        pending = list(current.pending) if current is not None else []
        return await tapped(request, station, ticket, pending, operator, bump=True)

    @routes.post("/{station}/recall", response_class=HTMLResponse)
    async def recall(request: Request, station: str, operator: Text = "") -> HTMLResponse:
        """The last finished ticket back on the screen (nothing is deducted again)."""
        try:
            kitchen(station)
        except Unknown as why:
            return missing(request, why)
        shown = hub.recall(station)
        if shown is None:
            return fragment(request, station)
        try:
            await act(station, shown.ticket_id, "all", operator, TapAction.RECALL)
        except (ValueError, ValidationError) as exc:
            return fragment(request, station, refusal=_reason(exc))
        hub.wake(station)
        return fragment(request, station)

    return routes


async def _stream(screen: AbstractContextManager[asyncio.Queue[str]]) -> AsyncIterator[str]:
    with screen as wake_ups:
        yield "retry: 1000\n\n"  # after an agent restart, back within a second
        yield "event: hello\ndata: \n\n"
        while True:
            try:
                kind = await asyncio.wait_for(wake_ups.get(), KEEPALIVE_S)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            if kind == CLOSING:
                return
            yield f"event: {kind}\ndata: \n\n"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}"
    return " ".join(str(exc).split("\n")[:3])
