"""Excursions in the cloud: folded from the edge's events, listed with the lots they held,
what was done about each lot, and what else they set off; holds shown on stock lines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from cloud.coldchain.excursions import excursion_changes
from cloud.postgres_server import PostgresServer
from tests.cloud.builders import DAY, AgentChain, post_events, received
from tests.cloud.coldchain_builders import (
    blocked,
    excursion,
    figures,
    purchase_suggested,
    released,
    safety_stock_raised,
    temperature,
)
from tests.cloud.live import shared_client

T = [DAY + timedelta(minutes=10 * n) for n in range(40)]
CAUSE_1, CAUSE_2 = "excursion:cold-1#1", "excursion:cold-1#2"


def stock(client: httpx.Client) -> dict[str, dict[str, str] | None]:
    lines = client.get("/v1/sites/site-1/stock").json()["lines"]
    return {line["lot"]: line["held"] for line in lines}


@pytest.fixture
def cold_room() -> AgentChain:
    return a_cold_room()


def a_cold_room() -> AgentChain:
    """A cold room's agent: stock in, and a warm spell that holds two lots."""
    chain = AgentChain()
    chain.add([
        received("L1", "2.5", at=T[0]),
        received("L2", "4", item="beef", at=T[0]),
        received("L3", "1", item="rice", loc="dry-1", at=T[0]),
        temperature("9.5", T[1]),
        excursion("opened", T[2], figures=figures("9.5", started_at=T[1])),
        blocked("L1", T[2]),
        blocked("L2", T[2], item="beef"),
        safety_stock_raised("chicken", T[2]),
        purchase_suggested("chicken", "2.5", T[2]),
        purchase_suggested("beef", "4", T[2]),
    ])  # fmt: skip
    return chain


@pytest.fixture(scope="module")
def two_excursions(
    postgres_server: PostgresServer, migrated_template: str
) -> Iterator[httpx.Client]:
    """One API for the module's read-only tests, holding the whole day of the cold room."""
    chain = a_cold_room()
    later_that_day(chain)
    with shared_client(postgres_server, migrated_template, "edgestock_excursions") as client:
        assert post_events(client, chain.agent, chain.events).status_code == 200
        yield client


def later_that_day(chain: AgentChain) -> None:
    chain.add([
        excursion("updated", T[3], figures=figures("11.2", started_at=T[1])),
        excursion("escalated", T[4], unacknowledged_for_s=Decimal(1800)),
        excursion("acknowledged", T[5], figures=figures("11.2", started_at=T[1],
                  duration_s=2400), acknowledged_by="chef-marco",
                  corrective_action="door closed, compressor reset"),
        excursion("closed", T[6], figures=figures("11.2", started_at=T[1], duration_s=2400)),
        excursion("opened", T[20], 2, figures=figures("8.6", started_at=T[19])),
        blocked("L1", T[20], number=2),
    ])  # fmt: skip


def quality_decides(tablet: AgentChain) -> None:
    """Quality's tablet, another agent of the site, releases one lot and discards the other."""
    tablet.add([
        released("L1", T[8]),
        released("L2", T[9], item="beef", disposition="discard", operator="qa-ben",
                 reason="surface at 11 °C for 40 min"),
    ])  # fmt: skip


def test_an_excursion_holds_its_lots_on_the_stock_lines(
    client: httpx.Client, cold_room: AgentChain
) -> None:
    assert post_events(client, cold_room.agent, cold_room.events).status_code == 200

    held = stock(client)

    reason = "excursion #1 at cold-1"
    assert held == {"L1": {"reason": reason, "cause": CAUSE_1},
                    "L2": {"reason": reason, "cause": CAUSE_1}, "L3": None}  # fmt: skip


