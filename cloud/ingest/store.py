"""SQL of ingest, one function per step, all inside the caller's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import cast

import orjson
from psycopg import AsyncConnection, AsyncCursor, postgres
from psycopg.adapt import Dumper
from psycopg.pq import Format

from cloud.ingest.plan import READING_TYPE, AgentHead, EventRow, ReadingRow, UnreadableRow
from domain.events import GENESIS
from domain.ledger import StockKey
from domain.quantity import Quantity, Unit

EVENT_COLUMNS = "agent, seq, id, site, type, at, data, prev, hash"
EVENT_TYPES = ["text", "int8", "uuid", "text", "text", "timestamptz", "jsonb", "text", "text"]
READING_COLUMNS = "agent, seq, site, device, metric, value, unit, location, at"
READING_TYPES = ["text", "int8", "text", "text", "text", "numeric", "text", "text", "timestamptz"]

Conn = AsyncConnection[tuple[object, ...]]
Cursor = AsyncCursor[tuple[object, ...]]


async def read_head(conn: Conn, agent: str) -> AgentHead:
    """The agent's committed head, without locking (what a refusal reports)."""
    cur = await conn.execute(
        "SELECT last_seq, last_hash FROM agent_heads WHERE agent = %s", (agent,)
    )
    row = await cur.fetchone()
    return AgentHead() if row is None else AgentHead(int(str(row[0])), str(row[1]))


_LOCK_HEAD = (
    # One statement: the no-op update locks an existing row as FOR UPDATE would, and
    # RETURNING gives the head as committed (re-read after waiting for another batch's lock).
    "INSERT INTO agent_heads (agent, site, last_seq, last_hash) VALUES (%s, %s, 0, %s) "
    "ON CONFLICT (agent) DO UPDATE SET agent = agent_heads.agent "
    "RETURNING last_seq, last_hash"
)


async def lock_head(conn: Conn, agent: str, site: str) -> AgentHead:
    """Lock the agent's head row (made at seq 0 if new): one batch per agent at a time."""
    return await head_of(await conn.execute(_LOCK_HEAD, (agent, site, GENESIS)))


async def head_of(cur: Cursor) -> AgentHead:
    """The head a ``lock_head`` statement returned (read after its pipeline ended)."""
    row = await cur.fetchone()
    assert row is not None
    return AgentHead(int(str(row[0])), str(row[1]))


async def stored_hashes(conn: Conn, agent: str, first: int, last: int) -> dict[int, str]:
    cur = await conn.execute(
        "SELECT seq, hash FROM events WHERE agent = %s AND seq BETWEEN %s AND %s",
        (agent, first, last),
    )
    return await hashes_of(cur)


async def hashes_of(cur: Cursor) -> dict[int, str]:
    return {int(str(seq)): str(digest) for seq, digest in await cur.fetchall()}


async def queue_batch_opening(
    conn: Conn, agent: str, site: str, seqs: tuple[int, int], keys: Mapping[str, list[StockKey]]
) -> tuple[Cursor, Cursor, dict[str, Cursor]]:
    """Queue, in a pipeline, what a batch's transaction reads first, in lock order: the
    agent's head (locked), the hashes stored at the batch's seqs up to that head, and for
    each site the balances of ``keys`` (locked); read the cursors once the pipeline ends.

    The hashes are read after the head's lock is held (a statement of its own sees what
    committed before it), so they are the head's, as ``stored_hashes`` after ``lock_head``.
    """
    head = await conn.execute(_LOCK_HEAD, (agent, site, GENESIS))
    hashes = await conn.execute(
        "SELECT seq, hash FROM events WHERE agent = %s AND seq BETWEEN %s AND %s "
        "AND seq <= (SELECT last_seq FROM agent_heads WHERE agent = %s)",
        (agent, *seqs, agent),
    )
    balances = {name: await queue_lock_balances(conn, name, site_keys)
                for name, site_keys in keys.items()}  # fmt: skip
    return head, hashes, balances


class _JsonbDumper(Dumper):
    """``jsonb`` for the binary COPY of events: orjson (as the pool's connections dump JSON,
    ``cloud.db``) in one call per row, where psycopg's own dumper makes three."""

    oid = postgres.types["jsonb"].oid
    format = Format.BINARY

    def dump(self, obj: object) -> bytes:
        return b"\x01" + orjson.dumps(obj)  # the jsonb binary format's version, then text


