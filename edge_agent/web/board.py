"""The day's food-safety board at the edge, from the store's own events (so it works with
the cloud away): expired and near-expiry lots, open clocks, temperatures per room, cooling
logs, the day's records and the manager's sign-off, every day and time the site's.
``domain.foodsafety.board`` decides what is on it, as it does for the cloud's board."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from domain.foodsafety import Board
from domain.masterdata import MasterData
from edge_agent.kitchen.messages import SignOffDay
from edge_agent.web.history import BoardHistory
from edge_agent.web.rendering import Pages

Text = Annotated[str, Form()]


def router(pages: Pages) -> APIRouter:
    """The board's routes."""
    sources = pages.sources
    routes = APIRouter(prefix="/board")

    def local_day(moment: datetime) -> date:
        return moment.astimezone(sources.zone).date()

    history = BoardHistory(sources.events, local_day)

    def the_board(day: date) -> Board:
        return history.board(day, sources.near_days)

    async def page(
        request: Request, day: date, status: int = 200, refusal: str | None = None
    ) -> HTMLResponse:
        shown = await asyncio.to_thread(the_board, day)
        return pages.render(
            request,
            "board.html",
            status,
            board=shown,
            day=day,
            today=local_day(sources.now()),
            can_sign=sources.records is not None,
            refusal=refusal,
            one_day=timedelta(days=1),
            names=_names(sources.master),
            path="/board",
        )

    @routes.get("", response_class=HTMLResponse)
    async def today(request: Request, day: date | None = None) -> HTMLResponse:
        """The board of ``day`` (today, at the site, by default)."""
        return await page(request, day or local_day(sources.now()))

    @routes.post("/sign-off", response_model=None)
    async def sign_off(
        request: Request, day: Annotated[date, Form()], manager: Text, note: Text = ""
    ) -> HTMLResponse | RedirectResponse:
        """A kitchen manager signs the day off (refused, with why, for anyone else)."""
        if sources.records is None:
            return await page(request, day, 409, "records")
        try:
            entry = SignOffDay(
                command="sign_off",
                manager=manager.strip(),
                day=day,
                note=note.strip() or None,
                source="board",
                at=sources.now(),
            )
            await sources.records.handle(entry)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            return await page(request, day, 422, f"{where}: {first['msg']}")
        except ValueError as exc:
            return await page(request, day, 409, str(exc))
        return RedirectResponse(f"/board?day={day}", status_code=303)

    return routes


def _names(master: MasterData | None) -> dict[str, str]:
    """Item and location names by id (the board shows ids when there is no master data)."""
    if master is None:
        return {}
    items = {item.id: item.name for item in master.items}
    return items | {location.id: location.name for location in master.locations}
