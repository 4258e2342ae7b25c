"""The food-safety board of a site and day (食安看板): the API's fold, on a page that
refreshes itself every minute so it can hang on a kitchen office's screen. Expired lots are
folded by item there; every lot is on the board's "every lot" page, a page at a time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from cloud.api.bounds import Day
from cloud.api.foodsafety import board_of_day
from cloud.web.access import site_page
from cloud.web.board_view import board_lots, lots_page
from cloud.web.pages import Viewer, render
from domain.foodsafety import Board, RecordRefused

router = APIRouter(prefix="/ui/sites/{site}")

BoardViewer = Annotated[Viewer, Depends(site_page("stock.read"))]
DayQuery = Annotated[Day | None, Query(description="the site's day (its org time zone)")]


@router.get("/board", response_class=HTMLResponse, summary="Food-safety board page")
async def board_page(
    seen: BoardViewer,
    day: DayQuery = None,
    part: Annotated[bool, Query(description="only the board, for htmx")] = False,
) -> HTMLResponse:
    shown = _day(seen, day)
    board, refused = await _board(seen, shown)
    template = "_board.html" if part else "board.html"
    lots = board_lots(board.lots) if board is not None else None
    return render(seen, template, day=shown, board=board, lots=lots, refused=refused)


@router.get("/board/lots", response_class=HTMLResponse, summary="Every lot on the board")
async def board_lots_page(
    seen: BoardViewer,
    day: DayQuery = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="from 1")] = 1,
) -> HTMLResponse:
    """Every expired and near-expiry lot of the board's day, expired first, a page at a time."""
    shown = _day(seen, day)
    board, refused = await _board(seen, shown)
    lots = lots_page(board.lots, page) if board is not None else None
    return render(seen, "board_lots.html", day=shown, lots=lots, refused=refused)


def _day(seen: Viewer, day: date | None) -> date:
    return day or datetime.now(seen.speaker.zone).date()  # today where the site is


async def _board(seen: Viewer, day: date) -> tuple[Board | None, str | None]:
    """The board, or why it cannot be built."""
    assert seen.site is not None
    try:
        return await board_of_day(seen.state, seen.site, day, zone=seen.speaker.zone), None
    except RecordRefused as exc:
        return None, str(exc)
