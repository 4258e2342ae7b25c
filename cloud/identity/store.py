"""SQL of agent identity, one function per step, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg import AsyncConnection

from cloud.identity.names import agent_name

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class AgentKeyRow:
    """An agent's site, whether it is revoked, and the key in force (if any)."""

    agent: str
    site: str
    revoked: bool
    keyid: str | None
    public_key: bytes | None


@dataclass(frozen=True, slots=True)
class CodeRow:
    site: str
    agent: str | None
    expires_at: datetime
    used_at: datetime | None


async def site_exists(conn: Conn, site: str) -> bool:
    cur = await conn.execute("SELECT 1 FROM org_nodes WHERE site = %s", (site,))
    return await cur.fetchone() is not None


async def site_settings(conn: Conn, site: str) -> dict[str, object]:
    cur = await conn.execute("SELECT settings FROM org_nodes WHERE site = %s", (site,))
    row = await cur.fetchone()
    settings = row[0] if row is not None else None
    return dict(settings) if isinstance(settings, dict) else {}


async def agent_key(conn: Conn, agent: str) -> AgentKeyRow | None:
    cur = await conn.execute(
        "SELECT a.site, a.revoked_at IS NOT NULL, k.keyid, k.public_key FROM agents AS a "
        "LEFT JOIN agent_keys AS k ON k.agent = a.agent AND k.retired_at IS NULL "
        "WHERE a.agent = %s",
        (agent,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    site, revoked, keyid, public_key = row
    return AgentKeyRow(
        agent,
        str(site),
        bool(revoked),
        None if keyid is None else str(keyid),
        None if public_key is None else bytes(public_key),  # type: ignore[call-overload]
    )


async def key_known(conn: Conn, keyid: str) -> bool:
    """Whether the key was ever enrolled, by any agent, in force or retired."""
    cur = await conn.execute("SELECT 1 FROM agent_keys WHERE keyid = %s", (keyid,))
    return await cur.fetchone() is not None


async def insert_code(
    conn: Conn, code_hash: str, site: str, agent: str | None, expires_at: datetime,
    created_by: str | None,
) -> None:  # fmt: skip
    await conn.execute(
        "INSERT INTO enrolment_codes (code_hash, site, agent, expires_at, created_by) "
        "VALUES (%s, %s, %s, %s, %s)",
        (code_hash, site, agent, expires_at, created_by),
    )


async def lock_code(conn: Conn, code_hash: str) -> CodeRow | None:
    cur = await conn.execute(
        "SELECT site, agent, expires_at, used_at FROM enrolment_codes "
        "WHERE code_hash = %s FOR UPDATE",
        (code_hash,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    site, agent, expires_at, used_at = row
    return CodeRow(
        str(site),
        None if agent is None else str(agent),
        expires_at,  # type: ignore[arg-type]
        used_at,  # type: ignore[arg-type]
    )


async def use_code(conn: Conn, code_hash: str, agent: str) -> None:
    await conn.execute(
        "UPDATE enrolment_codes SET used_at = now(), used_by = %s WHERE code_hash = %s",
        (agent, code_hash),
    )


async def promised_elsewhere(conn: Conn, agent: str, site: str) -> bool:
    """Whether a code of another site, still usable, names ``agent`` as its new agent."""
    cur = await conn.execute(
        "SELECT 1 FROM enrolment_codes WHERE agent = %s AND site <> %s AND used_at IS NULL "
        "AND expires_at > now()",
        (agent, site),
    )
    return await cur.fetchone() is not None


async def next_agent_name(conn: Conn, site: str) -> str:
    """``<site>-agent-<n>``, the first n neither taken nor promised by a code that is still
    usable (names are never reused)."""
    cur = await conn.execute("SELECT count(*) FROM agents WHERE site = %s", (site,))
    row = await cur.fetchone()
    number = int(str(row[0])) + 1 if row is not None else 1
    while True:
        name = agent_name(site, number)
        cur = await conn.execute(
            "SELECT 1 FROM agents WHERE agent = %(name)s UNION ALL SELECT 1 FROM "
            "enrolment_codes WHERE agent = %(name)s AND used_at IS NULL AND expires_at > now()",
            {"name": name},
        )
        if await cur.fetchone() is None:
            return name
        number += 1


async def create_agent(conn: Conn, agent: str, site: str) -> bool:
    """Create ``agent`` at ``site``; False when the name was taken meanwhile."""
    cur = await conn.execute(
        "INSERT INTO agents (agent, site) VALUES (%s, %s) ON CONFLICT (agent) DO NOTHING",
        (agent, site),
    )
    return cur.rowcount == 1


async def put_key(conn: Conn, agent: str, site: str, keyid: str, public_key: bytes) -> bool:
    """Make ``public_key`` the only key in force of ``agent``, an agent of ``site``, and lift
    a revocation: the new key is how a revoked agent comes back. False (and nothing done)
    when ``agent`` is not an agent of ``site``: an agent never changes site."""
    cur = await conn.execute(
        "UPDATE agents SET revoked_at = NULL, revoked_reason = NULL WHERE agent = %s AND site = %s",
        (agent, site),
    )
    if cur.rowcount != 1:
        return False
    await retire_keys(conn, agent)
    await conn.execute(
        "INSERT INTO agent_keys (keyid, agent, public_key) VALUES (%s, %s, %s)",
        (keyid, agent, public_key),
    )
    return True


async def retire_keys(conn: Conn, agent: str) -> None:
    await conn.execute(
        "UPDATE agent_keys SET retired_at = now() WHERE agent = %s AND retired_at IS NULL",
        (agent,),
    )


async def revoke(conn: Conn, agent: str, reason: str) -> None:
    await conn.execute(
        "UPDATE agents SET revoked_at = now(), revoked_reason = %s WHERE agent = %s",
        (reason, agent),
    )
    await retire_keys(conn, agent)


async def remember_nonce(conn: Conn, agent: str, nonce: str, keep: timedelta) -> bool:
    """Record a request's nonce; False when it was seen within ``keep`` (a replay)."""
    # One round trip: forgetting expired nonces rides along with remembering this one.
    cur = await conn.execute(
        "WITH expired AS (DELETE FROM agent_nonces WHERE agent = %s AND seen_at < now() - %s) "
        "INSERT INTO agent_nonces (agent, nonce) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (agent, keep, agent, nonce),
    )
    return cur.rowcount == 1
