"""``verify`` checks each chain against the batches its agent signed: a chain rewritten
wholesale, with every hash recomputed, passes the hash check and is still found."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import httpx
import orjson
import psycopg
import pytest

from cloud.identity.audit import audit_site
from domain.events import event_hash, format_at
from tests.cloud.builders import AgentChain, consumed, post_events, received
from tests.cloud.test_identity_verify import verify


@pytest.fixture
def stored(client: httpx.Client) -> AgentChain:
    """agent-1 of site-1 with six events sent in three batches of two."""
    chain = AgentChain()
    for drafts in ([received("L1", "5"), consumed("L1", "300")],
                   [consumed("L1", "20"), consumed("L1", "0.2")],
                   [consumed("L1", "10"), consumed("L1", "1")]):  # fmt: skip
        assert post_events(client, chain.agent, chain.add(drafts)).status_code == 200
    return chain


def rewrite_from(database_url: str, agent: str, seq: int, qty: str) -> None:
    """What someone with write access to the database but not the agent's key can do: change
    an event, then recompute its hash and every later prev and hash, and the head."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT seq, id, site, type, at, data, prev FROM events WHERE agent = %s "
            "ORDER BY seq", (agent,)
        ).fetchall()  # fmt: skip
        last = ""
        for row_seq, event_id, site, kind, at, data, prev in rows:
            if row_seq == seq:
                data = data | {"qty": qty}
            if row_seq >= seq:
                prev = last or prev
            body = {"id": str(event_id), "agent": agent, "seq": row_seq, "site": site,
                    "type": kind, "at": format_at(at), "data": data, "prev": prev}  # fmt: skip
            last = event_hash(body)
            if row_seq >= seq:
                conn.execute(
                    "UPDATE events SET data = %s, prev = %s, hash = %s "
                    "WHERE agent = %s AND seq = %s",
                    (orjson.dumps(data).decode(), prev, last, agent, row_seq),
                )
        conn.execute("UPDATE agent_heads SET last_hash = %s WHERE agent = %s", (last, agent))


def sql(database_url: str, statement: str, params: tuple[Any, ...] = ()) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(statement, params).rowcount


def test_each_stored_batch_is_kept_with_the_signature_and_the_site_verifies(
    database_url: str, stored: AgentChain
) -> None:
    with psycopg.connect(database_url) as conn:
        kept = conn.execute(
            "SELECT first_seq, last_seq, path, length(signature) FROM batch_signatures "
            "WHERE agent = 'agent-1' ORDER BY first_seq"
        ).fetchall()
    path = "/v1/agents/agent-1/events"
    assert kept == [(1, 2, path, 64), (3, 4, path, 64), (5, 6, path, 64)]

    done = verify(database_url)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("every chain intact")


def test_a_chain_rewritten_with_recomputed_hashes_is_found(
    database_url: str, stored: AgentChain
) -> None:
    rewrite_from(database_url, "agent-1", 3, "2")

    report = audit_site(database_url, "site-1")

    # the hash check alone is fooled: every stored hash is the hash of the stored event
    assert not [b for b in report.broken if "content altered" in b.problem]
    assert [(b.agent, b.seq) for b in report.broken] == [("agent-1", 3)]
    assert "not the event the agent signed" in report.broken[0].problem
    done = verify(database_url)
    assert done.returncode == 1
    assert "broken: agent agent-1, seq 3: not the event the agent signed" in done.stdout


def test_a_rewrite_that_also_drops_the_signatures_is_found(
    database_url: str, stored: AgentChain
) -> None:
    rewrite_from(database_url, "agent-1", 5, "2")
    assert sql(database_url, "DELETE FROM batch_signatures WHERE first_seq = 5") == 1

    (broken,) = audit_site(database_url, "site-1").broken

    assert (broken.agent, broken.seq) == ("agent-1", 5)
    assert broken.problem == "seqs 5-6 are covered by no signature the agent made"


def test_a_kept_body_replaced_by_a_rewritten_one_is_found(
    database_url: str, stored: AgentChain
) -> None:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT body FROM batch_signatures WHERE first_seq = 3").fetchone()
        assert row is not None
        forged = gzip.decompress(row[0]).replace(b'"qty":"20"', b'"qty":"2"')
        assert forged != gzip.decompress(row[0])
        conn.execute("UPDATE batch_signatures SET body = %s WHERE first_seq = 3",
                     (gzip.compress(forged),))  # fmt: skip

    (broken,) = audit_site(database_url, "site-1").broken

    assert (broken.agent, broken.seq) == ("agent-1", 3)
    assert "the kept body is not the body the agent signed" in broken.problem


def test_a_signature_of_another_key_is_found(database_url: str, stored: AgentChain) -> None:
    forged = base64.b64encode(bytes(64)).decode()
    sql(database_url, "UPDATE batch_signatures SET signature = decode(%s, 'base64') "
                      "WHERE first_seq = 1", (forged,))  # fmt: skip

    (broken,) = audit_site(database_url, "site-1").broken

    assert (broken.agent, broken.seq) == ("agent-1", 1)
    assert "the signature does not verify with key" in broken.problem


def test_batches_signed_by_a_retired_key_verify_inside_its_window_only(
    database_url: str, stored: AgentChain
) -> None:
    new_key = base64.b64encode(bytes(range(32))).decode()
    sql(database_url, "UPDATE agent_keys SET retired_at = now() WHERE agent = 'agent-1'")
    rotate = (
        "INSERT INTO agent_keys (keyid, agent, public_key) "
        "VALUES (repeat('b', 32), 'agent-1', decode(%s, 'base64'))"
    )
    sql(database_url, rotate, (new_key,))

    assert audit_site(database_url, "site-1").intact  # rotated: the old batches still count

    later = (
        "UPDATE agent_keys SET added_at = now() + interval '1 hour', "
        "retired_at = now() + interval '2 hours' WHERE keyid <> repeat('b', 32)"
    )
    sql(database_url, later)
    broken = audit_site(database_url, "site-1").broken
    assert [(b.agent, b.seq) for b in broken] == [("agent-1", 1)]
    assert "in force" in broken[0].problem


def test_the_cloud_kept_epcis_chain_is_noted_not_failed(database_url: str) -> None:
    chain = AgentChain(agent="epcis@site-1")
    chain.add([received("L9", "1")])
    event = chain.events[0]
    sql(database_url, "INSERT INTO events (agent, seq, id, site, type, at, data, prev, hash) "
                      "VALUES (%s, 1, %s, 'site-1', %s, %s, %s, %s, %s)",
        (event.agent, event.id, event.type, event.at,
         orjson.dumps(event.to_dict()["data"]).decode(), event.prev, event.hash))  # fmt: skip
    sql(database_url, "INSERT INTO agent_heads (agent, site, last_seq, last_hash) "
                      "VALUES (%s, 'site-1', 1, %s)", (event.agent, event.hash))  # fmt: skip

    report = audit_site(database_url, "site-1")

    assert report.intact, report.broken
    assert report.notes == [
        "agent epcis@site-1: sealed by the cloud (EPCIS capture), no agent signature"
    ]
