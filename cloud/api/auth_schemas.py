"""Bodies of the auth, org and user routes, named by their role."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from domain.quantity import Unit

Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


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


class OrgNodeCreate(BaseModel):
    kind: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$", examples=["brand", "plant", "site"])
    name: str = Field(min_length=1, max_length=200)
    site: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="set when the node IS a site: the string its agents put in events",
    )  # fmt: skip


class OrgNodeSummary(BaseModel):
    id: int
    kind: str
    name: str
    site: str | None


class OrgNodePublic(OrgNodeSummary):
    parent_id: int | None
    settings: dict[str, Any] = Field(description="what this node overrides")
    settings_in_force: dict[str, Any] = Field(description="merged from the root down")
    children: list[OrgNodeSummary]


class CostPriceSet(BaseModel):
    amount: Decimal = Field(ge=0, allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    per_unit: Unit


class GrantFields(BaseModel):
    role: str = Field(description="a built-in role (org_admin, warehouse, quality, finance, "
                      "device_manager, auditor) or one of the org's own")  # fmt: skip
    valid_from: datetime | None = Field(default=None, description="default: now")
    valid_until: datetime | None = Field(default=None, description="default: for ever")


class UserCreate(GrantFields):
    email: Email
    password: str = Field(min_length=1, description="at least 12 characters")


class GrantCreate(GrantFields):
    email: Email | None = None
    api_key_id: int | None = None


class GrantPublic(BaseModel):
    grant_id: int
    user_id: int | None = None


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: str
    valid_until: datetime | None = None


class ApiKeyPublic(BaseModel):
    id: int
    prefix: str
    key: str = Field(description="shown once: only its hash is kept")
