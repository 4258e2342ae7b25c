"""A batch's transaction in two round trips, four when its events are copied
(``cloud.ingest.flights``), counted on the wire by a proxy in front of a real PostgreSQL; the
events and readings it stores, either way, equal to what the batch was decoded into."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import psycopg
import pytest
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from cloud.ingest import flights
from cloud.ingest.ack import IngestAck
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.plan import decode
from cloud.ingest.service import store_batch
from cloud.ingest.store import READING_COLUMNS, READING_TYPES
from cloud.migrate import StorageMode, read_storage_mode
from domain.events import EventDraft
from domain.ledger import fold
from domain.payloads import ReadingRecorded
from tests.cloud.builders import DAY, AgentChain, batch_body, consumed, counted, received
from tests.cloud.wire_count import WireCount, counting_proxy

_READINGS_OF = sql.SQL(
    "SELECT agent, seq, site, device, metric, value::text, unit, location, at FROM {table} "
    "ORDER BY seq"
)


def probe(value: str, minute: int, location: str | None = "cold-1") -> EventDraft:
    payload = ReadingRecorded(device="probe-1", metric="air_temp", value=value, unit="°C",
                              location=location)  # fmt: skip
    return EventDraft("reading.recorded", DAY + timedelta(minutes=minute), payload)


@asynccontextmanager
async def plain_pool(url: str) -> AsyncIterator[AsyncConnectionPool]:
    """One autocommit connection, never checked on checkout: every round trip is ingest's."""
    pool = AsyncConnectionPool(url, min_size=1, max_size=1, kwargs={"autocommit": True},
                               open=False)  # fmt: skip
    await pool.open(wait=True)
    try:
        yield pool
    finally:
        await pool.close()


async def _store(pool: AsyncConnectionPool, partitions: ReadingPartitions, chain: AgentChain,
                 first: int, last: int, count: WireCount) -> tuple[IngestAck, int]:  # fmt: skip
    """Store events ``first``..``last`` (1-based) of the chain; the ack and round trips."""
    body = batch_body(chain.agent, chain.events[first - 1 : last])
    batch = decode(body, agent=chain.agent, site=chain.site, max_bytes=1 << 24)
    before, _ = count.snapshot()
    rollup = partitions.mode is StorageMode.PARTITIONED
    ack = await store_batch(pool, partitions, batch, maintain_rollup=rollup)
    after, _ = count.snapshot()
    return ack, after - before


