"""Refresh tokens: opaque, stored as SHA-256, rotated on every use.

A refresh token used a second time was copied: the whole family (every token descended
from the same login) is revoked, so the thief and the user are both logged out and the
user logs in again (the rotation scheme of OAuth 2.0 Security BCP, RFC 9700 §4.14).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from psycopg import AsyncConnection

from cloud.auth.tokens import InvalidToken

Conn = AsyncConnection[tuple[object, ...]]


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def issue_refresh(
    conn: Conn, user_id: int, ttl: timedelta, family: uuid.UUID | None = None
) -> str:
    """A new refresh token for ``user_id``, of a new family unless one is given."""
    token = secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at) "
        "VALUES (%s, %s, %s, now() + %s)",
        (user_id, family or uuid.uuid4(), _digest(token), ttl),
    )
    return token


async def rotate_refresh(conn: Conn, token: str, ttl: timedelta) -> tuple[int, str, uuid.UUID]:
    """Spend ``token``: the user it was for, the token that replaces it, and their login
    (the family, which access tokens name as their session).

    Raises ``InvalidToken`` for an unknown, expired or revoked token, for a disabled user,
    and for a token already spent (whose family is revoked here, and stays revoked).
    """
    async with conn.transaction():
        cur = await conn.execute(
            "SELECT r.id, r.user_id, r.family, r.used_at IS NOT NULL OR r.revoked_at IS NOT NULL,"
            " r.expires_at <= now(), u.disabled FROM refresh_tokens AS r "
            "JOIN users AS u ON u.id = r.user_id WHERE r.token_hash = %s FOR UPDATE OF r",
            (_digest(token),),
        )
        row = await cur.fetchone()
        if row is None:
            raise InvalidToken("refresh token unknown")
        token_id, user_id, family, spent, expired, disabled = row
        if spent:
            # committed before refusing: the revocation must outlive this request
            await _revoke_family(conn, family)
        elif not (expired or disabled):
            await conn.execute(
                "UPDATE refresh_tokens SET used_at = now() WHERE id = %s", (token_id,)
            )
            assert isinstance(user_id, int)
            assert isinstance(family, uuid.UUID)
            return user_id, await issue_refresh(conn, user_id, ttl, family), family
    if spent:
        raise InvalidToken("refresh token already used: every token of its login is revoked")
    raise InvalidToken("refresh token expired" if expired else "user disabled")


async def revoke_refresh(conn: Conn, token: str) -> bool:
    """Log out: revoke the family of ``token``; False when the token is unknown."""
    cur = await conn.execute(
        "SELECT family FROM refresh_tokens WHERE token_hash = %s", (_digest(token),)
    )
    row = await cur.fetchone()
    if row is None:
        return False
    await _revoke_family(conn, row[0])
    return True


async def _revoke_family(conn: Conn, family: object) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE family = %s AND revoked_at IS NULL",
        (family,),
    )
