"""People and grants: create a user, grant a role at a node for a time, withdraw it.

A user belongs to one organisation (``users.org_id``, its root node), and is granted roles
only inside it: migration 0009 refuses any other grant, and lookups by email from an
organisation never find another's people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection, errors

from cloud.auth.passwords import hash_password

Conn = AsyncConnection[tuple[object, ...]]


class GrantRefused(Exception):
    """A user or grant cannot be made as asked; the message names what is wrong."""


@dataclass(frozen=True, slots=True)
class Role:
    id: int
    name: str
    permissions: frozenset[str]


async def create_user(conn: Conn, email: str, password: str, *, org_id: int | None = None) -> int:
    """A new user of organisation ``org_id`` (its root node; without it, the organisation of
    the user's first grant); ``GrantRefused`` if the email is taken or the password too short.

    Emails are sign-in names, so one address has one account across all organisations.
    """
    try:
        password_hash = hash_password(password)
    except ValueError as exc:
        raise GrantRefused(str(exc)) from exc
    try:
        async with conn.transaction():
            cur = await conn.execute(
                "INSERT INTO users (email, password_hash, org_id) VALUES (%s, %s, %s) RETURNING id",
                (email.lower(), password_hash, org_id),
            )
            row = await cur.fetchone()
    except errors.UniqueViolation as exc:
        raise GrantRefused(f"email: {email!r} already has an account") from exc
    assert row is not None
    return int(str(row[0]))


async def user_login(conn: Conn, email: str) -> tuple[int, str] | None:
    """(id, password hash) of an enabled user with this email."""
    cur = await conn.execute(
        "SELECT id, password_hash FROM users WHERE email = %s AND NOT disabled", (email.lower(),)
    )
    row = await cur.fetchone()
    return None if row is None else (int(str(row[0])), str(row[1]))


async def user_id_of(conn: Conn, email: str) -> int | None:
    cur = await conn.execute("SELECT id FROM users WHERE email = %s", (email.lower(),))
    row = await cur.fetchone()
    return None if row is None else int(str(row[0]))


async def user_of_org(conn: Conn, email: str, org_id: int) -> int | None:
    """The id of organisation ``org_id``'s user with this email; None for an unknown email
    and for another organisation's user alike."""
    cur = await conn.execute(
        "SELECT id FROM users WHERE email = %s AND org_id = %s", (email.lower(), org_id)
    )
    row = await cur.fetchone()
    return None if row is None else int(str(row[0]))


async def find_role(conn: Conn, name: str, org_id: int) -> Role | None:
    """The role ``name`` of org ``org_id`` (its root node), else the built-in one."""
    cur = await conn.execute(
        "SELECT id, name, permissions FROM roles WHERE name = %s "
        "AND (org_id = %s OR org_id IS NULL) ORDER BY org_id NULLS LAST LIMIT 1",
        (name, org_id),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    role_id, role_name, permissions = row
    return Role(int(str(role_id)), str(role_name), frozenset(permissions))  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class GrantTarget:
    """Who receives a grant: exactly one of a user and an API key."""

    user_id: int | None = None
    api_key_id: int | None = None


async def grant_role(
    conn: Conn,
    target: GrantTarget,
    role: Role,
    node_id: int,
    *,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    granted_by: int | None = None,
) -> int:
    """Grant ``role`` at ``node_id`` (and its subtree) from ``valid_from`` (now) until
    ``valid_until`` (for ever); returns the grant's id. ``GrantRefused`` when the grantee
    belongs to another organisation."""
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise GrantRefused("valid_until: must be after valid_from")
    try:
        cur = await conn.execute(
            "INSERT INTO grants (user_id, api_key_id, role_id, node_id, valid_from, "
            "valid_until, granted_by) VALUES (%s, %s, %s, %s, coalesce(%s, now()), %s, %s) "
            "RETURNING id",
            (target.user_id, target.api_key_id, role.id, node_id, valid_from, valid_until,
             granted_by),
        )  # fmt: skip
    except errors.RaiseException as exc:  # migration 0009: no grant across organisations
        who = "user" if target.user_id is not None else "API key"
        raise GrantRefused(
            f"{who} belongs to another organisation than org node {node_id}"
        ) from exc
    row = await cur.fetchone()
    assert row is not None
    return int(str(row[0]))


async def withdraw_grant(conn: Conn, grant_id: int, node_id: int) -> bool:
    """End grant ``grant_id`` (made at ``node_id``) now; False if there is no such grant."""
    cur = await conn.execute(
        "UPDATE grants SET valid_until = greatest(valid_from + interval '1 microsecond', now())"
        " WHERE id = %s AND node_id = %s AND (valid_until IS NULL OR valid_until > now())",
        (grant_id, node_id),
    )
    return cur.rowcount == 1
