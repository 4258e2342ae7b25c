"""Bodies of the auth, org and user routes, named by their role."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, model_validator

from domain.quantity import Unit

Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Label = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
"""A name people read: one line, no control characters (it ends up in headers and CSV)."""


def _ends_after(valid_until: datetime | None, valid_from: datetime | None) -> None:
    """Refuse a validity that ends before it starts (the database would refuse it, 500)."""
    if valid_until is None:
        return
    start = _aware(valid_from) if valid_from is not None else datetime.now(UTC)
    if _aware(valid_until) <= start:
        raise ValueError(f"valid_until: {valid_until.isoformat()} is not after {start.isoformat()}")


def _aware(moment: datetime) -> datetime:
    """A time without a zone is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class TokenPublic(BaseModel):
    """An OAuth2 token answer (RFC 6749 §5.1)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 type name)
    expires_in: int = Field(description="seconds the access token is valid")
    refresh_token: str = Field(description="spend once at /v1/auth/token for a new pair")


class LogoutRequest(BaseModel):
    refresh_token: str = Field(max_length=200)


class PrincipalPublic(BaseModel):
    subject: str
    kind: str
    name: str


class OrgNodeCreate(BaseModel):
    kind: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$", examples=["brand", "plant", "site"])
    name: Label
    site: Label | None = Field(
        default=None,
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

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Self:
        _ends_after(self.valid_until, self.valid_from)
        return self


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
    name: Label
    role: str = Field(max_length=40)
    valid_until: datetime | None = None

    @model_validator(mode="after")
    def _ends_in_the_future(self) -> Self:
        _ends_after(self.valid_until, None)
        return self


class ApiKeyPublic(BaseModel):
    id: int
    prefix: str
    key: str = Field(description="shown once: only its hash is kept")
