"""Every lot clock run by the kitchen pipeline on the agent's real sink, writer and SQLite
store, driven by a controllable clock (the times given to ticks, scans and readings):
date marking across a freeze and a thaw, the 4-hour TPHC rule, two-stage cooling passing
and failing (reheat or discard only), a restart mid-clock that resumes it, and the clocks a
step's output starts. An expired clock blocks its lot and FEFO never picks it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.events import EventDraft
from domain.fefo import LotOnHand
from domain.kitchen.deduction import StepDone, deduct
from domain.kitchen.explosion import explode_recipe
from domain.kitchen.stock import StockView
from domain.observation import Observation
from domain.payloads import LotReceived
from domain.quantity import Unit
from edge_agent.kitchen.clock_actions import LotClockRules
from edge_agent.kitchen.lot_clocks import LotClocks
from edge_agent.kitchen.pipeline import KitchenPipeline, TemperatureProbe
from edge_agent.pipeline.readings import ReadingPolicy, ReadingRecorder
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from tests.edge.kitchen_setup import CLOCKS, MASTER, kitchen_parts

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
RICE = "rice-cooked"
PROBE = TemperatureProbe("probe-pass", "temperature", "pass")


@dataclass
class Kitchen:
    store: EdgeStore
    sink: AgentSink
    pipeline: KitchenPipeline
    recorder: ReadingRecorder

    def events(self, *types: str) -> list[dict[str, object]]:
        return [dict(e.data) | {"type": e.type} for e in self.store.events() if e.type in types]

    def clock_events(self, lot: str) -> list[tuple[object, ...]]:
        """(type, clock) of every clock event of ``lot``, and its blocks and releases."""
        kinds = ("clock.started", "clock.ready", "clock.paused", "clock.resumed")
        kinds += ("clock.progressed", "clock.completed", "clock.expired")
        kinds += ("lot.blocked", "lot.released")
        return [(e["type"], e.get("clock")) for e in self.events(*kinds) if e["lot"] == lot]

    async def probe(self, celsius: str, at: datetime) -> None:
        """The pass's probe reads ``celsius``: recorded as the agent records readings, then
        given to the kitchen as evidence."""
        values = {"temperature": Decimal(celsius)}
        obs = Observation(PROBE.device, at, values, {"temperature": "°C"})
        drafts = self.recorder.observe(obs)
        await self.sink.record(drafts, {})
        await self.pipeline.readings(drafts)

    def reasons(self) -> list[str]:
        return [row.reason for row in self.store.quarantined()]


@asynccontextmanager
async def kitchen(path: Path) -> AsyncIterator[Kitchen]:
    """A kitchen in Paris on ``path`` with a PDA and a food probe at the pass."""
    async with kitchen_parts(path, probes=[PROBE], zone=PARIS) as (store, sink, pipeline):
        yield Kitchen(store, sink, pipeline, ReadingRecorder(ReadingPolicy(heartbeat_s=0)))


def pda(action: str, lot: str, at: datetime, *, item: str = RICE, **more: str) -> Observation:
    values: dict[str, str | Decimal] = {
        "action": action,
        "item": item,
        "lot": lot,
        "location": more.get("location", "pass"),
        "operator": "li",
    }
    units = {}
    if "kg" in more:
        values |= {"weight": Decimal(more["kg"]), "tare": Decimal(0)}
        units = {"weight": "kg", "tare": "kg"}
    if "temp" in more:
        values["temp"] = Decimal(more["temp"])
    if "probe" in more:  # the food probe left in the batch
        values["probe"] = more["probe"]
    return Observation("pda-1", at, values, units)


def receive(store: EdgeStore, *lots: str, item: str = RICE, location: str = "pass") -> None:
    store.append(
        [
            EventDraft(
                "lot.received",
                MONDAY - timedelta(hours=1),
                LotReceived(item=item, lot=lot, location=location, qty=Decimal(1000), unit=Unit.G),
            )
            for lot in lots
        ]
    )


def plate_lots(k: Kitchen, now: datetime) -> dict[str, tuple[str | None, datetime | None]]:
    """What the plating step would see of each rice lot: (blocked, ready_at)."""
    (plate,) = explode_recipe(MASTER, "kung-pao-chicken", 1)[1:]
    lots = k.pipeline.stock_for(plate).at(RICE, "pass")
    return {lot.lot: (lot.blocked, lot.ready_at) for lot in lots}


async def test_date_mark_across_a_freeze_and_a_thaw(tmp_path: Path) -> None:
    """Opened Monday (day 1), frozen Wednesday: 4 days left; thawed the next Monday: use by
    Thursday, blocked at the site's midnight after it."""
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1")
        await k.sink.observe(pda("open", "R1", MONDAY))
        await k.sink.observe(pda("freeze", "R1", MONDAY + timedelta(days=2)))
        await k.sink.tick(MONDAY + timedelta(days=6, hours=14))  # past the first use-by
        assert k.events("clock.expired") == []
        await k.sink.observe(pda("thaw:refrigerated", "R1", MONDAY + timedelta(days=7), kg="1"))
        resumed = k.events("clock.resumed")
        assert [e["detail"] for e in resumed] == ["thawed, use by 2026-12-03"]
        thursday_night = datetime(2026, 12, 3, 23, 59, tzinfo=PARIS)
        await k.sink.tick(thursday_night)
        assert k.events("clock.expired") == []
        assert plate_lots(k, thursday_night)["R1"] == (None, None)
        midnight = datetime(2026, 12, 4, 0, 0, tzinfo=PARIS)
        await k.sink.tick(midnight)
        assert k.clock_events("R1") == [
            ("clock.started", "date-mark"),
            ("clock.paused", "date-mark"),
            ("clock.resumed", "date-mark"),
            ("clock.expired", "date-mark"),
            ("lot.blocked", None),
        ]
        (blocked, _) = plate_lots(k, midnight)["R1"]
        assert blocked is not None
        assert "use by 2026-12-03 has passed" in blocked
        assert k.pipeline.state.clocks.open == {}


