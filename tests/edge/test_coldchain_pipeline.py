"""Cold chain at the edge, through the agent's real sink, writer and SQLite store: an
excursion opens after its delay, puts the room's stock on hold so FEFO skips it, a door
opening within its grace raises nothing, and a restart resumes the same excursion."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.coldchain.reactions import excursion_cause
from domain.coldchain.rule import ExcursionRule
from domain.events import EventDraft
from domain.masterdata import MasterData
from domain.observation import Observation
from domain.payloads import LotReceived, LotReleased
from domain.quantity import Unit
from edge_agent.clock import Clock
from edge_agent.config import load_agent_config
from edge_agent.pipeline.coldchain import (
    CHECKPOINT,
    ColdChainMonitor,
    Signal,
    WatchedLocation,
)
from edge_agent.pipeline.coldchain_commands import ColdChainDesk
from edge_agent.pipeline.rules import StoreFacts
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter
from edge_agent.yaml_config import ConfigError
from tests.edge.sinks import agent_sink

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
ROOM = WatchedLocation(
    location="cold-room-1",
    rule=ExcursionRule(high_c=Decimal(8), delay=timedelta(minutes=30), latching=True),
    temperature=Signal("ctrl-1", "air_temp"),
    door=Signal("ctrl-1", "door_open"),
    door_grace=timedelta(minutes=10),
)

MASTER = MasterData.model_validate(
    {
        "items": [{"id": "chicken", "name": "Chicken", "base_unit": "kg", "safety_stock": 20}],
        "suppliers": [
            {"id": "metro", "name": "Metro", "approved": [{"item": "chicken", "lead_time_days": 1}]}
        ],
    }
)


@dataclass
class Agent:
    store: EdgeStore
    sink: AgentSink
    desk: ColdChainDesk

    def types(self) -> list[str]:
        return [e.type for e in self.store.events()]


@asynccontextmanager
async def agent(path: Path, room: WatchedLocation = ROOM) -> AsyncIterator[Agent]:
    store = EdgeStore(path, agent="a1", site="s1")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    monitor = ColdChainMonitor([room], store.checkpoint(CHECKPOINT), master=MASTER)
    sink = agent_sink(store, writer, monitor)
    desk = ColdChainDesk(sink, monitor, Clock(), StoreFacts(store, monitor.places()))
    try:
        yield Agent(store, sink, desk)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()


def reading(minute: float, celsius: str, *, door: bool = False) -> Observation:
    return Observation(
        "ctrl-1",
        T0 + timedelta(minutes=minute),
        {"air_temp": Decimal(celsius), "door_open": door},
        {"air_temp": "°C"},
    )


def receive(store: EdgeStore, lot: str, grams: int, expires: date) -> None:
    payload = LotReceived(
        item="chicken",
        lot=lot,
        location="cold-room-1",
        qty=Decimal(grams),
        unit=Unit.G,
        expires_on=expires,
    )
    store.append([EventDraft("lot.received", T0 - timedelta(hours=1), payload)])


async def test_an_excursion_puts_the_rooms_stock_on_hold_and_fefo_skips_it(
    tmp_path: Path,
) -> None:
    async with agent(tmp_path / "a.db") as a:
        receive(a.store, "L1", 5000, date(2026, 11, 30))
        receive(a.store, "L2", 3000, date(2026, 12, 5))
        for minute, celsius in [(0, "4"), (5, "9"), (20, "10.5"), (34, "11"), (35, "11.2")]:
            await a.sink.observe(reading(minute, celsius))
        assert a.types().count("excursion.opened") == 1
        assert a.types().count("lot.blocked") == 2
        held = a.store.holds(excursion_cause("cold-room-1", 1))
        assert sorted(k.lot for k in held) == ["L1", "L2"]
        assert all(lot.blocked for lot in a.store.lots_on_hand("chicken", "cold-room-1"))

        release = LotReleased(
            item="chicken",
            lot="L2",
            location="cold-room-1",
            disposition="release",
            reason="probe showed core at 4 °C",
            operator="qa-anna",
        )
        a.store.append([EventDraft("lot.released", T0 + timedelta(hours=1), release)])
        usable = [
            lot.lot for lot in a.store.lots_on_hand("chicken", "cold-room-1") if lot.blocked is None
        ]
        assert usable == ["L2"]


async def test_a_door_opening_within_its_grace_raises_nothing(tmp_path: Path) -> None:
    async with agent(tmp_path / "a.db") as a:
        receive(a.store, "L1", 5000, date(2026, 11, 30))
        await a.sink.observe(reading(0, "4"))
        await a.sink.observe(reading(1, "12", door=True))
        await a.sink.observe(reading(9, "9", door=False))
        await a.sink.observe(reading(10, "5"))
        await a.sink.observe(reading(60, "5"))
        assert "excursion.opened" not in a.types()
        assert a.store.holds() == {}


async def test_after_a_restart_the_same_excursion_goes_on_and_nothing_is_held_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.db"
    async with agent(path) as a:
        receive(a.store, "L1", 5000, date(2026, 11, 30))
        for minute, celsius in [(0, "4"), (5, "9"), (36, "10")]:
            await a.sink.observe(reading(minute, celsius))
        assert a.types().count("excursion.opened") == 1
    async with agent(path) as a:
        await a.sink.observe(reading(40, "12"))
        await a.sink.observe(reading(50, "5"))
        await a.desk.acknowledge("cold-room-1", "chef-li", "moved stock to cold room 2")
        types = a.types()
        assert types.count("excursion.opened") == 1
        assert types.count("lot.blocked") == 1
        assert types.count("safety_stock.raised") == 1
        assert types.count("purchase.suggested") == 1
        assert "excursion.updated" in types
        assert types[-1] == "excursion.closed"
        closed = list(a.store.events())[-1].data
        assert closed["number"] == 1
        assert Decimal(closed["figures"]["peak_c"]) == Decimal(12)


async def test_a_temperature_in_the_wrong_unit_is_quarantined_not_used(tmp_path: Path) -> None:
    async with agent(tmp_path / "a.db") as a:
        obs = Observation("ctrl-1", T0, {"air_temp": Decimal(46)}, {"air_temp": "°F"})
        await a.sink.observe(obs)
        assert a.store.stats().quarantined == 1
        assert a.types() == []


CONFIG = """\
agent: {id: a1, site: s1}
cloud: {url: "http://127.0.0.1:8000"}
devices:
  - id: ctrl-1
    profile: coldrooms/dixell-xr
    transport: {type: tcp, host: 127.0.0.1, port: 5020}
