"""One bad event never blocks a chain (issue 9, finding 2).

An event the agent sealed and signed, whose chain links are sound but whose payload the
cloud cannot use (a NUL in a label, the year 9999, ``1E+200000``, a posting the ledger
refuses), used to fail the whole batch with a 500 or a 422 that the agent retried forever.
It is now stored unreadable: its bytes kept, the chain unbroken, the ledger without it, an
operator told, and the events after it stored.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import httpx
import psycopg
from psycopg_pool import AsyncConnectionPool

from cloud.identity.audit import audit_site
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.plan import UNREADABLE_TYPE, rows_of
from cloud.ingest.service import IngestAck, store_batch
from cloud.migrate import StorageMode, read_storage_mode
from domain.events import GENESIS, Event, event_hash, format_at
from domain.ids import uuid7
from tests.cloud.builders import (
    DAY,
    AgentChain,
    consumed,
    get_head,
    post_events,
    reading,
    received,
)
from tests.cloud.queries import count, folded, stock_by_key, stored_seqs


def sealed_as_sent(chain: AgentChain, kind: str, data: dict[str, Any], at: str = "") -> Event:
    """An event sealed and chained as an agent without today's validation sealed it."""
    prev = chain.events[-1].hash if chain.events else GENESIS
    body = {"id": uuid7(), "agent": chain.agent, "seq": len(chain.events) + 1,
            "site": chain.site, "type": kind, "at": at or format_at(DAY), "data": data,
            "prev": prev}  # fmt: skip
    event = Event(**body, hash=event_hash(body))
    chain.events.append(event)
    return event


def reading_data(**changes: str) -> dict[str, Any]:
    return {"device": "probe-1", "metric": "air_temp", "value": "4.5", "unit": "°C",
            "location": "cold-1"} | changes  # fmt: skip


def unreadable_rows(database_url: str, agent: str) -> list[tuple[int, str, str, bytes]]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT seq, type, reason, body FROM unreadable_events WHERE agent = %s ORDER BY seq",
            (agent,),
        ).fetchall()
    return [(int(seq), str(kind), str(reason), bytes(body)) for seq, kind, reason, body in rows]


def event_types(database_url: str, agent: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT type FROM events WHERE agent = %s ORDER BY seq", (agent,)
        ).fetchall()
    return [str(kind) for (kind,) in rows]


def readable(chain: AgentChain, *unreadable: int) -> list[Event]:
    return [event for event in chain.events if event.seq not in unreadable]


