"""Which observations are news: repeats and stale values stay back, changes go on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.observation import Observation
from edge_agent.adapters.opcua.changes import LatestValues

T0 = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


def seen(at_s: float, value: str) -> Observation:
    return Observation(device="l", at=T0 + timedelta(seconds=at_s), values={"state": value})


def test_a_repeat_is_not_news_a_change_is() -> None:
    latest = LatestValues()
    assert latest.is_news(seen(0, "Idle"))
    assert not latest.is_news(seen(1, "Idle"))  # a resubscription's first publish
    assert latest.is_news(seen(2, "Execute"))


def test_a_value_older_than_the_last_one_is_stale() -> None:
    latest = LatestValues()
    assert latest.is_news(seen(5, "Execute"))  # the catch-up read
    assert not latest.is_news(seen(4, "Starting"))  # a notification queued before it


def test_a_new_session_forgets_times_but_not_values() -> None:
    latest = LatestValues()
    assert latest.is_news(seen(100, "Execute"))
    latest.new_session()  # the PLC restarted and its clock with it
    assert not latest.is_news(seen(1, "Execute"))
    assert latest.is_news(seen(2, "Held"))
