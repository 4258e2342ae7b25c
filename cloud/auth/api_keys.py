"""API keys of integrations: ``esk_<prefix>_<secret>``, shown once, kept as SHA-256.

The secret is 256 random bits, so a fast hash is enough (nobody can guess through it) and
lets a key be checked with one index lookup on every request.
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


async def create_api_key(conn: Conn, name: str, created_by: int | None) -> NewApiKey:
    prefix = secrets.token_hex(4)
    key = f"{_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    cur = await conn.execute(
        "INSERT INTO api_keys (name, prefix, secret_hash, created_by) "
        "VALUES (%s, %s, %s, %s) RETURNING id",
        (name, prefix, _digest(key), created_by),
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


async def revoke_api_key(conn: Conn, key_id: int, node_id: int) -> bool:
    """Revoke at once a key granted a role at ``node_id``; False if there is none such."""
    cur = await conn.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL "
        "AND EXISTS (SELECT 1 FROM grants WHERE api_key_id = %s AND node_id = %s)",
        (key_id, key_id, node_id),
    )
    return cur.rowcount == 1
