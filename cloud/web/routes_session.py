"""Signing in and out, the language switch, and the home page (the sites one may see)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cloud.api.deps import StateDep
from cloud.auth.grants import sites_with
from cloud.auth.listing import nodes_granted
from cloud.web import session
from cloud.web.i18n import LANGUAGES
from cloud.web.pages import ViewerDep, render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of this app only (never another site)."""
    if target and target.startswith("/ui/") and "//" not in target and "\\" not in target:
        return target
    return "/ui/"


@router.get("/", include_in_schema=False)
async def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui/sign-in", response_class=HTMLResponse, summary="Sign-in page")
async def sign_in_page(
    request: Request, next: Annotated[str | None, Query(max_length=500)] = None
) -> HTMLResponse:
    return render(request, "sign_in.html", next=safe_next(next), refused=None, email=None)


@router.post("/ui/sign-in", summary="Sign in with email and password")
async def sign_in(
    request: Request, state: StateDep,
    email: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=500)] = "/ui/",
) -> Response:  # fmt: skip
    session.check_csrf(request, csrf)
    response = RedirectResponse(safe_next(next), status_code=303)
    try:
        await session.start_session(request, response, state, email, password)
    except session.SignInRefused as refused:
        return render(request, "sign_in.html", status=401, next=safe_next(next),
                      refused=str(refused), email=email)  # fmt: skip
    return response


@router.post("/ui/sign-out", summary="Sign out: end this login")
async def sign_out(
    request: Request, state: StateDep, csrf: Annotated[str, Form(max_length=100)]
) -> Response:
    session.check_csrf(request, csrf)
    response = RedirectResponse("/ui/sign-in", status_code=303)
    await session.end_session(request, response, state)
    return response


@router.get("/ui/language", summary="Choose the pages' language")
async def choose_language(
    request: Request, lang: Annotated[str, Query(max_length=10)],
    next: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:  # fmt: skip
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in LANGUAGES:
        session.set_cookie(request, response, session.LANGUAGE, lang, 86_400 * 365)
    return response


@router.get("/ui/", response_class=HTMLResponse, summary="Home: your sites")
async def home(seen: ViewerDep) -> HTMLResponse:
    principal = seen.principal
    async with seen.state.pool.connection() as conn:
        sites = await sites_with(conn, principal, "stock.read")
        managed = (
            await nodes_granted(conn, principal.id, "users.manage")
            if principal.kind == "user" else []
        )  # fmt: skip
    return render(seen, "home.html", sites=sites, organisations=managed)
