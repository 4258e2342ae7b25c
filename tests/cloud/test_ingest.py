"""Ingest over real HTTP: batches stored once, the ledger equal to the domain fold."""

from __future__ import annotations

import httpx
import psycopg

from cloud.migrate import read_storage_mode
from domain.events import GENESIS
from tests.cloud.builders import (
    AgentChain,
    consumed,
    counted,
    get_head,
    post_events,
    reading,
    received,
)
from tests.cloud.queries import count, folded, stock_by_key, stored_seqs


def kitchen_day(chain: AgentChain) -> None:
    chain.add([
        received("L1", "2.5"),
        received("L2", "1", item="rice", loc="dry-1", unit="kg"),
        reading("3.4"),
        consumed("L1", "300"),
        consumed("L1", "0.2", unit="kg"),
        reading("3.6"),
        counted("L2", "950", item="rice", loc="dry-1"),
        consumed("L2", "50", item="rice", loc="dry-1"),
    ])  # fmt: skip


def test_a_batch_is_stored_and_folded_like_the_edge(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    kitchen_day(chain)

    response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 200, response.text
    assert response.json() == {"acked_seq": 8, "stored": 8, "duplicates": 0, "unreadable": []}
    assert stored_seqs(database_url, chain.agent) == list(range(1, 9))
    assert count(database_url, "readings") == 2
    assert stock_by_key(client, chain.site) == folded(chain.events)
    head = get_head(client, chain.agent).json()
    assert head == {"acked_seq": 8, "hash": chain.events[-1].hash}


def test_batches_in_sequence_fold_to_the_same_ledger(client: httpx.Client) -> None:
    chain = AgentChain()
    kitchen_day(chain)
    more = chain.add([consumed("L1", "1000"), received("L3", "4"), counted("L1", "500")])

    assert post_events(client, chain.agent, chain.events[:8]).status_code == 200
    response = post_events(client, chain.agent, more)

    assert response.json() == {"acked_seq": 11, "stored": 3, "duplicates": 0, "unreadable": []}
    assert stock_by_key(client, chain.site) == folded(chain.events)


def test_stored_events_keep_their_exact_content(client: httpx.Client, database_url: str) -> None:
    chain = AgentChain()
    kitchen_day(chain)
    post_events(client, chain.agent, chain.events)

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id::text, seq, site, type, data, prev, hash FROM events ORDER BY seq"
        ).fetchall()
    assert rows == [(e.id, e.seq, e.site, e.type, e.data, e.prev, e.hash) for e in chain.events]


def test_a_replayed_batch_doubles_nothing(client: httpx.Client, database_url: str) -> None:
    chain = AgentChain()
    kitchen_day(chain)
    post_events(client, chain.agent, chain.events)

    again = post_events(client, chain.agent, chain.events)

    assert again.status_code == 200
    assert again.json() == {"acked_seq": 8, "stored": 0, "duplicates": 8, "unreadable": []}
    assert count(database_url, "events") == 8
    assert count(database_url, "readings") == 2
    assert stock_by_key(client, chain.site) == folded(chain.events)


def test_an_overlapping_batch_stores_only_the_new_half(
    client: httpx.Client, database_url: str
) -> None:
    chain = AgentChain()
    kitchen_day(chain)
    chain.add([consumed("L1", "100"), reading("4.0"), consumed("L2", "10", item="rice",
               loc="dry-1")])  # fmt: skip
    post_events(client, chain.agent, chain.events[:6])

    response = post_events(client, chain.agent, chain.events[3:])

    assert response.json() == {"acked_seq": 11, "stored": 5, "duplicates": 3, "unreadable": []}
    assert stored_seqs(database_url, chain.agent) == list(range(1, 12))
    assert count(database_url, "readings") == 3
    assert stock_by_key(client, chain.site) == folded(chain.events)


def test_lots_are_recorded_with_their_expiry(client: httpx.Client, database_url: str) -> None:
    chain = AgentChain()
    kitchen_day(chain)
    post_events(client, chain.agent, chain.events)

    with psycopg.connect(database_url) as conn:
        lots = conn.execute(
            "SELECT site, lot, item, expires_on::text FROM lots ORDER BY lot"
        ).fetchall()
    assert lots == [
        ("site-1", "L1", "chicken", "2026-11-30"),
        ("site-1", "L2", "rice", "2026-11-30"),
    ]


def test_stock_can_be_filtered_by_item(client: httpx.Client) -> None:
    chain = AgentChain()
    kitchen_day(chain)
    post_events(client, chain.agent, chain.events)

    lines = client.get(f"/v1/sites/{chain.site}/stock", params={"item": "rice"}).json()["lines"]

    assert lines == [{"item": "rice", "lot": "L2", "location": "dry-1", "qty": "900",
                      "unit": "g", "held": None}]  # fmt: skip


def test_an_unknown_agent_is_at_the_start_of_its_chain(client: httpx.Client) -> None:
    head = get_head(client, "nobody-yet")

    assert head.json() == {"acked_seq": 0, "hash": GENESIS}


def test_an_empty_batch_is_acknowledged_at_the_head(client: httpx.Client) -> None:
    response = post_events(client, "agent-1", [])

    assert response.json() == {"acked_seq": 0, "stored": 0, "duplicates": 0, "unreadable": []}


def test_health_and_docs(client: httpx.Client, database_url: str) -> None:
    assert client.get("/healthz").json() == {
        "status": "ok", "database": "ok", "storage_mode": read_storage_mode(database_url).value
    }  # fmt: skip
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/agents/{agent}/events" in paths
