"""The cloud's signing keys for down-channel documents (table ``downlink_keys``).

The first caller that finds no key in force makes one; replicas racing to do so end with
one key, since the insert is conditional and serialised by an advisory lock. The newest key
not retired signs. Rotating: insert a new key (``rotate``), give agents its public key
(re-enrolment, or the ``downlink.cloud_keys`` list of their config), then retire the old
one; documents already signed keep their ``kid`` and stay verifiable by agents that trust
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import AsyncConnection

from domain.downlink import key_id

Conn = AsyncConnection[tuple[object, ...]]

_LOCK = 0x646F776E6C6B  # "downlk": one key is made at a time across replicas


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


@dataclass(frozen=True, slots=True)
class PublicKey:
    kid: str
    public_raw: bytes
    retired: bool


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


async def _insert(conn: Conn, key: Ed25519PrivateKey) -> str:
    raw_private = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = _raw_public(key)
    kid = key_id(public)
    await conn.execute(
        "INSERT INTO downlink_keys (kid, private_key, public_key) VALUES (%s, %s, %s)",
        (kid, raw_private, public),
    )
    return kid


async def signing_key(conn: Conn) -> SigningKey:
    """The key that signs now, made if there is none; run inside the caller's transaction."""
    row = await _newest(conn)
    if row is None:
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        row = await _newest(conn)
        if row is None:
            await _insert(conn, Ed25519PrivateKey.generate())
            row = await _newest(conn)
    assert row is not None  # made just above when missing
    kid, raw = row
    return SigningKey(kid, Ed25519PrivateKey.from_private_bytes(raw))


async def _newest(conn: Conn) -> tuple[str, bytes] | None:
    cur = await conn.execute(
        "SELECT kid, private_key FROM downlink_keys WHERE retired_at IS NULL"
        " ORDER BY created_at DESC, kid LIMIT 1"
    )
    row = await cur.fetchone()
    return None if row is None else (str(row[0]), bytes(cast(bytes, row[1])))


async def rotate(conn: Conn) -> str:
    """Add a new key, which signs from now on; the old ones stay (retire them with
    ``retire`` once every agent trusts the new one). Returns the new key's id."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
    return await _insert(conn, Ed25519PrivateKey.generate())


async def retire(conn: Conn, kid: str) -> bool:
    """Stop signing with ``kid`` (agents still trust it until their config drops it)."""
    cur = await conn.execute(
        "UPDATE downlink_keys SET retired_at = now() WHERE kid = %s AND retired_at IS NULL", (kid,)
    )
    return cur.rowcount == 1


async def public_keys(conn: Conn) -> list[PublicKey]:
    """Every public key, the one signing now first (one is made if there is none)."""
    await signing_key(conn)
    cur = await conn.execute(
        "SELECT kid, public_key, retired_at IS NOT NULL FROM downlink_keys"
        " ORDER BY retired_at IS NOT NULL, created_at DESC, kid"
    )
    return [
        PublicKey(str(kid), bytes(cast(bytes, raw)), bool(retired))
        for kid, raw, retired in await cur.fetchall()
    ]
