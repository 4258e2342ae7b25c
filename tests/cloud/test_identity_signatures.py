"""Signed sync over real HTTP: every forged, replayed, stale or misdirected request is
refused with 401/403 and stores nothing; the hash chain still catches what a valid
signature cannot (reordered, altered or missing events)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest
from psycopg import AsyncConnection

from cloud.identity.signed import NONCE_MEMORY
from cloud.identity.store import remember_nonce
from domain.events import event_hash
from edge_agent.identity import AgentKey
from tests.cloud.builders import (
    AgentChain,
    batch_body,
    consumed,
    enrol_agent,
    get_head,
    post_batch,
    post_events,
    received,
    signer,
)
from tests.cloud.live import database_of
from tests.cloud.queries import count, stored_seqs

PATH = "/v1/agents/agent-1/events"
GZIP = {"Content-Encoding": "gzip", "Content-Type": "application/json"}


@pytest.fixture
def device(api_url: str) -> Iterator[httpx.Client]:
    """A client with no person's credentials: what a device has."""
    with httpx.Client(base_url=api_url, timeout=30) as http:
        yield http


def first_batch(device: httpx.Client) -> tuple[AgentChain, bytes]:
    """agent-1 enrolled with one stored event, and the body of its next two events."""
    chain = AgentChain()
    chain.add([received("L1", "5")])
    assert post_events(device, chain.agent, chain.events).status_code == 200
    fresh = chain.add([consumed("L1", "10"), consumed("L1", "20")])
    return chain, batch_body(chain.agent, fresh)


