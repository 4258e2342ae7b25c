"""The day's food-safety board at the edge, from the store's own events (so it works with
the cloud away): expired and near-expiry lots, the lots on hold now (a recall, an
excursion: the store's holds), open clocks, temperatures per room, cooling logs, the day's
records and the manager's sign-off, every day and time the site's.
``domain.foodsafety.board`` decides what is on it, as it does for the cloud's board."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from domain.foodsafety import Board
from domain.ledger import StockKey
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
        language = pages.words(request).lang
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
            names=_names(sources.master, language),
            holds=_holds(await asyncio.to_thread(sources.holds)),
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


def _names(master: MasterData | None, language: str) -> dict[str, str]:
    """Item names in ``language`` and location names, by id (the board shows ids when there
    is no master data)."""
    if master is None:
        return {}
    items = {item.id: item.name_in(language) for item in master.items}
    return items | {location.id: location.name for location in master.locations}


def _holds(held: Mapping[StockKey, tuple[str, str | None]]) -> list[tuple[StockKey, str, str]]:
    """The store's holds now, by item, lot and location: a recall the down-channel brought
    shows here as soon as the agent has applied it, and after a restart."""
    return [(key, reason, cause or "") for key, (reason, cause) in sorted(held.items())]