async def test_the_four_hour_rule(tmp_path: Path) -> None:
    """Out of temperature control at noon: blocked at 16:00, unless put back before."""
    noon = MONDAY.replace(hour=12)
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1", "R2")
        await k.sink.observe(pda("tphc", "R1", noon, temp="4"))
        await k.sink.observe(pda("tphc", "R2", noon, temp="63"))
        await k.sink.observe(pda("stop", "R2", noon + timedelta(hours=1)))
        await k.sink.tick(noon + timedelta(hours=3, minutes=59))
        assert k.events("clock.expired") == []
        await k.sink.tick(noon + timedelta(hours=4))
        expired = k.events("clock.expired")
        assert [(e["lot"], e["clock"]) for e in expired] == [("R1", "tphc")]
        (block,) = k.events("lot.blocked")
        assert block["cause"] == "clock:tphc:R1"
        assert "out of temperature control for 4:00:00" in str(block["reason"])
        assert k.clock_events("R2") == [("clock.started", "tphc"), ("clock.completed", "tphc")]
        seen = plate_lots(k, noon + timedelta(hours=5))
        assert seen["R1"][0] is not None
        assert seen["R2"] == (None, None)


async def test_two_stage_cooling_passes_on_the_probe_readings(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1")
        await k.sink.observe(pda("cool", "R1", MONDAY, temp="57", probe=PROBE.device))
        await k.probe("40", MONDAY + timedelta(minutes=45))
        await k.probe("20.5", MONDAY + timedelta(hours=1, minutes=50))
        await k.sink.tick(MONDAY + timedelta(hours=3))  # stage 1 done: no expiry at 2 h
        await k.probe("4.8", MONDAY + timedelta(hours=5, minutes=30))
        await k.sink.tick(MONDAY + timedelta(hours=7))
        assert k.clock_events("R1") == [
            ("clock.started", "cooling"),
            ("clock.progressed", "cooling"),
            ("clock.completed", "cooling"),
        ]
        (done,) = k.events("clock.completed")
        assert done["detail"] == "4.8 °C after 5:30:00, 4 readings"
        assert k.pipeline.state.clocks.open == {}


async def test_cooling_missed_leaves_only_reheat_or_discard(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1")
        await k.sink.observe(pda("cool", "R1", MONDAY, temp="60", probe=PROBE.device))
        await k.probe("30", MONDAY + timedelta(hours=1))  # passed 57 °C at 10:06
        await k.sink.tick(MONDAY + timedelta(hours=2, minutes=7))
        (expired,) = k.events("clock.expired")
        assert "not at 21 °C within 2:00:00 (last reading 30 °C" in str(expired["detail"])
        assert str(expired["detail"]).endswith("reheat to 74 °C or discard")
        assert plate_lots(k, MONDAY + timedelta(hours=3))["R1"][0] is not None
        later = MONDAY + timedelta(hours=2, minutes=10)
        await k.sink.observe(pda("reheat", "R1", later, temp="70"))  # not hot enough
        await k.sink.observe(pda("stop", "R1", later))  # cooling cannot be stopped
        await k.sink.observe(pda("reheat", "R1", later + timedelta(minutes=5), temp="78"))
        assert plate_lots(k, later + timedelta(minutes=6))["R1"] == (None, None)
        # cooling again from 78 °C at 12:15 (through 57 °C at 12:36): stage 1 passed at
        # 13:20, stage 2 missed at 18:36 → discard, and no second reheat
        await k.probe("19", later + timedelta(hours=1, minutes=5))
        await k.sink.tick(later + timedelta(hours=6, minutes=30))
        await k.sink.observe(pda("reheat", "R1", later + timedelta(hours=7), temp="80"))
        await k.sink.observe(pda("discard", "R1", later + timedelta(hours=7)))
        assert k.clock_events("R1") == [
            ("clock.started", "cooling"),
            ("clock.expired", "cooling"),
            ("lot.blocked", None),
            ("lot.released", None),
            ("clock.started", "cooling"),
            ("clock.progressed", "cooling"),
            ("clock.expired", "cooling"),
            ("lot.blocked", None),
            ("lot.released", None),
            ("lot.blocked", None),  # discarded: held for good
        ]
        assert [e["disposition"] for e in k.events("lot.released")] == ["release", "discard"]
        assert k.events("lot.blocked")[-1]["cause"] == "discarded:R1"
        reasons = k.reasons()
        assert "reheated to 70 °C, below 74 °C" in reasons[0]
        assert "lot R1 has no open thawing or marinating or ageing or tphc clock" in reasons[1]
        assert "only one reheat per batch" in reasons[2]
        assert k.pipeline.state.clocks.open == {}


async def test_a_restart_mid_clock_resumes_it(tmp_path: Path) -> None:
    """Marinating and a date mark survive a restart with their zone; ticks after it make
    each event once."""
    marinated = "chicken-marinated"
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "M1", item=marinated, location="wok")
        receive(k.store, "R1")
        await k.sink.observe(pda("marinate", "M1", MONDAY, item=marinated, location="wok"))
        await k.sink.observe(pda("open", "R1", MONDAY))
        await k.sink.tick(MONDAY + timedelta(hours=1))
    async with kitchen(tmp_path / "a.db") as k:
        (wok,) = explode_recipe(MASTER, "kung-pao-chicken", 1)[:1]
        (lot,) = k.pipeline.stock_for(wok).at(marinated, "wok")
        assert lot.ready_at == MONDAY + timedelta(hours=2)
        await k.sink.tick(MONDAY + timedelta(hours=2))
        await k.sink.tick(MONDAY + timedelta(hours=2))
    async with kitchen(tmp_path / "a.db") as k:
        await k.sink.tick(MONDAY + timedelta(hours=24))
        await k.sink.tick(datetime(2026, 11, 30, 0, 0, tzinfo=PARIS))
        assert k.clock_events("M1") == [
            ("clock.started", "marinating"),
            ("clock.ready", "marinating"),
            ("clock.expired", "marinating"),
            ("lot.blocked", None),
        ]
        assert k.clock_events("R1")[-2:] == [("clock.expired", "date-mark"), ("lot.blocked", None)]
        (mark,) = [e for e in k.events("clock.expired") if e["lot"] == "R1"]
        assert "use by 2026-11-29" in str(mark["detail"])


def test_a_step_output_starts_its_clocks() -> None:
    """Thawed chicken is date-marked (no earlier than its input's mark); marinated chicken
    starts marinating and is not ready before its minimum."""
    rules = LotClockRules(MASTER, CLOCKS, PARIS)
    (thaw,) = explode_recipe(MASTER, "thaw-chicken", 1)
    (marinate,) = explode_recipe(MASTER, "marinate-chicken", 1)
    frozen = "chicken-thigh-frozen"
    stock = StockView.of(
        [
            (frozen, "walk-in", _lot("F1", 2000)),
            ("chicken-thigh", "prep", _lot("T1", 2000)),
            ("soy-sauce", "prep", _lot("S1", 500)),
        ]
    )
    clocks = LotClocks()
    for step in (thaw, marinate):
        made = deduct(MASTER, step, StepDone(MONDAY, "li", "kds:prep"), stock).drafts
        clocks, started = rules.produced(clocks, step, made)
        kinds = [(d.type, getattr(d.payload, "clock", None)) for d in started]
        expected = "date-mark" if step is thaw else "marinating"
        assert kinds == [("clock.started", expected)]
    ready = {lot: moment for (_, lot, _), moment in clocks.ready_at().items()}
    assert list(ready.values()) == [MONDAY + timedelta(hours=2)]


def _lot(lot: str, grams: int) -> LotOnHand:
    return LotOnHand(lot, Decimal(grams), None, 1)
