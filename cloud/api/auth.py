"""Logging in: the OAuth2 password flow with short-lived access tokens and rotated refresh
tokens (RFC 6749 §4.3 and §6), logging out, and who the caller is."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form
from fastapi.responses import JSONResponse, Response

from cloud.api.auth_schemas import LogoutRequest, PrincipalPublic, TokenPublic
from cloud.api.deps import StateDep
from cloud.auth.deps import authenticate
from cloud.auth.passwords import verify_password
from cloud.auth.principal import Principal
from cloud.auth.refresh import issue_refresh, revoke_refresh, rotate_refresh
from cloud.auth.tokens import InvalidToken
from cloud.auth.users import user_login

router = APIRouter(prefix="/v1/auth", tags=["auth"])

_GRANT_ERROR = {400: {"description": "invalid_grant or invalid_request (RFC 6749 §5.2)"}}


def _refused(error: str, description: str) -> JSONResponse:
    """An OAuth2 error answer: 400, never cached."""
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=400,
        headers={"Cache-Control": "no-store"},
    )


@router.post(
    "/token",
    response_model=TokenPublic,
    responses=_GRANT_ERROR,
    summary="Log in (grant_type=password) or refresh (grant_type=refresh_token)",
)
async def token(
    state: StateDep,
    grant_type: Annotated[Literal["password", "refresh_token"], Form()],
    username: Annotated[str | None, Form(description="the email, for the password grant")] = None,
    password: Annotated[str | None, Form()] = None,
    refresh_token: Annotated[str | None, Form()] = None,
) -> TokenPublic | JSONResponse:
    refresh_ttl = timedelta(seconds=state.settings.refresh_token_ttl_s)
    async with state.pool.connection() as conn:
        if grant_type == "password":
            if username is None or password is None:
                return _refused("invalid_request", "username and password are required")
            login = await user_login(conn, username)
            if not verify_password(login[1] if login else None, password) or login is None:
                return _refused("invalid_grant", "wrong email or password")
            user_id = login[0]
            new_refresh = await issue_refresh(conn, user_id, refresh_ttl)
        else:
            if refresh_token is None:
                return _refused("invalid_request", "refresh_token is required")
            try:
                user_id, new_refresh = await rotate_refresh(conn, refresh_token, refresh_ttl)
            except InvalidToken as exc:
                return _refused("invalid_grant", str(exc))
    return TokenPublic(
        access_token=state.tokens.issue(user_id),
        expires_in=int(state.tokens.ttl.total_seconds()),
        refresh_token=new_refresh,
    )


@router.post("/logout", status_code=204, summary="Revoke a refresh token and its whole login")
async def logout(body: LogoutRequest, state: StateDep) -> Response:
    async with state.pool.connection() as conn:
        await revoke_refresh(conn, body.refresh_token)
    return Response(status_code=204)


@router.get("/me", response_model=PrincipalPublic, summary="Who the credentials belong to")
async def me(principal: Annotated[Principal, Depends(authenticate)]) -> PrincipalPublic:
    return PrincipalPublic(subject=principal.subject, kind=principal.kind, name=principal.name)
