"""Cooling per batch from the food's own probe (issue 18, item 5), on the real sink and
store: a probe left in pan R1 is R1's evidence only, a room probe never cools a batch, and a
batch's hot reading never blocks another lot thawing in the same room."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.kitchen.clocks.cooling import CoolingState
from domain.observation import Observation
from tests.edge.test_kitchen_clocks import MONDAY, Kitchen, kitchen, pda, receive

PAN_PROBE = "probe-r1"


async def food_probe(k: Kitchen, device: str, celsius: str, at: datetime) -> None:
    """``device`` reads ``celsius``, recorded as the agent records readings."""
    obs = Observation(device, at, {"temperature": Decimal(celsius)}, {"temperature": "°C"})
    drafts = k.recorder.observe(obs)
    await k.sink.record(drafts, {})
    await k.pipeline.readings(drafts)


async def test_a_batch_is_judged_by_its_own_probe_only(tmp_path: Path) -> None:
    thigh = "chicken-thigh-frozen"
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1", "R2")
        receive(k.store, "T1", item=thigh)
        await k.sink.observe(pda("thaw:refrigerated", "T1", MONDAY, item=thigh, kg="2"))
        await k.sink.observe(pda("cool", "R1", MONDAY, temp="57", probe=PAN_PROBE))
        await k.sink.observe(pda("cool", "R2", MONDAY, temp="57"))
        # R1's own probe: 45 °C, then 20 °C; it says nothing about R2 or the thawing T1
        await food_probe(k, PAN_PROBE, "45", MONDAY + timedelta(minutes=30))
        await food_probe(k, PAN_PROBE, "20", MONDAY + timedelta(hours=1, minutes=30))
        # the pass's room probe reads 4 °C: it cools no batch
        await k.probe("4", MONDAY + timedelta(hours=1, minutes=40))
        await k.sink.tick(MONDAY + timedelta(hours=2, minutes=1))
        assert [e for e in k.clock_events("T1") if e[0] == "clock.expired"] == []
        assert ("clock.progressed", "cooling") in k.clock_events("R1")
        assert k.clock_events("R2") == [
            ("clock.started", "cooling"),
            ("clock.expired", "cooling"),
            ("lot.blocked", None),
        ]
        (r1,) = k.pipeline.state.clocks.of_lot("R1")
        assert isinstance(r1, CoolingState)
        assert [str(c) for _, c in r1.readings] == ["57", "45", "20"]


async def test_a_batch_whose_probe_goes_silent_is_warned_of_before_its_deadline(
    tmp_path: Path,
) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1")
        await k.sink.observe(pda("cool", "R1", MONDAY, temp="62", probe=PAN_PROBE))
        await food_probe(k, PAN_PROBE, "50", MONDAY + timedelta(minutes=10))
        await k.sink.tick(MONDAY + timedelta(minutes=39))
        assert k.events("device.alarm") == []
        await k.sink.tick(MONDAY + timedelta(minutes=40))
        (alarm,) = k.events("device.alarm")
        assert (alarm["device"], alarm["code"], alarm["location"]) == (
            PAN_PROBE,
            "cooling_readings_silent",
            "pass",
        )
        assert "never a pass" in str(alarm["message"])
        await k.sink.tick(MONDAY + timedelta(hours=1))
        assert len(k.events("device.alarm")) == 1  # once per silence
        await k.sink.tick(MONDAY + timedelta(hours=3))
        assert [e["clock"] for e in k.events("clock.expired")] == ["cooling"]  # no pass
