"""A site's outbox of down-channel documents (tables ``downlink_heads``, ``downlink_documents``,
``downlink_acks``, migration 0040).

``issue`` numbers a document (the site's head row is locked, so numbers are gapless and follow
commit order), signs its canonical bytes and stores them as signed, in the caller's
transaction: a document and what caused it (a master-data version) commit together.
``inbox`` serves what an agent has not yet applied; ``ack`` records what it has.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from psycopg import AsyncConnection

from cloud.downlink.keys import signing_key
from domain.downlink import (
    DownlinkDocument,
    Kind,
    SignedDocument,
    document_bytes,
    signing_message,
)

Conn = AsyncConnection[tuple[object, ...]]

MAX_INBOX = 500
"""Documents served per request at most (a master-data document may be large)."""


@dataclass(frozen=True, slots=True)
class AgentAck:
    agent: str
    seq: int
    acked_at: datetime


async def issue(
    conn: Conn, site: str, kind: Kind, content: dict[str, Any], issued_by: str
) -> SignedDocument:
    """Number, sign and store a document for ``site``; run in the caller's transaction."""
    key = await signing_key(conn)
    cur = await conn.execute(
        "INSERT INTO downlink_heads (site, seq) VALUES (%s, 1)"
        " ON CONFLICT (site) DO UPDATE SET seq = downlink_heads.seq + 1 RETURNING seq",
        (site,),
    )
    row = await cur.fetchone()
    assert row is not None  # an upsert with RETURNING always returns its row
    seq = cast(int, row[0])
    document = DownlinkDocument(
        site=site, seq=seq, kind=kind, issued_at=datetime.now(UTC), issued_by=issued_by,
        content=content,
    )  # fmt: skip
    body = document_bytes(document)
    signature = key.sign(signing_message(body))
    await conn.execute(
        "INSERT INTO downlink_documents (site, seq, kind, body, kid, signature, created_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (site, seq, kind, body.decode(), key.kid, signature, issued_by),
    )
    return _signed(seq, key.kid, body.decode(), signature)


async def inbox(conn: Conn, site: str, after: int, limit: int = MAX_INBOX) -> list[SignedDocument]:
    """The site's documents numbered after ``after``, in order, at most ``limit``."""
    cur = await conn.execute(
        "SELECT seq, kid, body, signature FROM downlink_documents"
        " WHERE site = %s AND seq > %s ORDER BY seq LIMIT %s",
        (site, after, min(limit, MAX_INBOX)),
    )
    return [
        _signed(cast(int, seq), str(kid), str(body), bytes(cast(bytes, signature)))
        for seq, kid, body, signature in await cur.fetchall()
    ]


async def head(conn: Conn, site: str) -> int:
    """The number of the site's last document (0 when it has none)."""
    cur = await conn.execute("SELECT seq FROM downlink_heads WHERE site = %s", (site,))
    row = await cur.fetchone()
    return 0 if row is None else cast(int, row[0])


async def ack(conn: Conn, agent: str, site: str, seq: int) -> int:
    """Record that ``agent`` applied its site's documents up to ``seq``; an older ack never
    moves it back. Returns the seq now recorded."""
    cur = await conn.execute(
        "INSERT INTO downlink_acks (agent, site, seq) VALUES (%s, %s, %s)"
        " ON CONFLICT (agent) DO UPDATE SET seq = GREATEST(downlink_acks.seq, EXCLUDED.seq),"
        " site = EXCLUDED.site, acked_at = now() RETURNING seq",
        (agent, site, seq),
    )
    row = await cur.fetchone()
    assert row is not None
    return cast(int, row[0])


async def acks(conn: Conn, site: str) -> list[AgentAck]:
    """What each agent of ``site`` reported applied."""
    cur = await conn.execute(
        "SELECT agent, seq, acked_at FROM downlink_acks WHERE site = %s ORDER BY agent", (site,)
    )
    return [
        AgentAck(str(agent), cast(int, seq), cast(datetime, at))
        for agent, seq, at in await cur.fetchall()
    ]


def _signed(seq: int, kid: str, body: str, signature: bytes) -> SignedDocument:
    return SignedDocument(
        seq=seq, kid=kid, body=body, signature=base64.b64encode(signature).decode()
    )
