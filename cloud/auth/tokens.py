"""Short-lived access tokens (JWT, HS256) for people, signed with a key kept in the database.

The key is made by the first app that starts and read by every replica, so tokens issued by
one replica are accepted by all without sharing a secret through configuration. A token
names its user and its session (``sid``: the login's refresh-token family, so signing out
ends it at once, cloud.auth.deps). What the user may do is read from the grants on every
request, so a revoked or expired grant takes effect at once, not when the token expires.

Keys are rotated and retired in the database (``token_keys``); each replica's
``TokenKeyring`` re-reads them when its copy is older than a few seconds, so a retired key
stops authenticating everywhere without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout

_log = logging.getLogger(__name__)

_ALGORITHM = "HS256"
_ISSUER = "edgestock"


class InvalidToken(Exception):
    """A credential that does not authenticate anyone; the message says why."""


@dataclass(frozen=True, slots=True)
class AccessTokens:
    """Issues and checks access tokens with the keys in force (newest signs)."""

    keys: dict[str, bytes]
    signing_kid: str
    ttl: timedelta

    def issue(
        self, user_id: int, *, session: uuid.UUID | None = None, now: datetime | None = None
    ) -> str:
        """A token for ``user_id`` in ``session`` (a login's refresh family; else a new one)."""
        now = now or datetime.now(UTC)
        claims = {
            "iss": _ISSUER,
            "sub": f"user:{user_id}",
            "sid": str(session or uuid.uuid4()),
            "iat": now,
            "exp": now + self.ttl,
            "jti": str(uuid.uuid4()),
        }
        key = self.keys[self.signing_kid]
        return jwt.encode(claims, key, algorithm=_ALGORITHM, headers={"kid": self.signing_kid})

    def user_id(self, token: str) -> int:
        """The user a valid token names; raises ``InvalidToken`` (expired, forged, malformed)."""
        return self.holder(token)[0]

    def holder(self, token: str) -> tuple[int, uuid.UUID | None]:
        """The user and session a valid token names; ``InvalidToken`` otherwise."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keys.get(str(kid))
            if key is None:
                raise InvalidToken("access token signed with an unknown key")
            claims = jwt.decode(
                token, key, algorithms=[_ALGORITHM], issuer=_ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )  # fmt: skip
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("access token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken(f"access token invalid: {exc}") from exc
        kind, _, number = str(claims["sub"]).partition(":")
        if kind != "user" or not number.isdigit() or len(number) > 18:
            raise InvalidToken("access token names no user")
        try:
            session = uuid.UUID(str(claims["sid"])) if "sid" in claims else None
        except ValueError as exc:
            raise InvalidToken("access token names no session") from exc
        return int(number), session


async def load_access_tokens(conn: AsyncConnection[tuple[object, ...]], ttl_s: int) -> AccessTokens:
    """The keys in force, making the first one if there is none yet."""
    await conn.execute(
        "INSERT INTO token_keys (kid, secret) SELECT %s, %s "
        "WHERE NOT EXISTS (SELECT 1 FROM token_keys WHERE retired_at IS NULL)",
        (secrets.token_hex(8), secrets.token_bytes(32)),
    )
    cur = await conn.execute(
        "SELECT kid, secret FROM token_keys WHERE retired_at IS NULL ORDER BY created_at"
    )
    rows = await cur.fetchall()
    keys = {str(kid): bytes(secret) for kid, secret in rows}  # type: ignore[call-overload]
    return AccessTokens(keys, str(rows[-1][0]), timedelta(seconds=ttl_s))


class TokenKeyring:
    """The keys in force, re-read from the database when older than ``refresh_s``.

    One per app; ``current()`` is what routes use. A failed re-read keeps the old copy
    (and is retried on the next request) rather than refusing every caller.
    """

    def __init__(self, pool: AsyncConnectionPool, tokens: AccessTokens, refresh_s: float) -> None:
        self._pool = pool
        self._tokens = tokens
        self._refresh_s = refresh_s
        self._loaded_at = time.monotonic()
        self._reloading = asyncio.Lock()

    async def current(self) -> AccessTokens:
        """The keys in force, at most ``refresh_s`` old."""
        if time.monotonic() - self._loaded_at < self._refresh_s:
            return self._tokens
        async with self._reloading:
            if time.monotonic() - self._loaded_at >= self._refresh_s:
                try:
                    async with self._pool.connection() as conn:
                        self._tokens = await load_access_tokens(
                            conn, int(self._tokens.ttl.total_seconds())
                        )
                except (psycopg.OperationalError, PoolTimeout) as exc:
                    _log.warning("token keys not re-read, the last copy stays: %s", exc)
                    return self._tokens
                self._loaded_at = time.monotonic()
        return self._tokens
