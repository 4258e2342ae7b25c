"""The cloud's /metrics over real HTTP: ingest outcomes, refusals, per-agent lag and
unreadable events as a scraper reads them, and the site's agent list."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.cloud.builders import AgentChain, consumed, post_events, received
from tests.cloud.test_unreadable_events import sealed_as_sent

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: httpx.Client) -> Samples:
    """Every sample of /metrics by (name, sorted labels)."""
    response = httpx.get(str(client.base_url.join("/metrics")), timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_ingest_outcomes_and_agent_lag_are_scraped(client: httpx.Client) -> None:
    before = scrape(client)
    chain = AgentChain()
    chain.add([received("L1", "2.5"), consumed("L1", "300")])
    assert post_events(client, chain.agent, chain.events).status_code == 200
    # the same events again are duplicates; a batch with a gap is refused whole
    assert post_events(client, chain.agent, chain.events).status_code == 200
    gap = chain.add([consumed("L1", "100"), consumed("L1", "100")])
    refused = post_events(client, chain.agent, gap[1:])
    assert refused.status_code == 409, refused.text

    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("edgestock_ingest_batches_total", outcome="stored") == 2
    assert grew("edgestock_ingest_batches_total", outcome="refused") == 1
    assert grew("edgestock_ingest_refusals_total", code="chain_gap") == 1
    assert grew("edgestock_ingest_events_stored_total") == 2
    assert grew("edgestock_ingest_events_duplicate_total") == 2
    labels = {"site": chain.site, "agent": chain.agent}
    assert value(after, "edgestock_cloud_agent_acked_seq", **labels) == 2
    assert value(after, "edgestock_cloud_agent_last_seen_timestamp_seconds", **labels) > 1.7e9
    # the builder's events happened on a fixed past day: they arrived days late
    assert value(after, "edgestock_cloud_agent_sync_lag_seconds", **labels) > 86400
    route = {"method": "POST", "route": "/v1/agents/{agent}/events", "status": "200"}
    assert grew("edgestock_http_request_seconds_count", **route) == 2


def test_unsigned_batches_are_counted_as_unauthorised(client: httpx.Client) -> None:
    before = scrape(client)
    response = httpx.post(
        str(client.base_url.join("/v1/agents/nobody/events")), content=b"x", timeout=10,
        headers={"content-encoding": "gzip"},
    )  # fmt: skip
    assert response.status_code == 401
    after = scrape(client)
    key = ("edgestock_ingest_batches_total", (("outcome", "unauthorised"),))
    assert after[key] - before.get(key, 0) == 1


def test_unreadable_events_per_site_are_scraped(client: httpx.Client) -> None:
    chain = AgentChain()
    chain.add([received("L1", "2.5")])
    sealed_as_sent(chain, "stock.consumed", {"item": "chicken\u0000", "lot": "L1"})
    response = post_events(client, chain.agent, chain.events)
    assert response.status_code == 200, response.text
    assert response.json()["unreadable"] == [2]

    samples = scrape(client)

    assert value(samples, "edgestock_cloud_site_unreadable_events", site=chain.site) >= 1
    assert value(samples, "edgestock_ingest_events_unreadable_total") >= 1


def test_a_site_lists_its_agents_with_last_seen_and_lag(client: httpx.Client) -> None:
    chain = AgentChain()
    chain.add([received("L1", "2.5"), consumed("L1", "300"), consumed("L1", "200")])
    assert post_events(client, chain.agent, chain.events).status_code == 200

    response = client.get(f"/v1/sites/{chain.site}/agents")

    assert response.status_code == 200, response.text
    mine = [a for a in response.json() if a["agent"] == chain.agent]
    assert len(mine) == 1
    assert mine[0]["acked_seq"] == 3
    assert mine[0]["last_seen"] is not None
    assert mine[0]["sync_lag_s"] > 86400
    assert httpx.get(str(client.base_url.join(f"/v1/sites/{chain.site}/agents"))).status_code == 401
    assert client.get("/v1/sites/no-such-site/agents").status_code == 404
