"""The food-safety board of a site and day (食安看板): the API's fold, on a page that
refreshes itself every minute so it can hang on a kitchen office's screen."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from cloud.api.bounds import Day
from cloud.api.foodsafety import board_of_day
from cloud.web.access import site_page
from cloud.web.pages import Viewer, render
from domain.foodsafety import RecordRefused

router = APIRouter(prefix="/ui/sites/{site}")

BoardViewer = Annotated[Viewer, Depends(site_page("stock.read"))]


@router.get("/board", response_class=HTMLResponse, summary="Food-safety board page")
async def board_page(
    seen: BoardViewer,
    day: Annotated[Day | None, Query(description="the site's day (its org time zone)")] = None,
    part: Annotated[bool, Query(description="only the board, for htmx")] = False,
) -> HTMLResponse:
    assert seen.site is not None
    shown = day or datetime.now(seen.speaker.zone).date()  # today where the site is
    try:
        board, refused = await board_of_day(seen.state, seen.site, shown), None
    except RecordRefused as exc:
        board, refused = None, str(exc)
    template = "_board.html" if part else "board.html"
    return render(seen, template, day=shown, board=board, refused=refused)
