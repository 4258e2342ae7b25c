"""The adapter against the asyncua line simulator on 127.0.0.1: one server for the module."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import struct_from_binary

from edge_agent.adapters.opcua.adapter import OpcUaLineAdapter
from edge_agent.adapters.opcua.profile import FIRMWARE_CONFIGS
from simulators.opcua.line_process import Fault
from simulators.opcua.server import LineServer
from tests.adapters.conftest import free_port
from tests.adapters.opcua.conftest import (
    eventually,
    latest,
    line_config,
    quick_backoff,
    running,
    values_of,
)
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def line() -> AsyncIterator[LineServer]:
    server = LineServer("lines/filling-line")
    await server.start("127.0.0.1", free_port())
    try:
        yield server
    finally:
        await server.stop()


def adapter_for(line: LineServer, sink: RecordingSink, **extra: object) -> OpcUaLineAdapter:
    return OpcUaLineAdapter(line_config(line.endpoint, **extra), sink, backoff=quick_backoff())


async def test_state_counters_batch_and_speed_arrive_as_observations(line: LineServer) -> None:
    await line.set_value("state", "Idle")
    sink = RecordingSink()
    adapter = adapter_for(line, sink)
    async with running(adapter):
        await sink.wait_for(lambda s: latest(s, "state") == "Idle")
        await line.set_value("batch", "LOT-2026-0042")
        await line.set_value("recipe", "JUICE-330ML")
        await line.set_value("state", "Starting")
        await line.set_value("state", "Execute")
        await line.set_value("good_count", 1200)
        await line.set_value("bad_count", 7)
        await line.set_value("line_speed", 598.44)
        await sink.wait_for(lambda s: latest(s, "line_speed") == Decimal("598.4"))
    assert values_of(sink, "state")[-3:] == ["Idle", "Starting", "Execute"]
    assert latest(sink, "batch") == "LOT-2026-0042"
    assert latest(sink, "recipe") == "JUICE-330ML"
    counted = next(o for o in sink.observations if o.values.get("good_count") == 1200)
    assert counted.units == {"good_count": "pcs"}
    assert counted.device == "line-1"
    assert counted.at.tzinfo is not None
    assert latest(sink, "bad_count") == Decimal(7)
    assert sink.quarantined == []
    counters = adapter.counters()["line-1"]
    assert counters.frames_bad == 0
    assert counters.online is True
    assert sink.presence == [("online", "line-1", None)]


async def test_a_batch_change_is_reported_once(line: LineServer) -> None:
    sink = RecordingSink()
    async with running(adapter_for(line, sink, id="line-batch")):
        await line.set_value("batch", "LOT-A")
        await sink.wait_for(lambda s: latest(s, "batch") == "LOT-A")
        await line.set_value("batch", "LOT-B")
        await sink.wait_for(lambda s: latest(s, "batch") == "LOT-B")
    assert values_of(sink, "batch")[-2:] == ["LOT-A", "LOT-B"]
    assert values_of(sink, "batch").count("LOT-B") == 1


async def test_fault_events_arrive_as_alarms_raised_and_cleared(line: LineServer) -> None:
    sink = RecordingSink()
    async with running(adapter_for(line, sink, id="line-alarm")):
        await sink.wait_for(lambda s: s.observations)  # subscribed: the catch-up read is done
        await line.fault(Fault("JAM-CAPPER", "Bottle jam at the capper", 800, active=True))
        await line.fault(Fault("JAM-CAPPER", "Jam cleared", 800, active=False))
        await sink.wait_for(lambda s: len(s.alarms) == 2)
    raised, cleared = sink.alarms
    assert (raised.device, raised.code, raised.severity, raised.active) == (
        "line-alarm",
        "JAM-CAPPER",
        800,
        True,
    )
    assert raised.message == "Bottle jam at the capper"
    assert (cleared.code, cleared.active) == ("JAM-CAPPER", False)


async def test_garbage_from_the_plc_is_counted_and_quarantined(line: LineServer) -> None:
    sink = RecordingSink()
    adapter = adapter_for(line, sink, id="line-garbage")
    try:
        async with running(adapter):
            await sink.wait_for(lambda s: s.observations)
            await line.write("state", ua.Variant(42, ua.VariantType.Int32))
            await line.write(
                "bad_count",
                ua.Variant(3, ua.VariantType.UInt32),
                status=ua.StatusCodes.BadSensorFailure,
            )
            await line.write("line_speed", ua.Variant(float("nan"), ua.VariantType.Double))
            await sink.wait_for(lambda s: len(s.quarantined) == 3)
            await line.set_value("state", "Held")
            await sink.wait_for(lambda s: latest(s, "state") == "Held")
    finally:
        await line.set_value("bad_count", 0)
        await line.set_value("line_speed", 0.0)
    reasons = [reason for _, reason, _ in sink.quarantined]
    assert "line-garbage: state: state code 42 is not one of the profile's states" in reasons
    assert "line-garbage: bad_count: status is BadSensorFailure" in reasons
    assert "line-garbage: line_speed: nan is not a measurement" in reasons
    assert {source for source, _, _ in sink.quarantined} == {"line-garbage"}
    raw = next(raw for _, reason, raw in sink.quarantined if "state code" in reason)
    kept = struct_from_binary(ua.DataValue, Buffer(bytes.fromhex(raw)))  # the bytes as received
    assert kept.Value == ua.Variant(42, ua.VariantType.Int32)
    assert adapter.counters()["line-garbage"].frames_bad == 3


async def test_nodes_missing_or_of_the_wrong_type_are_reported_and_the_rest_followed(
    line: LineServer, tmp_path: Path
) -> None:
    profile = yaml.safe_load((FIRMWARE_CONFIGS / "lines/filling-line.yaml").read_text())
    profile["metrics"]["bad_count"]["node"] = "s=FillingLine.Admin.NoSuchCounter"
    profile["metrics"]["recipe"]["path"] = "FillingLine/Status/Parameter/NoSuchRecipe"
    profile["metrics"]["good_count"] = {"path": "FillingLine/Status/Parameter/Lot"}
    profile["metrics"]["good_count"] |= {"kind": "counter", "unit": "pcs"}
    path = tmp_path / "wrong-nodes.yaml"
    path.write_text(yaml.safe_dump(profile))
    sink = RecordingSink()
    adapter = adapter_for(line, sink, id="line-wrong", profile=str(path))
    async with running(adapter):
        await sink.wait_for(lambda s: len({r for _, r, _ in s.quarantined}) == 3)
        await line.set_value("state", "Suspended")
        await sink.wait_for(lambda s: latest(s, "state") == "Suspended")
    # The catch-up read and the subscription's first publish may both carry the String.
    reasons = sorted({reason for _, reason, _ in sink.quarantined})
    assert reasons == [
        "line-wrong: bad_count: node s=FillingLine.Admin.NoSuchCounter not on the server "
        "(BadNodeIdUnknown)",
        "line-wrong: good_count: expected an integer, got String",
        "line-wrong: recipe: path FillingLine/Status/Parameter/NoSuchRecipe not on the server "
        "(BadNoMatch)",
    ]
    assert adapter.counters()["line-wrong"].frames_bad == len(sink.quarantined)
    assert values_of(sink, "bad_count") == values_of(sink, "recipe") == []


async def test_a_silent_subscription_is_made_anew_within_the_bound(line: LineServer) -> None:
    """The server drops the subscription but keeps the session: nothing is published, not
    even a keep-alive, and no error reaches the client. The watchdog must notice."""
    sink = RecordingSink()
    adapter = adapter_for(line, sink, id="line-silent")
    async with running(adapter):
        await sink.wait_for(lambda s: s.presence)
        # subscribed whole: the catch-up read follows the subscription and its monitored items
        # (forgetting it while items are still being added is a refused subscribe, not silence)
        await sink.wait_for(lambda s: latest(s, "good_count") is not None)
        assert await line.forget_subscriptions() >= 1
        dropped_at = time.monotonic()
        # the watchdog's resubscribe is the signal (a publish already in flight when the server
        # forgot may still deliver a change, so a value alone proves nothing)
        await eventually(lambda: adapter.counters()["line-silent"].extra["resubscribes"] >= 1)
        resumed_s = time.monotonic() - dropped_at
        await line.set_value("good_count", 5150)  # heard through the new subscription
        await sink.wait_for(lambda s: latest(s, "good_count") == Decimal(5150), timeout=5)
    # Idle, that is silence_timeout_s 0.6 + one check period 0.1 + a resubscribe on loopback
    # (~0.8 s). The bound is loose because a loaded CI box may delay any of them.
    assert resumed_s < 3.0
    counters = adapter.counters()["line-silent"]
    # Once for the drop; a keep-alive delayed past 0.6 s on a loaded box may cost one more.
    assert 1 <= counters.extra["resubscribes"] <= 2
    assert sink.presence == [("online", "line-silent", None)]  # the link itself never dropped


async def test_a_server_that_refuses_to_subscribe_is_polled(line: LineServer) -> None:
    line.refuse_subscriptions()
    sink = RecordingSink()
    adapter = adapter_for(line, sink, id="line-polled", poll_interval_s=0.05)
    try:
        async with running(adapter):
            await sink.wait_for(lambda s: s.presence)
            await line.set_value("state", "Aborted")
            await sink.wait_for(lambda s: latest(s, "state") == "Aborted")
            line.refuse_subscriptions(False)
            # Asked again after one silence period (0.6 s) of polling.
            await eventually(lambda: line.subscription_count() >= 1, timeout_s=2)
    finally:
        line.refuse_subscriptions(False)
    assert adapter.counters()["line-polled"].extra["reads"] > 6
    assert values_of(sink, "state").count("Aborted") == 1


async def test_cancelling_closes_the_session_and_its_subscription(line: LineServer) -> None:
    sink = RecordingSink()
    before = line.subscription_count()
    async with running(adapter_for(line, sink, id="line-stop")):
        await eventually(lambda: line.subscription_count() == before + 1)
    assert line.subscription_count() == before
    client_tasks = [
        task
        for task in asyncio.all_tasks()
        if "asyncua/client" in task.get_coro().cr_code.co_filename  # type: ignore[union-attr]
    ]
    assert client_tasks == []
