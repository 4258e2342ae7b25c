"""An organisation's own roles: a name, the operations it allows and the fields it shows.

A role is a set of permissions (``cloud.auth.principal``): operations (``stock.read`` …) and
field rules (``field.cost_price`` …: without one, that field is absent from every answer
and export, reports included, ``cloud.auth.fields``). An organisation adds its own beside
the built-in ones, which it can neither change nor shadow: a grant of ``finance`` means the
same everywhere. Whoever makes a role must hold every permission in it, as for a grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from psycopg import AsyncConnection, errors

from cloud.approvals.refusal import Refused
from cloud.auth.principal import FIELD_PERMISSIONS, PERMISSIONS, Principal

Conn = AsyncConnection[tuple[object, ...]]
FIELD_PREFIX = "field."


class RoleRefused(Refused):
    """A role that cannot be made as asked, and why."""


@dataclass(frozen=True, slots=True)
class RoleDefinition:
    """A role as the API shows it: operations and visible fields apart."""

    id: int
    name: str
    operations: tuple[str, ...]
    fields: tuple[str, ...]
    """The gated fields it shows (``cost_price``, ``supplier_contact``)."""
    builtin: bool


def permissions_of(operations: list[str], fields: list[str]) -> frozenset[str]:
    """The permission set of ``operations`` and visible ``fields`` (422 naming an unknown)."""
    unknown = sorted(set(operations) - set(PERMISSIONS))
    if unknown:
        raise RoleRefused(422, "unknown_permission",
                          f"operations: unknown {unknown}; known {list(PERMISSIONS)}")  # fmt: skip
    known_fields = [p.removeprefix(FIELD_PREFIX) for p in FIELD_PERMISSIONS]
    unknown = sorted(set(fields) - set(known_fields))
    if unknown:
        message = f"fields: unknown {unknown}; gated fields are {known_fields}"
        raise RoleRefused(422, "unknown_field", message)
    return frozenset(operations) | {FIELD_PREFIX + f for f in fields}


async def create_role(
    conn: Conn, org_id: int, name: str, permissions: frozenset[str], maker: Principal
) -> RoleDefinition:
    """Make role ``name`` of organisation ``org_id`` (its root node)."""
    missing = sorted(permissions - maker.permissions)
    if maker.kind != "anonymous" and missing:
        raise RoleRefused(403, "more_than_held",
                          f"{maker.name} may not make a role with {missing}: not held")  # fmt: skip
    cur = await conn.execute("SELECT 1 FROM roles WHERE org_id IS NULL AND name = %s", (name,))
    if await cur.fetchone() is not None:
        raise RoleRefused(409, "builtin_role", f"{name!r} is a built-in role: choose another name")
    try:
        cur = await conn.execute(
            "INSERT INTO roles (org_id, name, permissions) VALUES (%s, %s, %s) RETURNING id",
            (org_id, name, sorted(permissions)),
        )
    except errors.UniqueViolation as exc:
        raise RoleRefused(409, "role_exists", f"role {name!r} exists in this organisation") from exc
    row = await cur.fetchone()
    assert row is not None  # an INSERT … RETURNING returns its row
    return _definition(int(str(row[0])), name, list(permissions), builtin=False)


async def roles_of(conn: Conn, org_id: int) -> list[RoleDefinition]:
    """The built-in roles, then the organisation's own, each by name."""
    cur = await conn.execute(
        "SELECT id, name, permissions, org_id IS NULL FROM roles"
        " WHERE org_id = %s OR org_id IS NULL ORDER BY org_id NULLS FIRST, name",
        (org_id,),
    )
    return [
        _definition(int(str(i)), str(name), cast(list[str], permissions), builtin=bool(builtin))
        for i, name, permissions, builtin in await cur.fetchall()
    ]


def _definition(
    role_id: int, name: str, permissions: list[str], *, builtin: bool
) -> RoleDefinition:
    operations = tuple(sorted(p for p in permissions if not p.startswith(FIELD_PREFIX)))
    fields = tuple(sorted(p.removeprefix(FIELD_PREFIX) for p in permissions
                          if p.startswith(FIELD_PREFIX)))  # fmt: skip
    return RoleDefinition(role_id, name, operations, fields, builtin)
