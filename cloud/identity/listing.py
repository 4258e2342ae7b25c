"""Lists for the people who manage a site's devices: its agents and its enrolment codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloud.identity.store import Conn

_AGENTS = """
SELECT a.agent, a.enrolled_at, a.revoked_at, a.revoked_reason, coalesce(h.last_seq, 0),
       h.updated_at, e.at
FROM agents AS a
LEFT JOIN agent_heads AS h ON h.agent = a.agent
LEFT JOIN events AS e ON e.agent = a.agent AND e.seq = h.last_seq
WHERE a.site = %s ORDER BY a.agent
"""

_CODES = """
SELECT created_at, expires_at, agent, created_by, used_at, used_by FROM enrolment_codes
WHERE site = %s ORDER BY created_at DESC LIMIT %s
"""


@dataclass(frozen=True, slots=True)
class AgentSummary:
    """An agent of a site as its managers see it.

    ``last_seen``: when the cloud last stored a batch of it; ``latest_event_at``: when its
    newest stored event happened at the site. Their difference is how late the newest
    event arrived (the sync lag of that batch).
    """

    agent: str
    enrolled_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    acked_seq: int
    last_seen: datetime | None
    latest_event_at: datetime | None

    @property
    def sync_lag_s(self) -> float | None:
        if self.last_seen is None or self.latest_event_at is None:
            return None
        return max(0.0, (self.last_seen - self.latest_event_at).total_seconds())


@dataclass(frozen=True, slots=True)
class CodeSummary:
    """An enrolment code issued at a site: the code itself is never kept, only its use."""

    created_at: datetime
    expires_at: datetime
    agent: str | None
    created_by: str | None
    used_at: datetime | None
    used_by: str | None


async def agents_of_site(conn: Conn, site: str) -> list[AgentSummary]:
    """Every agent enrolled at ``site``, revoked ones too, by name."""
    cur = await conn.execute(_AGENTS, (site,))
    rows: list[tuple[Any, ...]] = await cur.fetchall()
    return [AgentSummary(*row) for row in rows]


async def codes_of_site(conn: Conn, site: str, limit: int = 50) -> list[CodeSummary]:
    """The newest ``limit`` enrolment codes issued at ``site``."""
    cur = await conn.execute(_CODES, (site, limit))
    rows: list[tuple[Any, ...]] = await cur.fetchall()
    return [CodeSummary(*row) for row in rows]
