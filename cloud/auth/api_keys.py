"""API keys of integrations: ``esk_<prefix>_<secret>``, shown once, kept as SHA-256.

The secret is 256 random bits, so a fast hash is enough (nobody can guess through it) and
lets a key be checked with one index lookup on every request.

A key belongs to one organisation (``api_keys.org_id``): it is granted roles and revoked
only from inside it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from psycopg import AsyncConnection

Conn = AsyncConnection[tuple[object, ...]]

_SCHEME = "esk"


@dataclass(frozen=True, slots=True)
class NewApiKey:
    id: int
    prefix: str
    key: str
    """The whole key: given to the caller once, never stored."""


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


async def create_api_key(conn: Conn, name: str, created_by: int | None, org_id: int) -> NewApiKey:
    """A new key of organisation ``org_id`` (its root node), granted roles only inside it."""
    prefix = secrets.token_hex(4)
    key = f"{_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    cur = await conn.execute(
        "INSERT INTO api_keys (name, prefix, secret_hash, created_by, org_id) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (name, prefix, _digest(key), created_by, org_id),
    )
    row = await cur.fetchone()
    assert row is not None
    return NewApiKey(int(str(row[0])), prefix, key)


async def api_key_owner(conn: Conn, key: str) -> tuple[int, str] | None:
    """(id, name) of the key, if it exists and is not revoked."""
    if not key.startswith(f"{_SCHEME}_"):
        return None
    cur = await conn.execute(
        "SELECT id, name FROM api_keys WHERE secret_hash = %s AND revoked_at IS NULL",
        (_digest(key),),
    )
    row = await cur.fetchone()
    return None if row is None else (int(str(row[0])), str(row[1]))


async def key_of_org(conn: Conn, key_id: int, org_id: int) -> bool:
    """Whether ``key_id`` is a key of organisation ``org_id`` in force (False for an unknown
    key and another organisation's alike)."""
    cur = await conn.execute(
        "SELECT 1 FROM api_keys WHERE id = %s AND org_id = %s AND revoked_at IS NULL",
        (key_id, org_id),
    )
    return await cur.fetchone() is not None


async def revoke_api_key(conn: Conn, key_id: int, node_id: int) -> bool:
    """Revoke at once a key of ``node_id``'s organisation granted a role at ``node_id``;
    False if there is none such (unknown, another organisation's, or granted elsewhere)."""
    cur = await conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE id = %(key)s AND revoked_at IS NULL "
        "AND org_id = org_root(%(node)s) "
        "AND EXISTS (SELECT 1 FROM grants WHERE api_key_id = %(key)s AND node_id = %(node)s)",
        {"key": key_id, "node": node_id},
    )
    return cur.rowcount == 1