def test_a_nul_in_a_label_is_stored_unreadable_and_the_events_after_it_sync(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    chain.add([received("L1", "5")])
    bad = sealed_as_sent(chain, "reading.recorded", reading_data(device="bad\x00label"))
    chain.add([consumed("L1", "100"), reading("3.4")])

    response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 200, response.text
    assert response.json() == {"acked_seq": 4, "stored": 4, "duplicates": 0, "unreadable": [2]}
    assert stored_seqs(database_url, chain.agent) == [1, 2, 3, 4]
    assert event_types(database_url, chain.agent)[1] == UNREADABLE_TYPE
    ((seq, kind, reason, body),) = unreadable_rows(database_url, chain.agent)
    assert (seq, kind) == (2, "reading.recorded")
    assert "data.device" in reason
    assert "U+0000" in reason
    assert body == bad.to_json()  # the bytes the agent sealed, NUL and all
    assert count(database_url, "readings") == 1  # seq 4's; none of seq 2
    assert stock_by_key(client, chain.site) == folded(readable(chain, 2))
    assert get_head(client, chain.agent).json() == {"acked_seq": 4, "hash": chain.events[-1].hash}


def test_an_event_dated_year_9999_is_stored_unreadable(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    chain.add([received("L1", "5")])
    lot = received("L9", "1").payload.model_dump(mode="json", exclude_none=True)
    sealed_as_sent(chain, "lot.received", lot, at="9999-12-31T23:59:59.999999Z")
    sealed_as_sent(chain, "lot.received", lot | {"lot": "L8", "expires_on": "9999-12-31"})
    chain.add([consumed("L1", "100")])

    response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 200, response.text
    assert response.json()["unreadable"] == [2, 3]
    reasons = {seq: reason for seq, _, reason, _ in unreadable_rows(database_url, chain.agent)}
    assert reasons[2].startswith("at: ")
    assert "9999-12-31" in reasons[2]
    assert "data.expires_on" in reasons[3]
    assert stock_by_key(client, chain.site) == folded(readable(chain, 2, 3))
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM lots WHERE lot IN ('L8', 'L9')").fetchone() == (
            0,
        )


def test_a_time_ahead_of_the_clouds_clock_is_unreadable_within_tolerance_it_is_not(
    client: httpx.Client, database_url: str
) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    chain = AgentChain()
    data = reading_data()
    sealed_as_sent(chain, "reading.recorded", data, at=format_at(now + timedelta(hours=24)))
    sealed_as_sent(chain, "reading.recorded", data, at=format_at(now + timedelta(hours=26)))

    response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 200, response.text
    assert response.json()["unreadable"] == [2]  # 24 h ahead: the agent's own window
    assert count(database_url, "readings") == 1


def test_a_value_of_1e200000_is_stored_unreadable(client: httpx.Client, database_url: str) -> None:
    chain = AgentChain()
    sealed_as_sent(chain, "reading.recorded", reading_data(value="1E+200000"))
    sealed_as_sent(chain, "stock.counted", {"item": "chicken", "lot": "L1", "location": "cold-1",
                                            "qty": "1E+200000", "unit": "g"})  # fmt: skip
    chain.add([reading("3.5")])

    response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 200, response.text
    assert response.json()["unreadable"] == [1, 2]
    reasons = [reason for _, _, reason, _ in unreadable_rows(database_url, chain.agent)]
    assert "data.value" in reasons[0]
    assert "out of range" in reasons[0]
    assert "data.qty" in reasons[1]
    assert stock_by_key(client, chain.site) == {}
    assert count(database_url, "readings") == 1


def test_an_event_the_ledger_cannot_post_is_stored_unreadable_and_skipped(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    chain.add([received("L1", "5"), consumed("L1", "1", unit="ml"), consumed("L1", "200")])

    response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 200, response.text
    assert response.json()["unreadable"] == [2]
    ((seq, kind, reason, _),) = unreadable_rows(database_url, chain.agent)
    assert (seq, kind) == (2, "stock.consumed")
    assert reason.startswith("ledger: ")
    assert stock_by_key(client, chain.site) == folded(readable(chain, 2))


def test_later_batches_continue_the_chain_and_a_resent_batch_adds_nothing(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    chain.add([received("L1", "5")])
    sealed_as_sent(chain, "reading.recorded", reading_data(device="\x00"))
    assert post_events(client, chain.agent, chain.events).status_code == 200

    again = post_events(client, chain.agent, chain.events)
    more = chain.add([consumed("L1", "10"), consumed("L1", "20")])
    after = post_events(client, chain.agent, more)

    assert again.json() == {"acked_seq": 2, "stored": 0, "duplicates": 2, "unreadable": []}
    assert after.json() == {"acked_seq": 4, "stored": 2, "duplicates": 0, "unreadable": []}
    assert len(unreadable_rows(database_url, chain.agent)) == 1
    assert stock_by_key(client, chain.site) == folded(readable(chain, 2))


def test_an_operator_lists_unreadable_events_per_site_and_agent(client: httpx.Client) -> None:
    first, second = AgentChain(agent="agent-1"), AgentChain(agent="agent-2")
    for chain in (first, second):
        sealed_as_sent(chain, "reading.recorded", reading_data(unit="°\x07C"))
        sealed_as_sent(chain, "device.exploded", {"device": "probe-1"})
        assert post_events(client, chain.agent, chain.events).status_code == 200

    everything = client.get("/v1/agents/sites/site-1/unreadable")
    one = client.get("/v1/agents/sites/site-1/unreadable", params={"agent": "agent-2"})

    assert everything.status_code == 200, everything.text
    assert everything.json()["count"] == 4
    listed = one.json()
    assert listed["count"] == 2
    assert [(e["agent"], e["seq"], e["type"]) for e in listed["events"]] == [
        ("agent-2", 2, "device.exploded"),
        ("agent-2", 1, "reading.recorded"),
    ]
    assert "unknown event type 'device.exploded'" in listed["events"][0]["reason"]
    assert "U+0007" in listed["events"][1]["reason"]


def test_the_unreadable_list_needs_a_signed_in_caller(api_url: str) -> None:
    with httpx.Client(base_url=api_url) as stranger:
        assert stranger.get("/v1/agents/sites/site-1/unreadable").status_code == 401


def test_a_value_postgresql_refuses_that_validation_let_through_is_stored_unreadable(
    database_url: str,
) -> None:
    """Defence in depth: should a payload pass validation yet fail its database write (as a
    NUL did before), the batch is written again event by event and that one is kept
    unreadable with the database's reason, instead of the whole batch failing."""
    chain = AgentChain()
    good = chain.add([received("L1", "5"), reading("3.5"), consumed("L1", "10")])
    body = {**good[1].body(), "data": reading_data(device="nul\x00inside")}
    slipped = dataclasses.replace(good[1], data=body["data"], hash=event_hash(body))
    relinked = dataclasses.replace(good[2], prev=slipped.hash)
    relinked = dataclasses.replace(relinked, hash=event_hash(relinked.body()))
    batch = rows_of(chain.agent, [good[0], slipped, relinked])
    assert slipped.unreadable is None  # it reached storage as readable

    ack = asyncio.run(_store(database_url, batch))

    assert (ack.acked_seq, ack.stored) == (3, 3)
    assert list(ack.unreadable) == [2]
    assert "UntranslatableCharacter" in ack.unreadable[2]
    assert stored_seqs(database_url, chain.agent) == [1, 2, 3]
    assert count(database_url, "readings") == 0
    with psycopg.connect(database_url) as conn:
        qty = conn.execute("SELECT qty, unit FROM ledger WHERE lot = 'L1'").fetchone()
    assert qty is not None
    assert (str(qty[0]), qty[1]) == ("4990", "g")


async def _store(database_url: str, batch: Any) -> IngestAck:
    async with AsyncConnectionPool(database_url, min_size=1, max_size=1, open=False) as pool:
        mode = read_storage_mode(database_url)  # partitioned, or timescale on such a server
        partitions = ReadingPartitions(mode)
        return await store_batch(
            pool, partitions, batch, maintain_rollup=mode is StorageMode.PARTITIONED
        )


def test_verify_finds_a_chain_with_an_unreadable_event_intact_and_its_bytes_guarded(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    chain.add([received("L1", "5")])
    sealed_as_sent(chain, "reading.recorded", reading_data(device="bad\x00label"))
    chain.add([consumed("L1", "100")])
    assert post_events(client, chain.agent, chain.events).status_code == 200

    assert audit_site(database_url, chain.site).intact
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "UPDATE unreadable_events SET body = "
            "convert_to(replace(convert_from(body, 'UTF8'), 'bad', 'good'), 'UTF8') WHERE seq = 2"
        )
    (broken,) = audit_site(database_url, chain.site).broken
    assert (broken.agent, broken.seq) == (chain.agent, 2)
