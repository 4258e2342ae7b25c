"""``edgestock demo --scenario kitchen``: a compressed restaurant day, deducted by step at the
edge, explained by the variance report, and the same stock in the cloud.

Every part is real: PostgreSQL, the cloud API and the agent as processes, Mosquitto as the
site bus, a Modbus portion scale at the wok. ``simulators.restaurant_day`` plays the day
(twelve hours in three quarters of ``--duration``): the PDA scans the opening stock in and
puts two frozen lots under running water, the POS sends orders by daypart, cooks answer the
agent's tickets, weighing chicken on the wok scale, and at closing the PDA counts what is
really left, after a staff meal and some snacking nobody recorded. The agent's clock runs
as fast as the day. The summary: orders, deductions, lots thawed, clocks expired, variance
by item with its explanation (``domain.kitchen.variance`` over the agent's events), and
whether the cloud's stock equals the edge's. The agent is enrolled with the commands of
the manual, as in ``edgestock demo``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import typer

from domain.events import Event
from domain.kitchen.variance import VarianceLine, item_totals, variance
from edge_agent.clock import Clock
from edgestock.demo import (
    ADMIN,
    ORG,
    _child,
    _cloud,
    _embedded_postgres,
    create_admin,
    enrol_agent,
    say,
    work_folder,
)
from edgestock.processes import free_port
from simulators.modbus_scale import ScaleSimulator
from simulators.mosquitto import Mosquitto
from simulators.mqtt_nodes import Broker
from simulators.restaurant_day import DAY_HOURS, MASTERDATA, OPENING, RestaurantDay

SITE = "demo-restaurant"
ORDERS = 40
DAY_SHARE = 0.75
"""The share of ``--duration`` the day takes; the rest is for the last taps and the sync."""


@dataclass(frozen=True)
class KitchenSummary:
    orders: int
    deductions: int
    thawed: int
    expired: int
    stock_equal: bool
    unexplained: dict[str, Decimal]
    """By item: what the variance report finds no event for."""


def run_kitchen_demo(
    *,
    duration: float,
    workdir: Path | None,
    database_url: str | None,
    seed: int = 7,
    orders: int = ORDERS,
) -> KitchenSummary:
    with contextlib.ExitStack() as stack:
        root = work_folder(stack, workdir, "es-kit-")
        say(f"working in {root}")
        url = database_url or stack.enter_context(_embedded_postgres())
        cloud_url = stack.enter_context(_cloud(root, url))
        (root / "broker").mkdir(exist_ok=True)
        broker = stack.enter_context(Mosquitto(root / "broker"))
        say(f"site bus: Mosquitto on {broker.host}:{broker.port}")
        admin = create_admin(root, url, cloud_url, org=ORG, site=SITE, email=ADMIN)
        day_s = max(20.0, duration * DAY_SHARE)
        speed = DAY_HOURS * 3600 / day_s
        clock = Clock(speed, timedelta(hours=DAY_HOURS * 1.5))
        scale_port = free_port()
        config = root / "agent.yaml"
        template = _template(broker, scale_port, clock)
        agent_id = enrol_agent(root, url, cloud_url, SITE, template, config)
        agent = _child("agent", root, "agent", "run", "--config", str(config)).start()
        try:
            say(f"agent: config {config}, log {agent.log}; its clock runs {speed:.0f}× fast")
            scale = ScaleSimulator("scales/laumas-tlu")
            day = RestaurantDay(
                SITE,
                Broker(broker.host, broker.port),
                scale,
                seed=seed,
                orders=orders,
                speed=speed,
                now=clock.now,
            )
            say(f"a restaurant day of {len(day.plan)} orders in {day_s:.0f} s (seed {seed})")
            asyncio.run(_play(day, scale, scale_port))
            _settle(root, agent_id, agent, counted=len(OPENING), deadline=duration * 0.2 + 10)
        finally:
            say("stopping the agent (it syncs what is left before it exits)")
            agent.stop(timeout=30)
        with admin.client() as client:
            return _summarise(root, agent_id, len(day.plan), client)


def _template(broker: Mosquitto, scale_port: int, clock: Clock) -> dict[str, Any]:
    return {
        "store": {"path": "agent.db"},
        "cloud": {"batch_max_delay_ms": 100},
        "mqtt": {"host": broker.host, "port": broker.port, "client_id": "kitchen-agent"},
        "devices": [
            {"kind": "mqtt", "id": "pda-1", "topic": "pda-1", "profile": "mqtt/pda-kitchen"},
            {
                "id": "wok-scale",
                "profile": "scales/laumas-tlu",
                "transport": {"type": "tcp", "host": "127.0.0.1", "port": scale_port},
                "poll_interval_ms": 100,
            },
        ],
        "masterdata": str(MASTERDATA),
        "kitchen": {
            "pdas": ["pda-1"],
            "scales": [{"device": "wok-scale", "station": "wok", "item": "chicken-marinated"}],
        },
        "clock": {"speed": clock.speed, "behind": clock.behind.total_seconds()},
        "anomaly": {"enabled": False},
    }


async def _play(day: RestaurantDay, scale: ScaleSimulator, scale_port: int) -> None:
    await scale.start_tcp("127.0.0.1", scale_port)
    try:
        await asyncio.sleep(2.0)  # the agent connects to the bus and the scale
        await day.run()
    finally:
        await scale.stop()


def _events(root: Path, agent_id: str) -> list[Event]:
    from edge_agent.store import EdgeStore

    store = EdgeStore(root / "agent.db", agent=agent_id, site=SITE)
    try:
        return list(store.events())
    finally:
        store.close()


def _settle(root: Path, agent_id: str, agent: Any, *, counted: int, deadline: float) -> None:
    """Wait until the closing count is stored (the day's last scans)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if not agent.alive():
            raise RuntimeError(f"the agent exited:\n{agent.tail()}")
        if sum(e.type == "stock.counted" for e in _events(root, agent_id)) >= counted:
            return
        time.sleep(0.5)
    say("the closing count did not arrive in time; summarising what there is")


def _summarise(root: Path, agent_id: str, orders: int, client: httpx.Client) -> KitchenSummary:
    from edge_agent.store import EdgeStore

    events = _events(root, agent_id)
    store = EdgeStore(root / "agent.db", agent=agent_id, site=SITE)
    edge = {(k.item, k.lot, k.location): (q.value, q.unit.value) for k, q in store.ledger().items()}
    store.close()
    response = client.get(f"/v1/sites/{SITE}/stock")
    response.raise_for_status()
    cloud = {
        (line["item"], line["lot"], line["location"]): (Decimal(line["qty"]), line["unit"])
        for line in response.json()["lines"]
    }
    used = [e for e in events if e.type == "stock.step_consumed"]
    lines = []
    if events:
        start, end = events[0].moment - timedelta(seconds=1), events[-1].moment
        lines = item_totals(variance(events, start=start, end=end))
    summary = KitchenSummary(
        orders=orders,
        deductions=len(used),
        thawed=sum(e.type == "clock.ready" and e.data["clock"] == "thawing" for e in events),
        expired=sum(e.type == "clock.expired" for e in events),
        stock_equal=edge == cloud,
        unexplained={line.item: line.unexplained for line in lines},
    )
    typer.echo("")
    typer.echo(
        f"orders:          {summary.orders} sent, {len({e.data['order'] for e in used})} cooked"
    )
    typer.echo(f"deductions:      {summary.deductions} (stock.step_consumed, one per input lot)")
    typer.echo(f"lots thawed:     {summary.thawed}")
    typer.echo(f"clocks expired:  {summary.expired}")
    typer.echo("variance by item (g):")
    for line in lines:
        typer.echo(f"  {line.item:<22} {explain(line)}")
    typer.echo(f"events:          {len(events)}")
    typer.echo(f"stock lines:     {len(edge)} at the edge, {len(cloud)} in the cloud")
    typer.echo(f"cloud stock equals edge stock: {'yes' if summary.stock_equal else 'no'}")
    return summary


def explain(line: VarianceLine) -> str:
    """opening + received − used − waste − closing = unexplained, with the expected losses,
    each to a tenth of the base unit (exact figures are in the events)."""
    moved = line.moved
    named = (("trim", moved.trim_loss), ("thaw", moved.thaw_loss))
    losses = [f"{name} {amount:.1f}" for name, amount in named if amount]
    expected = f" (of it expected: {', '.join(losses)})" if losses else ""
    return (
        f"{line.opening:.1f} + {moved.received:.1f} − {moved.used:.1f}{expected}"
        f" − {moved.waste:.1f} − {line.closing:.1f} = {line.unexplained:.1f} unexplained"
    )