def test_the_excursion_list_shows_lots_dispositions_and_reactions(
    client: httpx.Client, cold_room: AgentChain
) -> None:
    tablet = AgentChain(agent="tablet-1")
    post_events(client, cold_room.agent, cold_room.events)
    later_that_day(cold_room)
    quality_decides(tablet)
    assert post_events(client, tablet.agent, tablet.events).status_code == 200
    assert post_events(client, cold_room.agent, cold_room.events[10:]).status_code == 200

    body = client.get("/v1/sites/site-1/excursions").json()

    first, second = body["excursions"]
    assert {k: first[k] for k in ("number", "cause", "status", "escalated", "acknowledged_by",
                                  "corrective_action", "back_in_range")} == {
        "number": 1, "cause": CAUSE_1, "status": "closed", "escalated": True,
        "acknowledged_by": "chef-marco", "corrective_action": "door closed, compressor reset",
        "back_in_range": None,
    }  # fmt: skip
    assert (first["opened_at"], first["closed_at"]) == ("2026-11-25T08:20:00Z",
                                                        "2026-11-25T09:00:00Z")  # fmt: skip
    assert first["figures"]["peak_c"] == "11.2"
    assert first["figures"]["duration_s"] == "2400"
    assert [(lot["item"], lot["lot"], lot["outcome"]) for lot in first["lots"]] == [
        ("chicken", "L1", {"disposition": "release", "operator": "qa-anna",
                           "reason": "core temperature fine", "at": "2026-11-25T09:20:00Z"}),
        ("beef", "L2", {"disposition": "discard", "operator": "qa-ben",
                        "reason": "surface at 11 °C for 40 min", "at": "2026-11-25T09:30:00Z"}),
    ]  # fmt: skip
    assert [r["data"]["item"] for r in first["safety_stock"]] == ["chicken"]
    assert [(r["data"]["item"], r["data"]["qty"]) for r in first["purchases"]] == [
        ("chicken", "2.5"), ("beef", "4")
    ]  # fmt: skip
    assert (second["number"], second["status"], second["escalated"]) == (2, "open", False)
    assert [(lot["lot"], lot["outcome"]) for lot in second["lots"]] == [("L1", None)]
    assert stock(client) == {"L1": {"reason": "excursion #2 at cold-1", "cause": CAUSE_2},
                             "L2": None, "L3": None}  # fmt: skip


def test_holds_follow_event_time_whichever_agent_syncs_first(
    client: httpx.Client, cold_room: AgentChain
) -> None:
    tablet = AgentChain(agent="tablet-1")
    quality_decides(tablet)  # released at T8/T9, synced before the block of T2 arrives

    assert post_events(client, tablet.agent, tablet.events).status_code == 200
    assert post_events(client, cold_room.agent, cold_room.events).status_code == 200

    assert stock(client) == {"L1": None, "L2": None, "L3": None}


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({}, [1, 2]),
        ({"status": "open"}, [2]),
        ({"status": "closed"}, [1]),
        ({"location": "cold-1"}, [1, 2]),
        ({"location": "dry-1"}, []),
        ({"to": "2026-11-25T10:00:00Z"}, [1]),
        ({"from": "2026-11-25T10:00:00"}, [2]),  # no zone: read as UTC
        ({"from": "2026-11-25T08:30:00Z", "to": "2026-11-25T08:40:00Z"}, [1]),
    ],
)
def test_excursions_can_be_filtered(
    two_excursions: httpx.Client, params: dict[str, str], numbers: list[int]
) -> None:
    response = two_excursions.get("/v1/sites/site-1/excursions", params=params)

    assert response.status_code == 200, response.text
    assert [e["number"] for e in response.json()["excursions"]] == numbers


def test_unknown_site_location_and_bad_filters_are_refused_by_name(
    two_excursions: httpx.Client,
) -> None:
    site = two_excursions.get("/v1/sites/nowhere/excursions")
    location = two_excursions.get("/v1/sites/site-1/excursions", params={"location": "attic"})
    status = two_excursions.get("/v1/sites/site-1/excursions", params={"status": "ajar"})
    start = two_excursions.get("/v1/sites/site-1/excursions", params={"from": "yesterday"})

    assert (site.status_code, site.json()["detail"]) == (
        404, "site 'nowhere' is unknown: no agent has sent events for it"
    )  # fmt: skip
    assert (location.status_code, location.json()["detail"]) == (
        404, "location 'attic' is unknown at site 'site-1'"
    )  # fmt: skip
    assert (status.status_code, status.json()["detail"][0]["loc"]) == (422, ["query", "status"])
    assert (start.status_code, start.json()["detail"][0]["loc"]) == (422, ["query", "from"])


def test_a_site_without_excursions_has_an_empty_list(client: httpx.Client) -> None:
    chain = AgentChain()
    post_events(client, chain.agent, chain.add([received("L1", "1")]))

    assert client.get("/v1/sites/site-1/excursions").json() == {"site": "site-1", "excursions": []}


def test_changes_keep_the_first_opening_and_the_last_word_on_the_rest(
    cold_room: AgentChain,
) -> None:
    later_that_day(cold_room)

    first, second = excursion_changes(cold_room.events)

    assert (first.opened_at, first.escalated_at, first.closed_at) == (T[2], T[4], T[6])
    assert first.acknowledged_by == "chef-marco"
    assert first.figures is not None
    assert first.figures["duration_s"] == "2400"
    assert (second.number, second.opened_at, second.closed_at) == (2, T[20], None)
