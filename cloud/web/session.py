"""A person's session in the browser: the API's own tokens, carried in cookies.

Signing in on the page goes through the API's password grant (``cloud.api.auth.sign_in``:
same throttle, same argon2 check); the access and refresh tokens it issues are kept in
HttpOnly, SameSite=Strict cookies, so page scripts never see them and other sites cannot
send them. An expired access token is renewed from the refresh cookie (rotated, as the
API rotates it); signing out revokes the login's refresh family, which ends its access
tokens too. Form posts carry a CSRF token that must equal the ``es_csrf`` cookie (double
submit), on top of SameSite=Strict.
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import timedelta

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse

from cloud.api.auth import sign_in
from cloud.auth.deps import ANONYMOUS, user_of_token
from cloud.auth.principal import Principal
from cloud.auth.refresh import revoke_refresh, rotate_refresh
from cloud.auth.tokens import InvalidToken
from cloud.state import CloudState

ACCESS = "es_access"
REFRESH = "es_refresh"
CSRF = "es_csrf"
LANGUAGE = "lang"


class SignInNeeded(Exception):
    """The page needs a signed-in person: the answer is a redirect to the sign-in page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class CsrfRefused(Exception):
    """A form post without the page's CSRF token: answered 403 with the reason."""


class SignInRefused(Exception):
    """Wrong email or password, or slowed down: the message says which, for the form."""


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """An HttpOnly, SameSite=Strict cookie for the whole app (Secure over HTTPS)."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip


async def start_session(
    request: Request, response: Response, state: CloudState, email: str, password: str
) -> None:
    """Check the password and put the new login's tokens in cookies; ``SignInRefused``."""
    address = request.client.host if request.client else "unknown"
    signed_in = await sign_in(state, email, password, address)
    if isinstance(signed_in, JSONResponse):
        raise SignInRefused(json.loads(bytes(signed_in.body))["error_description"])
    user_id, refresh, session = signed_in
    await _put_tokens(request, response, state, user_id, refresh, session)


async def _put_tokens(
    request: Request, response: Response, state: CloudState, user_id: int, refresh: str,
    session: uuid.UUID,
) -> str:  # fmt: skip
    """Set the cookies of a login; the new access token."""
    tokens = await state.keyring.current()
    access = tokens.issue(user_id, session=session)
    settings = state.settings
    set_cookie(request, response, ACCESS, access, settings.access_token_ttl_s)
    set_cookie(request, response, REFRESH, refresh, settings.refresh_token_ttl_s)
    return access


async def end_session(request: Request, response: Response, state: CloudState) -> None:
    """Revoke the login (its refresh family and so its access tokens) and drop the cookies."""
    refresh = request.cookies.get(REFRESH)
    if refresh:
        async with state.pool.connection() as conn:
            await revoke_refresh(conn, refresh)
    for name in (ACCESS, REFRESH):
        response.delete_cookie(name, path="/")


async def signed_in_person(request: Request, response: Response, state: CloudState) -> Principal:
    """The person whose cookies came with ``request``; ``SignInNeeded`` if none is valid.

    An access token that no longer holds is renewed once from the refresh cookie, and the
    new tokens are set on ``response``.
    """
    if not state.settings.require_auth:
        return ANONYMOUS
    access = request.cookies.get(ACCESS)
    if access:
        try:
            return await user_of_token(state, access)
        except HTTPException:
            pass
    refresh = request.cookies.get(REFRESH)
    if refresh:
        try:
            async with state.pool.connection() as conn:
                ttl = timedelta(seconds=state.settings.refresh_token_ttl_s)
                user_id, new_refresh, session = await rotate_refresh(conn, refresh, ttl)
        except InvalidToken:
            pass
        else:
            access = await _put_tokens(request, response, state, user_id, new_refresh, session)
            return await user_of_token(state, access)
    raise SignInNeeded(request.url.path)


def csrf_token(request: Request) -> str:
    """The request's CSRF token (its cookie's), or a new one the page will set."""
    known = request.cookies.get(CSRF)
    if known and 20 <= len(known) <= 100:
        return known
    fresh: str = getattr(request.state, "new_csrf", "") or secrets.token_urlsafe(24)
    request.state.new_csrf = fresh
    return fresh


def check_csrf(request: Request, sent: str | None) -> None:
    """``CsrfRefused`` (403) unless the form's token equals the cookie's."""
    cookie = request.cookies.get(CSRF)
    if not cookie or not sent or not secrets.compare_digest(cookie, sent):
        raise CsrfRefused("the form's CSRF token is missing or stale: reload the page")
