"""Bodies of the auth, org and user routes, named by their role."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TokenPublic(BaseModel):
    """An OAuth2 token answer (RFC 6749 §5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 type name)
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str = Field(description="spend once at /v1/auth/token for a new pair")


class LogoutRequest(BaseModel):
    refresh_token: str


class PrincipalPublic(BaseModel):
    subject: str
    kind: str
    name: str
