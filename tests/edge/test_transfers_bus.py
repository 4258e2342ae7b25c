"""Transfer commands through the real site bus (Mosquitto; sent and read with the CLI tools
as a panel would): a ship command is answered with the lots shipped and what was short, a
receipt with the lots received, and a refused command is answered with why and quarantined."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from edge_agent.pipeline.transfer_commands import route_transfers
from simulators.mosquitto import Mosquitto
from tests.adapters.mqtt.conftest import SITE, bus_config, mosquitto_pub, running_bus
from tests.adapters.sink import RecordingSink
from tests.edge.test_transfers import CHICKEN, LATER, ORDER, SOON, site

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with Mosquitto(tmp_path_factory.mktemp("mosquitto")) as running:
        yield running


async def answers(
    port: int, count: int, of: str = "transfers/answers"
) -> asyncio.subprocess.Process:
    """``mosquitto_sub`` taking ``count`` answers on ``edgestock/<site>/<of>`` (at most 30 s),
    subscribed before it returns."""
    topic = f"edgestock/{SITE}/{of}"
    args = ["stdbuf", "-oL",  # line by line, so the SUBACK is read as it comes
            "mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-V", "5", "-q", "1",
            "-t", topic, "-C", str(count), "-W", "30", "-d"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    async with asyncio.timeout(10):  # -d prints the SUBACK: subscribed from then on
        while b"SUBACK" not in (line := await process.stdout.readline()):
            assert line, "mosquitto_sub ended before it subscribed"
    return process


async def taken(process: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    out, _ = await process.communicate()
    return [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]


async def test_ship_and_receive_commands_are_answered_on_the_bus(
    broker: Mosquitto, tmp_path: Path
) -> None:
    order = {**ORDER, "from_site": SITE, "to_site": "resto-1"}
    async with site(tmp_path / "k.db", SITE) as (k, _):
        k.receive_lot("M1", "4000", "cold-1", SOON)
        k.send("transfer.ship", order)
        sink = RecordingSink()
        routes = partial(route_transfers, desk=k.desk)
        async with running_bus(bus_config(broker.port, "transfers"), sink, routes=routes):
            listening = await answers(broker.port, 2)
            ship = {"transfer": "t-1", "operator": "ana", "request": "r-1"}
            await mosquitto_pub(broker.port, f"edgestock/{SITE}/transfers/ship",
                                json.dumps(ship).encode())  # fmt: skip
            unknown = {"transfer": "t-9", "operator": "ana", "request": "r-2"}
            await mosquitto_pub(broker.port, f"edgestock/{SITE}/transfers/ship",
                                json.dumps(unknown).encode())  # fmt: skip
            shipped, refused = await taken(listening)
            await sink.wait_for(lambda s: len(s.quarantined) == 1)
        assert (shipped["request"], shipped["ok"]) == ("r-1", True)
        assert [(s["lot"], Decimal(s["qty"]), s["unit"]) for s in shipped["shipped"]] == [
            ("M1", Decimal(4), "kg")
        ]
        assert [(s["item"], Decimal(s["qty"])) for s in shipped["short"]] == [(CHICKEN, Decimal(6))]
        assert (refused["request"], refused["ok"]) == ("r-2", False)
        assert "no transfer 't-9' to ship from test-site" in refused["refused"]
        assert "ship t-9" in sink.quarantined[0][1]


async def test_a_receipt_by_the_bus_is_recorded_once(broker: Mosquitto, tmp_path: Path) -> None:
    order = {**ORDER, "from_site": "kitchen", "to_site": SITE}
    async with site(tmp_path / "r.db", SITE) as (r, _):
        r.send("transfer.expect", order)
        sink = RecordingSink()
        routes = partial(route_transfers, desk=r.desk)
        async with running_bus(bus_config(broker.port, "receipts"), sink, routes=routes):
            listening = await answers(broker.port, 2)
            receipt = {"transfer": "t-1", "operator": "bo", "lines": [
                {"item": CHICKEN, "lot": "M1", "accepted": "3.8", "damaged": "0",
                 "expires_on": LATER.isoformat()}]}  # fmt: skip
            for _ in range(2):
                await mosquitto_pub(broker.port, f"edgestock/{SITE}/transfers/receive",
                                    json.dumps(receipt).encode())  # fmt: skip
            first, second = await taken(listening)
        assert first["ok"]
        assert [(x["lot"], x["location"], Decimal(x["qty"])) for x in first["received"]] == [
            ("M1", "walk-in", Decimal("3.8"))
        ]
        assert not second["ok"]
        assert "was received here already" in second["refused"]
        assert len(r.events("transfer.received")) == 1