@pytest.fixture(params=["pipelined", "copied"])
def events_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Events written in the last pipeline (a batch up to ``PIPELINED_EVENTS``) or copied."""
    if request.param == "copied":
        monkeypatch.setattr(flights, "PIPELINED_EVENTS", 0)
    return str(request.param)


def test_a_batch_is_stored_in_two_round_trips_whatever_it_holds(
    database_url: str, events_path: str
) -> None:
    chain = AgentChain()
    chain.add([received("L1", "2"), probe("3.5", 0)])
    kitchen = [consumed("L1", "10"), probe("3.6", 1), counted("L1", "1500"), received("L2", "1"),
               probe("3.7", 2), consumed("L2", "0.25", unit="kg"), probe("3.8", 3)]  # fmt: skip
    chain.add(kitchen)

    async def run() -> list[tuple[IngestAck, int]]:
        with counting_proxy(database_url) as (url, count):
            partitions = ReadingPartitions(read_storage_mode(url))
            async with plain_pool(url) as pool:
                # the first batch makes the day's partition (statements of its own, once)
                await _store(pool, partitions, chain, 1, 2, count)
                fresh = await _store(pool, partitions, chain, 3, 5, count)
                overlapping = await _store(pool, partitions, chain, 4, 7, count)  # 4, 5 held
                replayed = await _store(pool, partitions, chain, 6, 7, count)
                rest = await _store(pool, partitions, chain, 8, 9, count)
                return [fresh, overlapping, replayed, rest]

    fresh, overlapping, replayed, rest = asyncio.run(run())

    # Under TimescaleDB a batch with readings also re-rolls its late hours after the commit
    # (``coldchain.refresh_late_hours``: a statement, and a CALL when hours are late).
    late = 0 if read_storage_mode(database_url) is StorageMode.PARTITIONED else 2
    trips = 2 if events_path == "pipelined" else 4  # a COPY takes two of its own
    assert fresh[0] == IngestAck(5, 3, 0)
    assert trips <= fresh[1] <= trips + late
    assert overlapping[0] == IngestAck(7, 2, 2)
    assert trips <= overlapping[1] <= trips + late
    assert replayed == (IngestAck(7, 0, 2), 2)  # read, then COMMIT: nothing to write
    assert rest[0] == IngestAck(9, 2, 0)
    assert trips <= rest[1] <= trips + late
    with psycopg.connect(database_url) as conn:
        seqs = conn.execute("SELECT seq FROM events ORDER BY seq").fetchall()
        ledger = conn.execute("SELECT lot, qty::text FROM ledger ORDER BY lot").fetchall()
    assert [seq for (seq,) in seqs] == list(range(1, 10))
    expected = sorted((key.lot, str(qty.value)) for key, qty in fold({}, chain.events).items())
    assert ledger == expected == [("L1", "1500"), ("L2", "750.00")]


def test_events_and_readings_stored_are_the_decoded_rows(
    database_url: str, events_path: str
) -> None:
    chain = AgentChain()
    values = ["3.40", "-0.5", "12", "0.001", "-273.15", "1E+2", "99999.999999"]
    chain.add([probe(value, minute) for minute, value in enumerate(values)])
    chain.add([probe("4.0", 30, location=None), received("L1", "1"), probe("4.10", 31)])
    body = batch_body(chain.agent, chain.events)
    batch = decode(body, agent=chain.agent, site=chain.site, max_bytes=1 << 24)

    async def run() -> None:
        async with plain_pool(database_url) as pool:
            mode = read_storage_mode(database_url)
            await store_batch(pool, ReadingPartitions(mode), batch,
                              maintain_rollup=mode is StorageMode.PARTITIONED)  # fmt: skip

    asyncio.run(run())

    with psycopg.connect(database_url) as conn:
        stored = conn.execute(_READINGS_OF.format(table=sql.Identifier("readings"))).fetchall()
        # what the binary COPY of the decoded rows (ingest before) stores for the same batch
        conn.execute("CREATE TEMP TABLE copied (LIKE readings)")
        copy = f"COPY copied ({READING_COLUMNS}) FROM STDIN (FORMAT BINARY)"
        with conn.cursor().copy(copy) as cp:
            cp.set_types(READING_TYPES)
            for row in batch.reading_rows:
                cp.write_row(row)
        copied = conn.execute(_READINGS_OF.format(table=sql.Identifier("copied"))).fetchall()
        events = conn.execute(
            "SELECT id::text, seq, site, type, at, data, prev, hash FROM events ORDER BY seq"
        ).fetchall()
    assert events == [
        (e.id, e.seq, e.site, e.type, e.moment, e.data, e.prev, e.hash) for e in chain.events
    ]
    assert len(stored) == len(values) + 2
    assert stored == copied
    assert [value for *_, value, _unit, _location, _at in stored[:3]] == ["3.40", "-0.5", "12"]


def test_a_batch_the_database_refuses_is_rolled_back_and_written_event_by_event(
    database_url: str,
) -> None:
    # A ledger narrower than ingest expects: PostgreSQL refuses the third event's balance
    # (numeric overflow, a DataError) in the last round trip, with the events written.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION narrow_ledger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.qty > 1000000 THEN RAISE EXCEPTION 'balance % too large', NEW.qty "
            "USING ERRCODE = 'numeric_value_out_of_range'; END IF; RETURN NEW; END $$"
        )
        conn.execute("CREATE TRIGGER narrow BEFORE INSERT OR UPDATE ON ledger "
                     "FOR EACH ROW EXECUTE FUNCTION narrow_ledger()")  # fmt: skip
    chain = AgentChain()
    chain.add([received("L1", "2"), consumed("L1", "10"), received("L2", "999999"),
               probe("3.5", 0), consumed("L1", "5")])  # fmt: skip
    batch = decode(batch_body(chain.agent, chain.events), agent=chain.agent, site=chain.site,
                   max_bytes=1 << 24)  # fmt: skip

    async def run() -> IngestAck:
        async with plain_pool(database_url) as pool:
            mode = read_storage_mode(database_url)
            return await store_batch(pool, ReadingPartitions(mode), batch,
                                     maintain_rollup=mode is StorageMode.PARTITIONED)  # fmt: skip

    ack = asyncio.run(run())

    assert (ack.acked_seq, ack.stored, ack.duplicates) == (5, 5, 0)
    assert list(ack.unreadable) == [3]
    assert ack.unreadable[3].startswith("not storable: NumericValueOutOfRange")
    with psycopg.connect(database_url) as conn:
        types = conn.execute("SELECT seq, type FROM events ORDER BY seq").fetchall()
        ledger = conn.execute("SELECT lot, qty::text FROM ledger ORDER BY lot").fetchall()
        readings = conn.execute("SELECT count(*) FROM readings").fetchone()
        head = conn.execute("SELECT last_seq FROM agent_heads").fetchone()
    assert [kind for _, kind in types] == ["lot.received", "stock.consumed", "event.unreadable",
                                           "reading.recorded", "stock.consumed"]  # fmt: skip
    assert ledger == [("L1", "1985")]
    assert readings == (1,)
    assert head == (5,)
