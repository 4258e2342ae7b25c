"""The screens' FastAPI app, built from the agent's parts (``ScreenSources``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from edge_agent.web import board, kds, pda, pda_receiving, pda_transfers, prep, sign_in
from edge_agent.web.auth import ScreenAuth
from edge_agent.web.kds_view import stations
from edge_agent.web.rendering import Pages
from edge_agent.web.sources import ScreenSources

STATIC = Path(__file__).with_name("static")


def build_app(sources: ScreenSources, auth: ScreenAuth | None = None) -> FastAPI:
    """The kitchen display, PDA app and board of one agent; no docs, no CDN, no cloud.

    With ``auth`` every page needs the site's PIN and every change its CSRF token
    (``sign_in``); without it (``web.auth: none``, a bench) the pages are open."""
    guarded = [Depends(sign_in.guard(auth))] if auth is not None else []
    app = FastAPI(title="EdgeStock screens", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=guarded)  # fmt: skip
    pages = Pages(sources)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")  # open: no secrets
    if auth is not None:
        app.add_exception_handler(sign_in.ScreensRefused, sign_in.refused)
        app.include_router(sign_in.router(pages, auth))
    app.include_router(kds.router(pages))
    app.include_router(pda.router(pages))
    app.include_router(pda_transfers.router(pages))
    app.include_router(pda_receiving.router(pages))
    app.include_router(board.router(pages))
    app.include_router(prep.router(pages))

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        """Where each screen is."""
        master = sources.master
        shown = stations(master) if master is not None and sources.kitchen else []
        return pages.render(request, "index.html", stations=shown)

    return app