async def copy_events(conn: Conn, rows: Sequence[EventRow]) -> None:
    cur = conn.cursor()
    cur.adapters.register_dumper(dict, _JsonbDumper)  # this cursor only
    async with cur.copy(f"COPY events ({EVENT_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(EVENT_TYPES)
        for row in rows:
            await copy.write_row(row)


_ARRAYS = ", ".join(f"%b::{kind}[]" for kind in EVENT_TYPES)
_INSERT_EVENTS = f"INSERT INTO events ({EVENT_COLUMNS}) SELECT * FROM unnest({_ARRAYS})"  # noqa: S608 (constant SQL, no user text)


async def insert_events(conn: Conn, rows: Sequence[EventRow]) -> None:
    """The rows ``copy_events`` writes, as one statement of a column array each: a pipeline
    carries it (a COPY takes two round trips of its own), at the price of building the
    arrays, which a small batch does not notice and a large one does."""
    cur = conn.cursor()
    cur.adapters.register_dumper(dict, _JsonbDumper)  # this cursor only
    await cur.execute(_INSERT_EVENTS, [list(column) for column in zip(*rows, strict=True)])


async def insert_readings_of_events(conn: Conn, agent: str, first: int, last: int) -> None:
    """Write the readings of ``agent``'s events ``first``..``last``, just written, from their
    stored data: the rows ``plan.rows_of`` builds (the same text fields; a value read by
    ``numeric`` from its text, as ``Decimal`` reads it), without sending them again, so a
    pipeline can carry this statement where a COPY could not."""
    await conn.execute(
        "INSERT INTO readings (agent, seq, site, device, metric, value, unit, location, at) "
        "SELECT agent, seq, site, data->>'device', data->>'metric', (data->>'value')::numeric, "
        "data->>'unit', data->>'location', at FROM events "
        "WHERE agent = %s AND seq BETWEEN %s AND %s AND type = %s",
        (agent, first, last, READING_TYPE),
    )


async def copy_readings(conn: Conn, rows: Sequence[ReadingRow]) -> None:
    async with conn.cursor().copy(
        f"COPY readings ({READING_COLUMNS}) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(READING_TYPES)
        for row in rows:
            await copy.write_row(row)


def _balance_lock_key(site: str, key: StockKey) -> int:
    digest = hashlib.blake2b(
        "\x1f".join((site, key.item, key.lot, key.location)).encode(), digest_size=8
    ).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_balances(
    conn: Conn, site: str, keys: Iterable[StockKey]
) -> dict[StockKey, Quantity]:
    """Lock and load the balances a batch touches, including ones that do not exist yet.

    Transaction advisory locks taken in sorted order cover balances about to be created
    (which ``FOR UPDATE`` cannot), so two agents of a site posting to a new balance
    serialise instead of overwriting each other.
    """
    return await balances_of(await queue_lock_balances(conn, site, keys))


async def queue_lock_balances(conn: Conn, site: str, keys: Iterable[StockKey]) -> Cursor:
    """``lock_balances`` as two statements that a pipeline may carry in one round trip;
    ``balances_of`` reads the returned cursor."""
    keys = list(keys)
    lock_keys = sorted({_balance_lock_key(site, key) for key in keys})
    await conn.execute(
        "SELECT pg_advisory_xact_lock(k) FROM unnest(%b::bigint[]) AS k ORDER BY k", (lock_keys,)
    )
    return await conn.execute(
        "SELECT l.item, l.lot, l.location, l.qty, l.unit FROM ledger AS l "
        "JOIN unnest(%b::text[], %b::text[], %b::text[]) AS k (item, lot, location) "
        "USING (item, lot, location) WHERE l.site = %s FOR UPDATE OF l",
        ([k.item for k in keys], [k.lot for k in keys], [k.location for k in keys], site),
    )


async def balances_of(cur: Cursor) -> dict[StockKey, Quantity]:
    return {
        StockKey(str(item), str(lot), str(location)): Quantity(cast(Decimal, qty), Unit(str(unit)))
        for item, lot, location, qty, unit in await cur.fetchall()
    }


async def save_balances(
    conn: Conn, site: str, balances: Mapping[StockKey, Quantity], agent: str, seq: int
) -> None:
    """Write folded balances back; ``updated_seq`` is the agent's head after this batch."""
    keys = list(balances)
    await conn.execute(
        "INSERT INTO ledger (site, item, lot, location, qty, unit, updated_agent, updated_seq) "
        "SELECT %s, k.*, %s, %s FROM unnest(%b::text[], %b::text[], %b::text[], "
        "%b::numeric[], %b::text[]) AS k "
        "ON CONFLICT (site, item, lot, location) DO UPDATE SET qty = EXCLUDED.qty, "
        "unit = EXCLUDED.unit, updated_agent = EXCLUDED.updated_agent, "
        "updated_seq = EXCLUDED.updated_seq, updated_at = now()",
        (
            site,
            agent,
            seq,
            [k.item for k in keys],
            [k.lot for k in keys],
            [k.location for k in keys],
            [balances[k].value for k in keys],
            [balances[k].unit.value for k in keys],
        ),
    )


async def advance_head(conn: Conn, agent: str, site: str, head: AgentHead) -> None:
    await conn.execute(
        "UPDATE agent_heads SET last_seq = %s, last_hash = %s, site = %s, updated_at = now() "
        "WHERE agent = %s",
        (head.seq, head.hash, site, agent),
    )


async def insert_unreadable(conn: Conn, rows: Sequence[UnreadableRow]) -> None:
    """Keep what unreadable events were as sent (rare: no COPY needed)."""
    await conn.cursor().executemany(
        "INSERT INTO unreadable_events (agent, seq, site, type, reason, body) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        rows,
    )


async def head_and_hash_at(conn: Conn, agent: str, seq: int) -> tuple[AgentHead, str | None]:
    """The agent's committed head and the hash stored at ``seq``, in one round trip."""
    cur = await conn.execute(
        "SELECT h.last_seq, h.last_hash, e.hash FROM agent_heads AS h "
        "LEFT JOIN events AS e ON e.agent = h.agent AND e.seq = %s WHERE h.agent = %s",
        (seq, agent),
    )
    row = await cur.fetchone()
    if row is None:
        return AgentHead(), None
    return AgentHead(int(str(row[0])), str(row[1])), None if row[2] is None else str(row[2])
