"""``edgestock verify --site S`` re-verifies a site's chains from the database and names the
first broken link: tampering done with SQL, after ingest, is found."""

from __future__ import annotations

import subprocess

import httpx
import psycopg
import pytest

from edgestock.processes import edgestock_argv
from tests.cloud.builders import AgentChain, consumed, post_events, reading, received


def verify(database_url: str, site: str = "site-1") -> subprocess.CompletedProcess[str]:
    argv = edgestock_argv("verify", "--site", site)
    env = {"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.fixture
def stored(client: httpx.Client) -> AgentChain:
    """Two agents of site-1 with six events each, all ingested."""
    for agent in ("agent-1", "agent-2"):
        chain = AgentChain(agent=agent)
        chain.add([received("L1", "5"), consumed("L1", "300"), reading("3.4"),
                   consumed("L1", "0.2"), reading("3.6"), consumed("L1", "10")])  # fmt: skip
        assert post_events(client, agent, chain.events).status_code == 200
    return chain


def tamper(database_url: str, sql: str) -> None:
    with psycopg.connect(database_url) as conn:
        assert conn.execute(sql).rowcount == 1


def test_an_intact_site_verifies(database_url: str, stored: AgentChain) -> None:
    done = verify(database_url)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "site site-1: 12 events of 2 agents checked" in done.stdout
    assert done.stdout.rstrip().endswith("every chain intact")


def test_a_single_changed_byte_is_found(database_url: str, stored: AgentChain) -> None:
    tamper(database_url, "UPDATE events SET data = jsonb_set(data, '{qty}', '\"301\"') "
                         "WHERE agent = 'agent-2' AND seq = 2")  # fmt: skip

    done = verify(database_url)

    assert done.returncode == 1
    assert "broken: agent agent-2, seq 2: content altered" in done.stdout
    assert "agent-1" not in done.stdout.split("checked")[1]  # the other chain is intact


def test_a_changed_time_is_found(database_url: str, stored: AgentChain) -> None:
    tamper(database_url, "UPDATE events SET at = at + interval '1 microsecond' "
                         "WHERE agent = 'agent-1' AND seq = 3")  # fmt: skip

    assert "agent agent-1, seq 3: content altered" in verify(database_url).stdout


def test_an_event_deleted_from_the_middle_is_found(database_url: str, stored: AgentChain) -> None:
    tamper(database_url, "DELETE FROM events WHERE agent = 'agent-1' AND seq = 4")

    done = verify(database_url)

    assert "broken: agent agent-1, seq 4: missing: the next stored event is seq 5" in done.stdout


def test_the_last_event_deleted_is_found_by_the_head(database_url: str, stored: AgentChain) -> None:
    tamper(database_url, "DELETE FROM events WHERE agent = 'agent-2' AND seq = 6")

    assert (
        "agent agent-2, seq 6: chain ends at seq 5, the head says 6" in verify(database_url).stdout
    )


def test_a_relinked_chain_is_found(database_url: str, stored: AgentChain) -> None:
    tamper(database_url, "UPDATE events SET prev = repeat('f', 64) "
                         "WHERE agent = 'agent-1' AND seq = 2")  # fmt: skip

    assert "agent agent-1, seq 2: prev ffffffffffff… is not the stored hash of seq 1" in (
        verify(database_url).stdout
    )


def test_an_event_moved_to_another_site_is_missed_by_neither(
    database_url: str, stored: AgentChain
) -> None:
    tamper(database_url, "UPDATE events SET site = 'site-9' WHERE agent = 'agent-1' AND seq = 2")

    assert "agent agent-1, seq 2: missing" in verify(database_url).stdout
    assert "agent agent-1, seq 1: missing" in verify(database_url, "site-9").stdout


def test_without_a_database_url_it_says_so() -> None:
    done = subprocess.run(edgestock_argv("verify", "--site", "s"), capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, timeout=60, check=False)  # fmt: skip

    assert done.returncode == 2
    assert "DATABASE_URL" in done.stderr
