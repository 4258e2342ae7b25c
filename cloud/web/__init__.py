"""The cloud's web pages: server-rendered (Jinja2), live parts with htmx, every asset
served from ``static/`` (vendored, pinned, with its licence), never from a CDN."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from cloud.web import (
    docs,
    routes_board,
    routes_coldchain,
    routes_devices,
    routes_kitting,
    routes_orders,
    routes_people,
    routes_purchasing,
    routes_replenishment,
    routes_reports,
    routes_session,
    routes_stock,
    routes_variance,
)
from cloud.web.access import PageRefused
from cloud.web.pages import STATIC, render
from cloud.web.session import CsrfRefused, SignInNeeded

ROUTERS = (
    routes_session.router, routes_stock.router, routes_coldchain.router, routes_board.router,
    routes_variance.router, routes_devices.router, routes_people.router, routes_reports.router,
    routes_orders.router, routes_kitting.router, routes_purchasing.router,
    routes_replenishment.router, docs.router,
)  # fmt: skip


def install(app: FastAPI) -> None:
    """Serve the pages, their static files and the local Swagger UI from ``app`` (created
    with ``docs_url=None``)."""
    for router in ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    app.add_exception_handler(SignInNeeded, _to_sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(PageRefused, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, _csrf_refused)  # type: ignore[arg-type]


async def _to_sign_in(request: Request, exc: SignInNeeded) -> RedirectResponse:
    target = exc.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/sign-in?next={quote(target, safe='/')}", status_code=303)


async def _refused(request: Request, exc: PageRefused) -> HTMLResponse:
    return render(request, "refused.html", status=exc.status, code=exc.status,
                  message=exc.message)  # fmt: skip


async def _csrf_refused(request: Request, exc: CsrfRefused) -> HTMLResponse:
    return await _refused(request, PageRefused(403, str(exc)))
