"""A movement that cannot be is refused where it enters, with the field named, and nothing is
lost: the edge will not seal it; the cloud keeps one sealed without today's checks as
unreadable, with the reason, and folds the events after it."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from domain.payloads import StockMoved
from tests.cloud.builders import AgentChain, post_events, received
from tests.cloud.test_unreadable_events import sealed_as_sent, unreadable_rows
from tests.contract.both_stores import cloud_projections

LINE = {"item": "chicken", "lot": "L1", "qty": "100", "unit": "g"}


def test_a_move_to_its_own_location_is_refused_at_the_edge_and_unreadable_in_the_cloud(
    cloud: httpx.Client, database_url: str
) -> None:
    with pytest.raises(ValidationError, match="to_location is location \\('wok'\\)"):
        StockMoved(**LINE, location="wok", to_location="wok")
    chain = AgentChain(agent="refusing-a", site="refusing")
    chain.add([received("L1", "500")])  # the builders receive in kg at cold-1
    sealed_as_sent(chain, "stock.moved", LINE | {"location": "wok", "to_location": "wok"})
    nothing = LINE | {"location": "dock", "transfer": "T1", "from_site": "c", "qty": "0"}
    sealed_as_sent(chain, "transfer.received", nothing)
    chain.add([received("L1", "20")])

    response = post_events(cloud, chain.agent, chain.events)

    assert response.status_code == 200, response.text
    assert response.json()["unreadable"] == [2, 3]
    reasons = {seq: reason for seq, _, reason, _ in unreadable_rows(database_url, chain.agent)}
    assert "to_location is location ('wok')" in reasons[2]
    assert "a receipt of nothing" in reasons[3]
    stock = cloud_projections(database_url, "refusing").stock
    assert {(k.location, q) for k, (q, _) in stock.items()} == {("cold-1", 520_000)}
    assert cloud_projections(database_url, "refusing").transit == {}
