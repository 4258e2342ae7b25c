"""Concurrent batches: two agents at once, and one agent's batches racing each other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.cloud.auth import admin_client
from tests.cloud.builders import AgentChain, consumed, enrol_agent, post_events, reading, received
from tests.cloud.queries import count, folded, stock_by_key, stored_seqs


def test_two_agents_on_two_connections_at_once(api_url: str, database_url: str) -> None:
    chains = [AgentChain(agent=f"agent-{n}", site=f"site-{n}") for n in (1, 2)]
    for chain in chains:
        chain.add([received("L1", "10")])
        chain.add([consumed("L1", "3") if i % 2 else reading("4.1") for i in range(400)])

    def push(chain: AgentChain) -> list[int]:
        statuses = []
        with httpx.Client(base_url=api_url, timeout=30) as client:
            for start in range(0, len(chain.events), 50):
                response = post_events(client, chain.agent, chain.events[start : start + 50])
                statuses.append(response.status_code)
        return statuses

    for chain in chains:  # before the race: enrolment is not what is raced here
        enrol_agent(database_url, chain.agent, chain.site)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(push, chains))

    assert all(status == 200 for statuses in results for status in statuses)
    with admin_client(api_url, database_url, "site-1", more_sites=("site-2",)) as client:
        for chain in chains:
            assert stored_seqs(database_url, chain.agent) == list(range(1, 402))
            assert stock_by_key(client, chain.site) == folded(chain.events)
    assert count(database_url, "readings") == 400


def test_two_agents_of_one_site_posting_to_one_balance(api_url: str, database_url: str) -> None:
    chains = [AgentChain(agent=f"scale-{n}", site="site-1") for n in (1, 2)]
    for chain in chains:
        chain.add([consumed("L1", "1") for _ in range(200)])
        enrol_agent(database_url, chain.agent, chain.site)

    def push(chain: AgentChain) -> None:
        with httpx.Client(base_url=api_url, timeout=30) as client:
            for start in range(0, 200, 10):
                response = post_events(client, chain.agent, chain.events[start : start + 10])
                assert response.status_code == 200, response.text

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(push, chains))

    with admin_client(api_url, database_url, "site-1") as client:
        lines = client.get("/v1/sites/site-1/stock").json()["lines"]
    assert [(line["qty"], line["unit"]) for line in lines] == [("-400", "g")]


def test_the_same_batch_sent_twice_at_once_is_stored_once(api_url: str, database_url: str) -> None:
    chain = AgentChain()
    chain.add([received("L1", "10")] + [consumed("L1", "1") for _ in range(99)])
    enrol_agent(database_url, chain.agent, chain.site)

    def push(_: int) -> dict[str, int]:
        with httpx.Client(base_url=api_url, timeout=30) as client:
            response = post_events(client, chain.agent, chain.events)
            assert response.status_code == 200, response.text
            return dict(response.json())

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(push, range(2)))

    assert sorted(a["stored"] for a in answers) == [0, 100]
    assert count(database_url, "events") == 100
    with admin_client(api_url, database_url, chain.site) as client:
        assert stock_by_key(client, chain.site) == folded(chain.events)
