"""Who a request comes from, and what they may do where the request points."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PERMISSIONS = (
    "stock.read",
    "stock.adjust",
    "quarantine.release",
    "coldchain.read",
    "events.read",
    "devices.manage",
    "org.manage",
    "users.manage",
)
"""Operations; a role may hold any of these and of ``FIELD_PERMISSIONS``."""

FIELD_PERMISSIONS = ("field.cost_price", "field.supplier_contact")
"""Fields shown only to holders: without it the field is absent from answers and exports."""


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a person (``user``) or an integration (``api_key``).

    ``permissions`` are those held, valid now, at the node the request points to (its
    ``site`` or ``node_id`` path parameter) through grants there or at an ancestor; empty
    when the route points at no node. ``anonymous`` exists only with ``require_auth`` off.
    """

    subject: str
    kind: Literal["user", "api_key", "anonymous"]
    id: int
    name: str
    node_id: int | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)

    @property
    def user_id(self) -> int | None:
        return self.id if self.kind == "user" else None

    @property
    def api_key_id(self) -> int | None:
        return self.id if self.kind == "api_key" else None

    def may(self, permission: str) -> bool:
        return self.kind == "anonymous" or permission in self.permissions
