"""The screens' FastAPI app, built from the agent's parts (``ScreenSources``)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from edge_agent.web import board, kds, pda
from edge_agent.web.kds_view import stations
from edge_agent.web.rendering import Pages
from edge_agent.web.sources import ScreenSources

STATIC = Path(__file__).with_name("static")


def build_app(sources: ScreenSources) -> FastAPI:
    """The kitchen display, PDA app and board of one agent; no docs, no CDN, no cloud."""
    app = FastAPI(title="EdgeStock screens", docs_url=None, redoc_url=None, openapi_url=None)
    pages = Pages(sources)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(kds.router(pages))
    app.include_router(pda.router(pages))
    app.include_router(board.router(pages))

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        """Where each screen is."""
        master = sources.master
        shown = stations(master) if master is not None and sources.kitchen else []
        return pages.render(request, "index.html", stations=shown)

    return app
