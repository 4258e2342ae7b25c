"""Logging in: the OAuth2 password flow with short-lived access tokens and rotated refresh
tokens (RFC 6749 §4.3 and §6), logging out, and who the caller is.

A password sign-in is slowed after failures (cloud.api.sign_in_throttle: 429 with
``Retry-After``) and its argon2 check runs in a thread (cloud.auth.passwords), so guessing
is slow and never stalls other routes. Signing out ends the session's access tokens too.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, Response

from cloud.api import sign_in_throttle as throttle
from cloud.api.auth_schemas import LogoutRequest, PrincipalPublic, TokenPublic
from cloud.api.deps import StateDep
from cloud.auth.deps import authenticate
from cloud.auth.passwords import PasswordsBusy
from cloud.auth.principal import Principal
from cloud.auth.refresh import issue_refresh, revoke_refresh, rotate_refresh
from cloud.auth.tokens import InvalidToken
from cloud.auth.users import user_login
from cloud.state import CloudState

router = APIRouter(prefix="/v1/auth", tags=["auth"])

_GRANT_ERROR: dict[int | str, dict[str, Any]] = {
    400: {"description": "invalid_grant or invalid_request (RFC 6749 §5.2)"},
    429: {"description": "slow_down: too many failed sign-ins; see Retry-After"},
    503: {"description": "too many sign-ins at once; retry in a second"},
}


def _refused(error: str, description: str, status: int = 400, wait_s: int = 0) -> JSONResponse:
    """An OAuth2 error answer: 400 (429, 503 when slowed), never cached."""
    headers = {"Cache-Control": "no-store"}
    if wait_s:
        headers["Retry-After"] = str(wait_s)
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


@router.post(
    "/token",
    response_model=TokenPublic,
    responses=_GRANT_ERROR,
    summary="Log in (grant_type=password) or refresh (grant_type=refresh_token)",
)
async def token(
    request: Request,
    state: StateDep,
    grant_type: Annotated[Literal["password", "refresh_token"], Form()],
    username: Annotated[
        str | None, Form(max_length=320, description="the email, for the password grant")
    ] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
) -> TokenPublic | JSONResponse:
    refresh_ttl = timedelta(seconds=state.settings.refresh_token_ttl_s)
    if grant_type == "password":
        if username is None or password is None:
            return _refused("invalid_request", "username and password are required")
        address = request.client.host if request.client else "unknown"
        signed_in = await sign_in(state, username, password, address)
        if isinstance(signed_in, JSONResponse):
            return signed_in
        user_id, new_refresh, session = signed_in
    else:
        if refresh_token is None:
            return _refused("invalid_request", "refresh_token is required")
        try:
            async with state.pool.connection() as conn:
                user_id, new_refresh, session = await rotate_refresh(
                    conn, refresh_token, refresh_ttl
                )
        except InvalidToken as exc:
            return _refused("invalid_grant", str(exc))
    tokens = await state.keyring.current()
    return TokenPublic(
        access_token=tokens.issue(user_id, session=session),
        expires_in=int(tokens.ttl.total_seconds()),
        refresh_token=new_refresh,
    )


async def sign_in(
    state: CloudState, username: str, password: str, address: str
) -> tuple[int, str, uuid.UUID] | JSONResponse:
    """For a right password the user, a new login's refresh token and that login (the
    session its access tokens name); else the refusal to answer. The API's password grant
    and the web pages' sign-in both come here, so both are throttled alike."""
    settings = state.settings
    account = throttle.account_subject(username)
    origin = throttle.address_subject(address)
    async with state.pool.connection() as conn:
        wait_s = await throttle.seconds_to_wait(conn, [account, origin])
        if wait_s:
            return _refused("slow_down", f"too many failed sign-ins: retry in {wait_s} s",
                            429, wait_s)  # fmt: skip
        login = await user_login(conn, username)
    try:
        right = await state.passwords.verify(login[1] if login else None, password)
    except PasswordsBusy as exc:
        return _refused("temporarily_unavailable", str(exc), 503, 1)
    async with state.pool.connection() as conn:
        if not right or login is None:
            limits = throttle.SignInLimits(
                settings.sign_in_account_allowance,
                settings.sign_in_address_allowance,
                settings.sign_in_max_delay_s,
            )
            await throttle.record_failure(conn, limits, account, origin)
            return _refused("invalid_grant", "wrong email or password")
        await throttle.clear_account(conn, account)
        session = uuid.uuid4()
        refresh_ttl = timedelta(seconds=settings.refresh_token_ttl_s)
        return login[0], await issue_refresh(conn, login[0], refresh_ttl, session), session


@router.post("/logout", status_code=204, summary="End the login: its refresh and access tokens")
async def logout(body: LogoutRequest, state: StateDep) -> Response:
    async with state.pool.connection() as conn:
        await revoke_refresh(conn, body.refresh_token)
    return Response(status_code=204)


@router.get("/me", response_model=PrincipalPublic, summary="Who the credentials belong to")
async def me(principal: Annotated[Principal, Depends(authenticate)]) -> PrincipalPublic:
    return PrincipalPublic(subject=principal.subject, kind=principal.kind, name=principal.name)
