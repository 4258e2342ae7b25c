"""A site's events over HTTP: the audit trail by type and time, newest first."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.cloud.builders import DAY, AgentChain, consumed, post_events, reading, received


def test_events_are_listed_newest_first_and_filtered_by_type_and_time(
    client: httpx.Client,
) -> None:
    chain = AgentChain()
    chain.add([
        received("L1", "500"),
        reading("3.1", at=DAY + timedelta(minutes=1)),
        reading("3.4", at=DAY + timedelta(minutes=2)),
        consumed("L1", "100"),
    ])  # fmt: skip
    assert post_events(client, chain.agent, chain.events).status_code == 200

    everything = client.get(f"/v1/sites/{chain.site}/events").json()["events"]
    assert len(everything) == 4
    assert [e["at"] for e in everything] == sorted((e["at"] for e in everything), reverse=True)

    readings = client.get(
        f"/v1/sites/{chain.site}/events",
        params={"type": "reading.recorded", "from": (DAY + timedelta(minutes=2)).isoformat()},
    ).json()["events"]
    assert [(e["type"], e["data"]["value"]) for e in readings] == [("reading.recorded", "3.4")]

    both = client.get(
        f"/v1/sites/{chain.site}/events",
        params=[("type", "lot.received"), ("type", "stock.consumed"), ("limit", "1")],
    ).json()["events"]
    assert len(both) == 1


def test_an_unknown_type_is_refused_with_the_known_ones(client: httpx.Client) -> None:
    response = client.get("/v1/sites/s/events", params={"type": "stock.stolen"})
    assert response.status_code == 422
    assert "unknown event types ['stock.stolen']" in response.json()["detail"]
