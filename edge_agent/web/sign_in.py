"""The screens' sign-in page and the guard every other route passes (``auth.ScreenAuth``).

A page asked for without a session goes to ``/sign-in`` (htmx is told to go there with
``HX-Redirect``); a change (POST) without a session, or without the session's CSRF token,
is refused 403 with the reason in plain words, and nothing is done.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from edge_agent.web.auth import COOKIE, CSRF_FIELD, CSRF_HEADER, ScreenAuth, SignInRefused
from edge_agent.web.rendering import Pages

PATH = "/sign-in"
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class ScreensRefused(Exception):
    """A request the guard turns away: the status, the reason, and headers (a redirect)."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.headers = headers or {}


async def refused(_request: Request, exc: Exception) -> Response:
    """The exception handler: the reason as plain text (htmx shows it where the answer goes)."""
    assert isinstance(exc, ScreensRefused)
    return PlainTextResponse(str(exc), exc.status, headers=exc.headers)


def guard(auth: ScreenAuth) -> Callable[[Request], Awaitable[None]]:
    """The dependency every route but the sign-in page passes."""

    async def signed_in(request: Request) -> None:
        if request.url.path == PATH:
            return
        session = auth.session(request.cookies.get(COOKIE))
        if session is None:
            if request.method not in SAFE:
                raise ScreensRefused(403, "refused: not signed in (sign in with the site's PIN)")
            target = f"{PATH}?{urlencode({'next': _here(request)})}"
            if request.headers.get("hx-request"):
                raise ScreensRefused(401, "sign in first", {"HX-Redirect": target})
            raise ScreensRefused(303, "sign in first", {"Location": target})
        request.state.csrf = session.csrf
        if request.method in SAFE:
            return
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.headers.get("content-type", "").startswith(_FORMS):
            field = (await request.form()).get(CSRF_FIELD)  # parsed once, kept for the route
            given = field if isinstance(field, str) else None
        if given is None:
            raise ScreensRefused(403, "refused: no CSRF token (reload the page and try again)")
        if not hmac.compare_digest(given.encode(), session.csrf.encode()):
            raise ScreensRefused(403, "refused: wrong CSRF token (reload the page, try again)")

    return signed_in


def router(pages: Pages, auth: ScreenAuth) -> APIRouter:
    """``/sign-in`` (the PIN form and its answer) and ``/sign-out``."""
    routes = APIRouter()

    @routes.get(PATH, response_class=HTMLResponse)
    async def form(request: Request, next: str = "/") -> HTMLResponse:
        """The PIN form."""
        return pages.render(request, "sign_in.html", next=_local(next), refusal=None)

    @routes.post(PATH, response_model=None)
    async def sign_in(
        request: Request, pin: Annotated[str, Form()], next: Annotated[str, Form()] = "/"
    ) -> Response:
        """The right PIN: a session cookie and back where the person was going."""
        client = request.client.host if request.client else "?"
        try:
            cookie = auth.sign_in(pin.strip(), client)
        except SignInRefused as exc:
            return pages.render(request, "sign_in.html", exc.status, next=_local(next),
                                refusal=str(exc))  # fmt: skip
        answer = RedirectResponse(_local(next), 303)
        answer.set_cookie(COOKIE, cookie, max_age=auth.session_s, path="/", httponly=True,
                          samesite="strict")  # fmt: skip
        return answer

    @routes.post("/sign-out")
    async def sign_out() -> RedirectResponse:
        """Forget this browser's session (the guard checked its CSRF token)."""
        answer = RedirectResponse(PATH, 303)
        answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return answer

    return routes


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _local(target: str) -> str:
    """Only a path on this server (``//host`` or ``http:`` would send the person away)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
