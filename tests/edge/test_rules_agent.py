"""Rules in the running agent, on its real sink, writer and SQLite store: the kitchen's
shelf-life rule acts once per lot, also across restarts and a crash between deciding and
storing; an event rule's actions are stored in the transaction of their trigger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.events import EventDraft
from domain.ledger import StockKey
from domain.payloads import DeviceAlarm, LotReceived
from domain.quantity import Unit
from domain.rules.engine import RuleEngine
from domain.rules.model import Role
from edge_agent.agent import build
from edge_agent.config import load_agent_config
from edge_agent.pipeline.rules import CHECKPOINT, RULES_DIR, ClockRules, load_rules
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
RULES = load_rules([RULES_DIR / "kitchen.yaml", RULES_DIR / "coldchain.yaml"])
STAFF = {Role.KITCHEN_MANAGER: ("li",)}


@asynccontextmanager
async def agent(path: Path, *, writing: bool = True) -> AsyncIterator[tuple[EdgeStore, AgentSink]]:
    """An agent on ``path``; with ``writing=False`` its writer never runs (a process about to
    die: what it decides never reaches the disk)."""
    store = EdgeStore(path, agent="a1", site="s1")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run()) if writing else None
    rules = ClockRules(RuleEngine(RULES, staff=STAFF), store.checkpoint(CHECKPOINT))
    sink = AgentSink(store, writer, rules=rules)
    try:
        yield store, sink
    finally:
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        store.close()


def receive(store: EdgeStore, lot: str, expires: date) -> None:
    payload = LotReceived(
        item="chicken", lot=lot, location="wok", qty=Decimal(800), unit=Unit.G, expires_on=expires
    )
    store.append([EventDraft("lot.received", NOW - timedelta(days=2), payload)])


def acted(store: EdgeStore) -> list[tuple[str, str]]:
    return [
        (e.type, e.data["lot"])
        for e in store.events()
        if e.type in ("notification.raised", "lot.blocked")
    ]


async def test_the_shelf_life_rule_acts_once_per_lot_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    async with agent(path) as (store, sink):
        receive(store, "C1", NOW.date())
        receive(store, "C2", NOW.date() + timedelta(days=3))
        await sink.tick(NOW)
        await sink.tick(NOW + timedelta(minutes=5))
        assert acted(store) == [("notification.raised", "C1"), ("lot.blocked", "C1")]
        key = StockKey("chicken", "C1", "wok")
        assert store.holds()[key] == (
            "less than a day of shelf life left (expires 2026-11-28)",
            "rule:shelf-life-under-a-day:chicken/C1@wok",
        )
        await sink.release(key, disposition="release", reason="used tonight", operator="li")
    async with agent(path) as (store, sink):
        await sink.tick(NOW + timedelta(minutes=10))
        await sink.tick(NOW + timedelta(minutes=20))
        assert acted(store) == [("notification.raised", "C1"), ("lot.blocked", "C1")]
        assert store.holds() == {}  # the released lot stays released


async def test_a_crash_between_deciding_and_storing_acts_once_after_the_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "a.db"
    async with agent(path, writing=False) as (store, sink):
        receive(store, "C1", NOW.date())
        tick = asyncio.create_task(sink.tick(NOW))
        await asyncio.sleep(0.05)
        assert not tick.done()  # decided, queued, not stored: now the process dies
        tick.cancel()
        await asyncio.gather(tick, return_exceptions=True)
        assert acted(store) == []
    for minutes in (5, 10):
        async with agent(path) as (store, sink):
            await sink.tick(NOW + timedelta(minutes=minutes))
            assert acted(store) == [("notification.raised", "C1"), ("lot.blocked", "C1")]


async def test_an_event_rule_is_stored_in_its_triggers_transaction(tmp_path: Path) -> None:
    rules = tmp_path / "alarms.yaml"
    rules.write_text(
        """\
rules:
  - id: compressor
    when: {event: device.alarm}
    if: {field: event.code, op: eq, value: compressor_failure}
    targets: [maintenance]
    actions: [{notify: {message: "{event.device}: {event.message}", severity: critical}}]
"""
    )
    config = tmp_path / "agent.yaml"
    config.write_text(
        """\
agent: {id: a1, site: s1}
cloud: {url: "http://127.0.0.1:9"}
store: {path: agent.db}
rules: [coldchain, kitchen, alarms.yaml]
roles: {maintenance: [tom]}
"""
    )
    runtime = build(load_agent_config(config))
    writer = asyncio.create_task(runtime.writer.run())
    try:
        alarm = DeviceAlarm(device="ctrl-1", code="compressor_failure", message="warms")
        await runtime.sink.alarm(alarm)
        assert runtime.writer.commits == 1
        events = list(runtime.store.events())
        assert [e.type for e in events] == ["device.alarm", "notification.raised"]
        assert events[1].data["people"] == ["tom"]
        assert events[1].data["message"] == "ctrl-1: warms"
    finally:
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
        await runtime.syncer.aclose()
        runtime.store.close()
