"""The order journal: append-only, numbered per organisation, hash-chained.

Every order, payment, note, message, approval, action and transition is one entry. An
append locks the organisation's head row, so numbers are gapless and each entry's ``prev``
is the hash of the one before (``GENESIS`` for the first), as in an agent's event chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from domain.canonical import canonical_json, sha256_hex
from domain.events import format_at

Conn = AsyncConnection[tuple[object, ...]]
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal entry: what happened to whom, by whom and when."""

    seq: int
    kind: str
    customer: str
    site: str | None
    order_id: str | None
    data: dict[str, Any]
    by: str
    at: datetime
    prev: str
    hash: str


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry to append: ``data`` holds JSON values only (amounts as strings)."""

    kind: str
    customer: str
    data: dict[str, Any]
    site: str | None = None
    order_id: str | None = None


def entry_hash(org_id: int, seq: int, draft: Draft, by: str, at: datetime, prev: str) -> str:
    """The SHA-256 over the entry's canonical JSON, its predecessor's hash included."""
    body = {
        "org": org_id, "seq": seq, "kind": draft.kind, "customer": draft.customer,
        "site": draft.site, "order": draft.order_id, "data": draft.data, "by": by,
        "at": format_at(at), "prev": prev,
    }  # fmt: skip
    return sha256_hex(canonical_json(body))


async def append(conn: Conn, org_id: int, drafts: list[Draft], by: str) -> list[Entry]:
    """Append ``drafts`` in order; run in a transaction (the head row stays locked)."""
    await conn.execute(
        "INSERT INTO order_journal_heads (org_id, seq, hash) VALUES (%s, 0, %s)"
        " ON CONFLICT DO NOTHING",
        (org_id, GENESIS),
    )
    cur = await conn.execute(
        "SELECT seq, hash FROM order_journal_heads WHERE org_id = %s FOR UPDATE", (org_id,)
    )
    row = await cur.fetchone()
    assert row is not None  # inserted above
    seq, prev = int(str(row[0])), str(row[1])
    at = datetime.now(UTC)
    entries: list[Entry] = []
    for draft in drafts:
        seq += 1
        digest = entry_hash(org_id, seq, draft, by, at, prev)
        await conn.execute(
            "INSERT INTO order_journal (org_id, seq, kind, customer, site, order_id, data,"
            " by_whom, at, prev, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (org_id, seq, draft.kind, draft.customer, draft.site, draft.order_id,
             Jsonb(draft.data), by, at, prev, digest),
        )  # fmt: skip
        entries.append(Entry(seq, draft.kind, draft.customer, draft.site, draft.order_id,
                             draft.data, by, at, prev, digest))  # fmt: skip
        prev = digest
    await conn.execute(
        "UPDATE order_journal_heads SET seq = %s, hash = %s WHERE org_id = %s",
        (seq, prev, org_id),
    )
    return entries


_COLUMNS = "seq, kind, customer, site, order_id, data, by_whom, at, prev, hash"


async def of_order(conn: Conn, site: str, order_id: str) -> list[Entry]:
    """Every entry of one order, oldest first."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM order_journal WHERE (site, order_id) = (%s, %s) ORDER BY seq",  # noqa: S608 (constant columns)
        (site, order_id),
    )
    return [_entry(row) for row in await cur.fetchall()]


async def of_customer(conn: Conn, org_id: int, customer: str) -> list[Entry]:
    """Every entry about ``customer`` (orders, payments, notes, messages), oldest first."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM order_journal WHERE (org_id, customer) = (%s, %s)"  # noqa: S608 (constant columns)
        " ORDER BY seq",
        (org_id, customer),
    )
    return [_entry(row) for row in await cur.fetchall()]


async def broken_links(conn: Conn, org_id: int) -> list[int]:
    """The numbers of entries whose hash or link does not check (none in a sound journal)."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM order_journal WHERE org_id = %s ORDER BY seq",  # noqa: S608 (constant columns)
        (org_id,),
    )
    broken, prev = [], GENESIS
    for row in await cur.fetchall():
        entry = _entry(row)
        draft = Draft(entry.kind, entry.customer, entry.data, entry.site, entry.order_id)
        expected = entry_hash(org_id, entry.seq, draft, entry.by, entry.at, prev)
        if entry.prev != prev or entry.hash != expected:
            broken.append(entry.seq)
        prev = entry.hash
    return broken


def _entry(row: tuple[object, ...]) -> Entry:
    seq, kind, customer, site, order_id, data, by, at, prev, digest = row
    return Entry(
        int(str(seq)), str(kind), str(customer), cast(str | None, site),
        cast(str | None, order_id), cast(dict[str, Any], data), str(by), cast(datetime, at),
        str(prev), str(digest),
    )  # fmt: skip
