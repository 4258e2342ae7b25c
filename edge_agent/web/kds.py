"""The kitchen display of one station (``/kds/<station>``): its open tickets, each step with
its quantities; a tap marks a step done, bump finishes a ticket, recall brings the last
finished one back (``kds_actions.StationDisplay``). New tickets wake the screen through
Server-Sent Events; the screen also polls, so a tap made elsewhere shows within seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from edge_agent.web.kds_actions import Refused, StationDisplay, Unknown
from edge_agent.web.rendering import Pages
from edge_agent.web.screen_hub import CLOSING

KEEPALIVE_S = 15.0
"""A comment this often keeps proxies and the browser from closing an idle stream."""

Text = Annotated[str, Form()]


def router(pages: Pages) -> APIRouter:
    """The station screens' routes."""
    display = StationDisplay(pages.sources)
    routes = APIRouter(prefix="/kds")

    def tickets(request: Request, station: str, refusal: str | None = None) -> HTMLResponse:
        """The station's tickets (409 with the reason above them after a refusal)."""
        try:
            shown = display.tickets(station, pages.words(request).lang)
        except Unknown as why:
            return pages.render(request, "missing.html", 404, why=str(why))
        context = {"station": station, "tickets": shown, "refusal": refusal}
        return pages.render(request, "kds_tickets.html", 409 if refusal else 200, **context)

    @routes.get("/{station}", response_class=HTMLResponse)
    async def screen(request: Request, station: str) -> HTMLResponse:
        """The station's screen."""
        try:
            shown = display.tickets(station, pages.words(request).lang)
        except Unknown as why:
            return pages.render(request, "missing.html", 404, why=str(why))
        name = display.name(station)
        return pages.render(request, "kds.html", station=station, name=name, tickets=shown)

    @routes.get("/{station}/tickets", response_class=HTMLResponse)
    async def open_tickets(request: Request, station: str) -> HTMLResponse:
        """What the screen fetches when woken or polling."""
        return tickets(request, station)

    @routes.get("/{station}/events")
    async def wake_ups(station: str) -> StreamingResponse:
        """Server-Sent Events: ``ticket`` when a new ticket is there, ``changed`` after a
        tap elsewhere."""
        return StreamingResponse(
            _stream(display.hub.screen(station)),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @routes.post("/{station}/tap", response_class=HTMLResponse)
    async def tap(
        request: Request, station: str, ticket: Text, step: Text, operator: Text = ""
    ) -> HTMLResponse:
        """A cook marks a step done: its inputs are deducted, once."""
        try:
            await display.done(station, ticket, [step], operator)
        except (Refused, Unknown) as exc:
            return _refused(request, station, exc)
        return tickets(request, station)

    @routes.post("/{station}/bump", response_class=HTMLResponse)
    async def bump(
        request: Request, station: str, ticket: Text, operator: Text = ""
    ) -> HTMLResponse:
        """The ticket is finished: every step still to do is done (deducted), it leaves."""
        try:
            await display.bump(station, ticket, operator)
        except (Refused, Unknown) as exc:
            return _refused(request, station, exc)
        return tickets(request, station)

    @routes.post("/{station}/recall", response_class=HTMLResponse)
    async def recall(request: Request, station: str, operator: Text = "") -> HTMLResponse:
        """The last finished ticket back on the screen (nothing is deducted again)."""
        try:
            await display.recall(station, operator)
        except (Refused, Unknown) as exc:
            return _refused(request, station, exc)
        return tickets(request, station)

    def _refused(request: Request, station: str, exc: Exception) -> HTMLResponse:
        if isinstance(exc, Unknown):
            return pages.render(request, "missing.html", 404, why=str(exc))
        return tickets(request, station, refusal=str(exc))

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
