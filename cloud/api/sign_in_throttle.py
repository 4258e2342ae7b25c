"""A growing delay after failed sign-ins, per account and per client address.

Failures are counted in the database (``sign_in_failures``, migration 0010), not in a
replica's memory: the API scales out behind a load balancer, and an attacker whose
guesses spread over replicas would otherwise get each replica's allowance. After an
allowance of failures, each further failure doubles a delay (1, 2, 4 … s, capped) during
which every sign-in of that account or from that address is answered 429 with
``Retry-After``, without checking the password: guessing gets slow, and a person who mistyped
a few times is not locked out. Counts start again an hour after the last failure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from psycopg import AsyncConnection

Conn = AsyncConnection[tuple[object, ...]]

_MAX_SUBJECT = 320
_FORGET_AFTER = "1 hour"


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """Failures allowed before the delay starts, and its cap in seconds."""

    account_allowance: int
    address_allowance: int
    max_delay_s: int


def account_subject(username: str) -> str:
    return "account:" + username.strip().lower()[:_MAX_SUBJECT]


def address_subject(address: str) -> str:
    return "address:" + address[:_MAX_SUBJECT]


def delay_after(failures: int, allowance: int, max_delay_s: int) -> int:
    """Seconds to wait after the ``failures``-th failure: 0 within the allowance, then doubling."""
    if failures <= allowance:
        return 0
    return int(min(max_delay_s, 2 ** min(failures - allowance - 1, 30)))


async def seconds_to_wait(conn: Conn, subjects: list[str]) -> int:
    """How long the longest delay in force over ``subjects`` still runs (0: none)."""
    cur = await conn.execute(
        "SELECT coalesce(ceil(extract(epoch FROM max(blocked_until) - now())), 0)::int "
        "FROM sign_in_failures WHERE subject = ANY(%s) AND blocked_until > now()",
        (subjects,),
    )
    row = await cur.fetchone()
    return max(0, int(row[0])) if row and isinstance(row[0], int) else 0


async def record_failure(conn: Conn, limits: SignInLimits, account: str, address: str) -> None:
    """Count one failure against the account and the address, starting or growing a delay."""
    async with conn.transaction():
        for subject, allowance in ((account, limits.account_allowance),
                                   (address, limits.address_allowance)):  # fmt: skip
            cur = await conn.execute(
                "INSERT INTO sign_in_failures AS f (subject, failures, last_failure_at, "
                "blocked_until) VALUES (%s, 1, now(), now()) ON CONFLICT (subject) DO UPDATE "
                "SET failures = CASE WHEN f.last_failure_at < now() - %s::interval THEN 1 "
                "ELSE f.failures + 1 END, last_failure_at = now() RETURNING failures",
                (subject, _FORGET_AFTER),
            )
            row = await cur.fetchone()
            failures = int(row[0]) if row and isinstance(row[0], int) else 1
            delay = delay_after(failures, allowance, limits.max_delay_s)
            if delay:
                await conn.execute(
                    "UPDATE sign_in_failures SET blocked_until = now() + make_interval("
                    "secs => %s) WHERE subject = %s",
                    (delay, subject),
                )
        if random.random() < 0.01:
            await _forget_old(conn)


async def clear_account(conn: Conn, account: str) -> None:
    """A right password ends the account's count (the address's count stays)."""
    await conn.execute("DELETE FROM sign_in_failures WHERE subject = %s", (account,))


async def _forget_old(conn: Conn) -> None:
    await conn.execute(
        "DELETE FROM sign_in_failures WHERE subject IN (SELECT subject FROM sign_in_failures "
        "WHERE last_failure_at < now() - interval '1 day' LIMIT 1000)"
    )
