"""Food-safety records through the real site bus (Mosquitto, messages sent with
``mosquitto_pub``) into a real edge store: a check is stored, a failed check without its
corrective action and a correction of an unknown record are quarantined with why, a
correction leaves the original in place, and only a kitchen manager signs a day off."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import pytest

from domain.events import EventDraft
from domain.foodsafety import board
from edge_agent.kitchen.bus_routes import route_records
from edge_agent.kitchen.records import FoodSafetyRecords
from edge_agent.store import EdgeStore
from simulators.mosquitto import Mosquitto
from tests.adapters.mqtt.conftest import SITE, bus_config, mosquitto_pub, running_bus
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

TOPIC = f"edgestock/{SITE}/foodsafety/records"
DAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with Mosquitto(tmp_path_factory.mktemp("mosquitto")) as running:
        yield running


async def send(broker: Mosquitto, **fields: object) -> None:
    await mosquitto_pub(broker.port, TOPIC, json.dumps(fields).encode())


async def until(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not check():
            await asyncio.sleep(0.05)


async def test_records_corrections_and_sign_off_from_the_site_bus(
    broker: Mosquitto, tmp_path: Path
) -> None:
    store = EdgeStore(tmp_path / "agent.db", agent="a1", site=SITE)
    sink = RecordingSink()

    async def record(drafts: list[EventDraft], checkpoints: dict[str, bytes]) -> None:
        await asyncio.to_thread(store.append, drafts, checkpoints)

    records = FoodSafetyRecords(record, store.events, managers=["chef-li"])

    def stored() -> list[str]:
        return [e.type for e in store.events()]

    routes = partial(route_records, records=records)
    async with running_bus(bus_config(broker.port, "records"), sink, routes=routes):
        await send(broker, command="record", kind="cleaning", who="cook-ana", area="wok",
                   result="pass", at="2026-11-25T07:00:00+00:00", source="kds:wok")  # fmt: skip
        await until(lambda: stored() == ["foodsafety.recorded"])
        await send(broker, command="record", kind="sanitising", who="cook-ana", area="prep-1",
                   result="fail", at="2026-11-25T11:00:00+00:00")  # fmt: skip
        await until(lambda: len(sink.quarantined) == 1)
        (cleaning,) = store.events()
        await send(broker, command="correct", corrects=cleaning.id, who="chef-li",
                   reason="grease under the burners", result="fail",
                   corrective_action="cleaned again", at="2026-11-25T08:30:00+00:00")  # fmt: skip
        await send(broker, command="correct", corrects="no-such-id", who="chef-li",
                   reason="x", note="y", at="2026-11-25T08:31:00+00:00")  # fmt: skip
        await send(broker, command="sign_off", manager="cook-ana", day="2026-11-25",
                   at="2026-11-25T22:00:00+00:00")  # fmt: skip
        await send(broker, command="sign_off", manager="chef-li", day="2026-11-25",
                   note="all checked", at="2026-11-25T22:05:00+00:00")  # fmt: skip
        await until(lambda: len(sink.quarantined) == 3 and len(stored()) == 3)

    reasons = [reason for _, reason, _ in sink.quarantined]
    assert "a failed check needs its corrective_action" in reasons[0]
    assert "correct refused: no food-safety record no-such-id in this agent" in reasons[1]
    assert (
        "sign_off refused: cook-ana may not sign off 2026-11-25: not a kitchen_manager"
        in (reasons[2])
    )
    assert stored() == ["foodsafety.recorded", "foodsafety.corrected", "foodsafety.signed_off"]

    day = board(list(store.events()), DAY)
    (entry,) = day.records
    assert entry.original.result == "pass"
    assert entry.current is not None
    assert (entry.current.result, entry.current.corrective_action) == ("fail", "cleaned again")
    assert [s.manager for s in day.sign_offs] == ["chef-li"]
    store.close()