coldchain:
  - location: cold-room-1
    temperature: {device: ctrl-1, metric: air_temp}
    rule: {high_c: 8, low_c: 10, delay: PT30M}
"""


def test_a_rule_that_cannot_hold_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(CONFIG)
    with pytest.raises(ConfigError) as error:
        load_agent_config(path)
    assert f"{path}:10: coldchain[0].rule" in str(error.value)
    assert "low_c 10 must be below high_c 8" in str(error.value)


def documented_coldchain(tmp_path: Path) -> WatchedLocation:
    """The ``coldchain:`` example of docs/rules.md, loaded as the agent loads its config."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text()
    section = text.split("### In the agent config", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "agent.yaml"
    devices = CONFIG.split("coldchain:", 1)[0].replace("id: ctrl-1", "id: walk-in-ctrl")
    path.write_text(devices + example)
    (watched,) = load_agent_config(path).coldchain
    return WatchedLocation(
        location="cold-room-1",
        rule=watched.rule.rule(),
        temperature=Signal("ctrl-1", "air_temp"),
    )


def test_the_documented_auditor_fields_load_into_the_rule(tmp_path: Path) -> None:
    rule = documented_coldchain(tmp_path).rule
    assert (rule.interval, rule.silent_intervals) == (timedelta(minutes=5), 3)
    assert (rule.exposure_max, rule.exposure_within) == (timedelta(hours=1), timedelta(hours=2))
    assert (rule.close_after, rule.hysteresis_c) == (timedelta(minutes=15), Decimal(1))
    assert rule.reopen_within == timedelta(minutes=30)


async def test_the_documented_rule_keeps_one_excursion_through_an_in_range_reading(
    tmp_path: Path,
) -> None:
    room = documented_coldchain(tmp_path)
    # not latching here (the default), so the close the hysteresis decides shows
    room = replace(room, rule=replace(room.rule, latching=False))
    async with agent(tmp_path / "a.db", room) as a:
        receive(a.store, "L1", 5000, date(2026, 11, 30))
        # every 5 min: 4, 7 °C for 35 min (opens), 4.5 °C for 15 min, 7 again, then 3 °C
        temperatures = ["4", *["7"] * 7, *["4.5"] * 4, "7", "7", *["3"] * 4]
        for number, celsius in enumerate(temperatures):
            await a.sink.observe(reading(5 * number, celsius))
        excursions = [e for e in a.store.events() if e.type.startswith("excursion.")]
        # 4.5 °C is in range but not clearly (hysteresis 1 °C): one excursion, held once,
        # closed only after 15 minutes at 3 °C (without the hysteresis it closed at 02:55)
        assert [e.type for e in excursions if e.type != "excursion.updated"] == [
            "excursion.opened",
            "excursion.closed",
        ]
        assert excursions[-1].at == "2026-11-28T03:25:00.000000Z"  # T0 + 85 min
        assert a.types().count("lot.blocked") == 1


def test_an_exposure_without_its_window_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(CONFIG.replace("low_c: 10, delay: PT30M", "exposure_max: PT1H"))
    with pytest.raises(ConfigError) as error:
        load_agent_config(path)
    assert f"{path}:10: coldchain[0].rule" in str(error.value)
    assert "exposure_max and exposure_within go together" in str(error.value)
