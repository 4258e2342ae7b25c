"""Refused batches: refused whole, with a status and a body that say what and where."""

from __future__ import annotations

import dataclasses
import gzip

import httpx
import orjson

from domain.events import event_hash
from tests.cloud.builders import (
    AgentChain,
    batch_body,
    consumed,
    enrol_agent,
    get_head,
    post_batch,
    post_events,
    received,
    signed,
)
from tests.cloud.live import database_of
from tests.cloud.queries import count, folded, stock_by_key, stored_seqs


def stored_chain(client: httpx.Client, size: int = 4) -> AgentChain:
    chain = AgentChain()
    chain.add([received("L1", "5")] + [consumed("L1", "100") for _ in range(size - 1)])
    assert post_events(client, chain.agent, chain.events).status_code == 200
    return chain


def assert_nothing_more_stored(client: httpx.Client, database_url: str, chain: AgentChain,
                               held: int) -> None:  # fmt: skip
    assert stored_seqs(database_url, chain.agent) == list(range(1, held + 1))
    assert stock_by_key(client, chain.site) == folded(chain.events[:held])
    head = get_head(client, chain.agent).json()
    assert head["acked_seq"] == held


def test_a_gap_is_refused_naming_the_seq_expected(client: httpx.Client, database_url: str) -> None:
    chain = stored_chain(client)
    chain.add([consumed("L1", "1") for _ in range(4)])

    response = post_events(client, chain.agent, chain.events[5:])

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "chain_gap"
    assert body["seq"] == 5
    assert body["acked_seq"] == 4
    assert "expected seq 5" in body["message"]
    assert_nothing_more_stored(client, database_url, chain, held=4)


def test_a_fork_is_refused(client: httpx.Client, database_url: str) -> None:
    chain = stored_chain(client)
    other = AgentChain()
    other.add([received("X", "1") for _ in range(5)])  # same agent, another history

    response = post_events(client, chain.agent, other.events[4:])

    assert response.status_code == 409
    assert response.json()["error"] == "chain_fork"
    assert response.json()["seq"] == 5
    assert_nothing_more_stored(client, database_url, chain, held=4)


def test_a_different_event_at_a_stored_seq_is_a_fork(
    client: httpx.Client, database_url: str
) -> None:
    chain = stored_chain(client)
    other = AgentChain()
    other.add([received("X", "1") for _ in range(6)])

    response = post_events(client, chain.agent, other.events[2:])

    assert response.status_code == 409
    assert response.json()["error"] == "chain_fork"
    assert response.json()["seq"] == 3
    assert count(database_url, "events") == 4


def test_a_tampered_event_refuses_the_whole_batch(client: httpx.Client, database_url: str) -> None:
    chain = stored_chain(client)
    fresh = chain.add([consumed("L1", "10") for _ in range(4)])
    forged_data = {**fresh[2].data, "qty": "1"}
    forged = dataclasses.replace(fresh[2], data=forged_data)  # hash kept: it no longer matches

    response = post_events(client, chain.agent, [fresh[0], fresh[1], forged, fresh[3]])

    assert response.status_code == 409
    body = response.json()
    assert (body["error"], body["seq"], body["acked_seq"]) == ("hash_mismatch", 7, 4)
    assert_nothing_more_stored(client, database_url, chain, held=4)


def test_altered_prev_with_a_consistent_hash_is_a_fork(client: httpx.Client) -> None:
    chain = stored_chain(client)
    (fresh,) = chain.add([consumed("L1", "10")])
    body = {**fresh.body(), "prev": "f" * 64}
    relinked = dataclasses.replace(fresh, prev="f" * 64, hash=event_hash(body))

    response = post_events(client, chain.agent, [relinked])

    assert response.status_code == 409
    assert response.json()["error"] == "chain_fork"


def test_a_body_that_is_not_gzip_is_refused(client: httpx.Client, database_url: str) -> None:
    response = post_batch(client, "agent-1", b'{"agent": "agent-1", "events": []}')

    assert response.status_code == 400
    assert response.json()["error"] == "bad_encoding"
    assert response.json()["acked_seq"] == 0


