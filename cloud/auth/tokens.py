"""Short-lived access tokens (JWT, HS256) for people, signed with a key kept in the database.

The key is made by the first app that starts and read by every replica, so tokens issued by
one replica are accepted by all without sharing a secret through configuration. A token
names only its user: what the user may do is read from the grants on every request, so a
revoked or expired grant takes effect at once, not when the token expires.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from psycopg import AsyncConnection

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

    def issue(self, user_id: int, *, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        claims = {
            "iss": _ISSUER,
            "sub": f"user:{user_id}",
            "iat": now,
            "exp": now + self.ttl,
            "jti": str(uuid.uuid4()),
        }
        key = self.keys[self.signing_kid]
        return jwt.encode(claims, key, algorithm=_ALGORITHM, headers={"kid": self.signing_kid})

    def user_id(self, token: str) -> int:
        """The user a valid token names; raises ``InvalidToken`` (expired, forged, malformed)."""
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
        if kind != "user" or not number.isdigit():
            raise InvalidToken("access token names no user")
        return int(number)


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