def send(device: httpx.Client, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return device.post(PATH, content=body, headers=GZIP | headers)


def assert_refused(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.json()["acked_seq"] is None  # nothing about the chain to a stranger


def test_an_unsigned_batch_is_refused(device: httpx.Client, database_url: str) -> None:
    _, body = first_batch(device)

    response = send(device, body, {})

    assert_refused(response, 401, "unsigned")
    assert "Signature-Input" in response.json()["message"]
    assert stored_seqs(database_url, "agent-1") == [1]


def test_a_forged_signature_is_refused(device: httpx.Client, database_url: str) -> None:
    _, body = first_batch(device)
    headers = signer("agent-1").sign_request("POST", PATH, body)
    raw = bytearray(base64.b64decode(headers["Signature"].split(":")[1]))
    raw[0] ^= 1
    headers["Signature"] = f"edgestock=:{base64.b64encode(bytes(raw)).decode()}:"

    assert_refused(send(device, body, headers), 401, "bad_signature")
    assert stored_seqs(database_url, "agent-1") == [1]


def test_a_body_changed_after_signing_is_refused(device: httpx.Client) -> None:
    chain, body = first_batch(device)
    headers = signer("agent-1").sign_request("POST", PATH, body)
    other = batch_body(chain.agent, chain.add([consumed("L1", "1")]))

    assert_refused(send(device, other, headers), 401, "digest_mismatch")


def test_a_replayed_request_is_refused(device: httpx.Client, database_url: str) -> None:
    _, body = first_batch(device)
    headers = signer("agent-1").sign_request("POST", PATH, body)

    assert send(device, body, headers).status_code == 200
    again = send(device, body, headers)

    assert_refused(again, 401, "replayed")
    assert stored_seqs(database_url, "agent-1") == [1, 2, 3]


def test_a_request_forgets_its_own_agents_expired_nonces_only(database_url: str) -> None:
    """Nonces are kept for ``NONCE_MEMORY``; each request prunes its own agent's older ones
    (by the (agent, seen_at) index), never another agent's."""

    async def remember(agent: str, nonce: str) -> bool:
        async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
            return await remember_nonce(conn, agent, nonce, NONCE_MEMORY)

    old = datetime.now(UTC) - NONCE_MEMORY - timedelta(seconds=5)
    assert asyncio.run(remember("agent-a", "old-a"))
    assert asyncio.run(remember("agent-b", "old-b"))
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE agent_nonces SET seen_at = %s", (old,))
    assert asyncio.run(remember("agent-a", "fresh-a"))
    assert not asyncio.run(remember("agent-a", "fresh-a"))  # seen within the window

    with psycopg.connect(database_url) as conn:
        kept = conn.execute("SELECT agent, nonce FROM agent_nonces ORDER BY 1, 2").fetchall()
    assert kept == [("agent-a", "fresh-a"), ("agent-b", "old-b")]


def test_a_stale_signature_is_refused(device: httpx.Client) -> None:
    _, body = first_batch(device)
    headers = signer("agent-1").sign_request("POST", PATH, body, now=time.time() - 600)

    response = send(device, body, headers)

    assert_refused(response, 401, "stale_signature")


def test_a_batch_signed_by_another_agents_key_is_refused(
    device: httpx.Client, database_url: str
) -> None:
    _, body = first_batch(device)
    enrol_agent(database_of(str(device.base_url)), "agent-2")
    headers = signer("agent-2").sign_request("POST", PATH, body)  # a valid key, not agent-1's

    assert_refused(send(device, body, headers), 401, "unknown_key")
    assert stored_seqs(database_url, "agent-1") == [1]


def test_a_signature_for_another_path_is_refused(device: httpx.Client) -> None:
    _, body = first_batch(device)
    headers = signer("agent-1").sign_request("POST", "/v1/agents/agent-9/events", body)

    assert_refused(send(device, body, headers), 401, "bad_signature")


def test_an_agent_that_was_never_enrolled_is_refused(device: httpx.Client) -> None:
    body = batch_body("stranger", [])
    headers = signer("stranger").sign_request("POST", "/v1/agents/stranger/events", body)

    response = device.post("/v1/agents/stranger/events", content=body, headers=GZIP | headers)

    assert_refused(response, 401, "unknown_agent")


def test_a_signature_in_another_profile_is_refused(device: httpx.Client) -> None:
    _, body = first_batch(device)
    headers = signer("agent-1").sign_request("POST", PATH, body)
    headers["Signature-Input"] = headers["Signature-Input"].replace('"@path" ', "")

    response = send(device, body, headers)

    assert_refused(response, 401, "bad_signature_input")


def test_an_agent_cannot_write_another_sites_events(
    device: httpx.Client, database_url: str
) -> None:
    chain = AgentChain(agent="agent-1", site="site-2")  # enrolled at site-1
    enrol_agent(database_of(str(device.base_url)), "agent-1", "site-1")
    chain.add([received("L1", "5")])

    response = post_events(device, chain.agent, chain.events)

    assert response.status_code == 403
    assert response.json()["error"] == "wrong_site"
    assert count(database_url, "events") == 0


def test_the_head_is_told_to_the_agent_only(device: httpx.Client) -> None:
    chain, _ = first_batch(device)

    assert device.get("/v1/agents/agent-1/head").status_code == 401
    assert get_head(device, chain.agent).json() == {"acked_seq": 1, "hash": chain.events[0].hash}


def test_reordered_events_with_a_valid_signature_are_refused(
    device: httpx.Client, database_url: str
) -> None:
    chain, _ = first_batch(device)
    second, third = chain.events[1:]

    response = post_events(device, chain.agent, [third, second])

    assert response.status_code == 422
    assert response.json()["error"] == "not_in_order"
    assert stored_seqs(database_url, "agent-1") == [1]


def test_an_event_deleted_from_the_middle_is_refused(
    device: httpx.Client, database_url: str
) -> None:
    chain, _ = first_batch(device)
    chain.add([consumed("L1", "1")])
    _, second, _, fourth = chain.events
    # seq 3 taken out and seq 4 renumbered: a consistent-looking event whose prev is wrong
    body = {**fourth.body(), "seq": 3}
    renumbered = dataclasses.replace(fourth, seq=3, hash=event_hash(body))

    response = post_events(device, chain.agent, [second, renumbered])

    assert response.status_code == 409
    assert (response.json()["error"], response.json()["seq"]) == ("chain_fork", 3)
    assert stored_seqs(database_url, "agent-1") == [1]


def test_signing_a_body_is_deterministic_apart_from_time_and_nonce() -> None:
    key: AgentKey = signer("agent-1")
    one = key.sign_request("POST", PATH, b"x", now=1_000_000)
    two = key.sign_request("POST", PATH, b"x", now=1_000_000)

    assert one["Content-Digest"] == two["Content-Digest"]
    assert one["Signature-Input"] != two["Signature-Input"]  # a fresh nonce each time
    assert 'keyid="' + key.keyid + '"' in one["Signature-Input"]


def test_a_raw_batch_for_an_enrolled_agent_still_gets_batch_refusals(
    device: httpx.Client,
) -> None:
    response = post_batch(device, "agent-1", b"not gzip")

    assert response.status_code == 400
    assert response.json()["error"] == "bad_encoding"