def test_gzip_of_something_that_is_not_json_is_refused(client: httpx.Client) -> None:
    response = post_batch(client, "agent-1", gzip.compress(b"{not json"))

    assert response.status_code == 400
    assert response.json()["error"] == "bad_json"


def test_a_batch_without_content_encoding_is_refused(client: httpx.Client) -> None:
    enrol_agent(database_of(str(client.base_url)), "agent-1")
    body = batch_body("agent-1", [])
    response = signed(client, "POST", "/v1/agents/agent-1/events", "agent-1", body)

    assert response.status_code == 400
    assert "Content-Encoding" in response.json()["message"]


def test_an_envelope_error_names_the_field_and_stores_nothing(
    client: httpx.Client, database_url: str
) -> None:
    chain = stored_chain(client)
    fresh = chain.add([consumed("L1", "10") for _ in range(3)])
    documents = [e.to_dict() for e in fresh]
    del documents[1]["site"]
    raw = orjson.dumps({"agent": chain.agent, "events": documents})

    response = post_batch(client, chain.agent, gzip.compress(raw))

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_event"
    assert body["seq"] == 6
    assert "missing site" in body["message"]
    assert_nothing_more_stored(client, database_url, chain, held=4)


def test_a_bad_value_under_the_old_hash_is_refused_as_tampering(
    client: httpx.Client, database_url: str
) -> None:
    """A payload that breaks its schema *and* its hash was altered after sealing: refused.
    (One that breaks its schema under a matching hash is stored unreadable instead:
    tests/cloud/test_unreadable_events.py.)"""
    chain = stored_chain(client)
    fresh = chain.add([consumed("L1", "10") for _ in range(3)])
    documents = [e.to_dict() for e in fresh]
    documents[1]["data"] = {**documents[1]["data"], "qty": "-3"}
    raw = orjson.dumps({"agent": chain.agent, "events": documents})

    response = post_batch(client, chain.agent, gzip.compress(raw))

    assert response.status_code == 409
    body = response.json()
    assert (body["error"], body["seq"]) == ("hash_mismatch", 6)
    assert_nothing_more_stored(client, database_url, chain, held=4)


def test_a_batch_for_another_agent_is_refused(client: httpx.Client) -> None:
    chain = AgentChain(agent="agent-2")
    chain.add([received("L1", "1")])

    response = post_batch(client, "agent-1", batch_body(chain.agent, chain.events))

    assert response.status_code == 422
    assert response.json()["error"] == "wrong_agent"


def test_a_body_over_the_limit_is_refused(database_url: str) -> None:
    from cloud.settings import CloudSettings
    from tests.cloud.live import running_api

    settings = CloudSettings(database_url=database_url, max_batch_bytes=1000)
    chain = AgentChain()
    chain.add([received(f"L{i}", "1") for i in range(50)])
    with running_api(settings) as url, httpx.Client(base_url=url) as client:
        response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert count(database_url, "events") == 0


def test_a_body_that_inflates_past_the_limit_is_refused(database_url: str) -> None:
    from cloud.settings import CloudSettings
    from tests.cloud.live import running_api

    settings = CloudSettings(database_url=database_url, max_batch_decoded_bytes=2000)
    chain = AgentChain()
    chain.add([received("L1", "1") for _ in range(20)])
    with running_api(settings) as url, httpx.Client(base_url=url) as client:
        response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 413
    assert "exceeds 2000" in response.json()["message"]


def test_an_id_that_is_not_a_uuid_is_named(client: httpx.Client) -> None:
    chain = AgentChain()
    (event,) = chain.add([received("L1", "1")])
    body = {**event.body(), "id": "not-a-uuid"}
    bad = dataclasses.replace(event, id="not-a-uuid", hash=event_hash(body))

    response = post_events(client, chain.agent, [bad])

    assert response.status_code == 422
    assert (response.json()["seq"], response.json()["error"]) == (1, "invalid_event")
    assert "not a UUID" in response.json()["message"]
