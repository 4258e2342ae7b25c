"""``edgestock demo --scenario kitchen``: a compressed restaurant day, deducted by step at the
edge, explained by the variance report, and the same stock in the cloud.

Every part is real: PostgreSQL, the cloud API and the agent as processes, Mosquitto as the
site bus, a Modbus portion scale at the wok. ``simulators.restaurant_day`` plays the day
(twelve hours in three quarters of ``--duration``): the PDA scans the opening stock in and
puts two frozen lots under running water, the POS sends orders by daypart, cooks answer the
agent's tickets by tapping the station screens the agent serves (the POST a tap on the
kitchen display makes), weighing chicken on the wok scale, and at closing the PDA counts what is
really left, after a staff meal and some snacking nobody recorded. The agent's clock runs
as fast as the day. The day starts only once the agent has said ``online`` on the bus, so
it has subscribed and no opening scan is lost; the summary counts the PDA's scans that
landed in the agent's store against those sent. The story is complete when every scan
landed, every order was cooked and deducted, every tap was answered by a screen, and the
cloud's stock equals the edge's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from domain.events import Event
from domain.kitchen.variance import VarianceLine, item_totals, variance
from edge_agent.clock import Clock
from edge_agent.web.auth import hash_pin
from edgestock.demos.console import say
from edgestock.demos.kitchen_screen import ScreenCooks
from edgestock.demos.ledgers import cloud_ledger, edge_events, edge_ledger
from edgestock.demos.readiness import NeverReady
from edgestock.demos.stack import DemoStack, EnrolledAgent, SiteBus
from edgestock.processes import free_port, port_accepts
from simulators.modbus_scale import ScaleSimulator
from simulators.mqtt_nodes import Broker
from simulators.restaurant_day import DAY_HOURS, MASTERDATA, OPENING, THAWING, RestaurantDay

SITE = "demo-restaurant"
ORDERS = 40
DAY_SHARE = 0.75
"""The share of ``--duration`` the day takes; the rest is for the last taps and the sync."""
PDA = "pda-1"


@dataclass(frozen=True)
class PdaScans:
    """The PDA's scans by kind: (sent, landed in the agent's store)."""

    receipts: tuple[int, int]
    thaw_starts: tuple[int, int]
    counts: tuple[int, int]

    @property
    def all_landed(self) -> bool:
        return all(
            landed >= sent for sent, landed in (self.receipts, self.thaw_starts, self.counts)
        )


@dataclass
class Played:
    """What the story set going, for the summary: the day's orders and the screens' cooks."""

    orders: int
    cooks: ScreenCooks | None = None


@dataclass(frozen=True)
class KitchenSummary:
    orders: int
    deductions: int
    thawed: int
    expired: int
    stock_equal: bool
    unexplained: dict[str, Decimal]
    """By item: what the variance report finds no event for."""
    cooked: int = 0
    scans: PdaScans = PdaScans((0, 0), (0, 0), (0, 0))
    interrupted: str | None = None
    screen_taps: tuple[int, int] = (0, 0)
    """The cooks' taps on the station screens: (made, answered with the tickets)."""

    def missing(self) -> list[str]:
        """What of the story did not happen (empty: it all did)."""
        gaps = [f"the run was cut short ({self.interrupted})"] if self.interrupted else []
        for what, (sent, landed) in (
            ("PDA receipts", self.scans.receipts),
            ("PDA thaw starts", self.scans.thaw_starts),
            ("PDA counts", self.scans.counts),
        ):
            if landed < sent:
                gaps.append(f"{what}: {landed} of {sent} landed in the agent's store")
        if self.cooked < self.orders or not self.deductions:
            gaps.append(f"orders: {self.cooked} of {self.orders} cooked and deducted")
        made, answered = self.screen_taps
        if answered < made or not made:
            gaps.append(f"cooks' taps: {answered} of {made} answered by the station screens")
        if not self.stock_equal:
            gaps.append("the cloud's stock differs from the edge's")
        return gaps


def run_kitchen_demo(
    *,
    duration: float,
    workdir: Path | None,
    database_url: str | None,
    seed: int = 7,
    orders: int = ORDERS,
) -> KitchenSummary:
    """Play the day in ``duration`` seconds; the summary, printed."""
    with DemoStack(
        site=SITE, workdir=workdir, prefix="es-kit-", database_url=database_url
    ) as stack:
        played = Played(orders)
        stack.play(lambda: _story(stack, duration, seed, orders, played))
        stack.stop_devices_and_agents()
        return _summarise(stack, played)


def _story(stack: DemoStack, duration: float, seed: int, orders: int, played: Played) -> None:
    stack.start_database()
    stack.start_cloud()
    bus = stack.start_site_bus()
    stack.create_admin()
    feeder = stack.start_feeder("restaurant day")
    scale = ScaleSimulator("scales/laumas-tlu")
    scale_port = free_port()
    feeder.call(scale.start_tcp("127.0.0.1", scale_port))
    feeder.on_stop(scale.stop)
    stack.wait("the wok scale", lambda: port_accepts("127.0.0.1", scale_port), 10)
    day_s = max(20.0, duration * DAY_SHARE)
    speed = DAY_HOURS * 3600 / day_s
    screens = free_port()  # the agent's own pages: kitchen display, PDA app, board
    pin = f"{secrets.randbelow(10**6):06d}"  # the screens' sign-in, new for each demo
    web = {"port": screens, "pin_hash": hash_pin(pin)}
    template = _template(bus, scale_port, speed, DAY_HOURS * 1.5) | {"web": web}
    agent = stack.enrol_agent(template)
    clock = Clock(speed, timedelta(hours=DAY_HOURS * 1.5))  # started with the agent's
    child = stack.start_agent(agent, bus)
    say(f"agent: config {agent.config}, log {child.log}; its clock runs {speed:.0f}× fast")
    here = f"http://127.0.0.1:{screens}"
    say(f"screens: wok {here}/kds/wok, pass {here}/kds/pass, PDA {here}/pda, board {here}/board"
        f" (PIN {pin})")  # fmt: skip
    broker = Broker(bus.host, bus.port)
    played.cooks = ScreenCooks(here, pin)  # the cooks tap the station screens, as a cook does
    feeder.on_stop(played.cooks.close)
    day = RestaurantDay(SITE, broker, scale, seed=seed, orders=orders, speed=speed,
                        now=clock.now, tap=played.cooks.tap)  # fmt: skip
    played.orders = len(day.plan)
    say(f"a restaurant day of {len(day.plan)} orders in {day_s:.0f} s (seed {seed})")
    playing = feeder.spawn(day.run())
    stack.wait("the restaurant day", playing.done, day_s * 3 + 30)
    stack.check_parts()  # the day's own failure, if it had one, shows here
    _settle(stack, agent, deadline=duration * 0.2 + 10)


def _template(bus: SiteBus, scale_port: int, speed: float, behind_h: float) -> dict[str, Any]:
    return {
        "store": {"path": "agent.db"},
        "cloud": {"batch_max_delay_ms": 100},
        "mqtt": {"host": bus.host, "port": bus.port, "client_id": "kitchen-agent"},
        "devices": [
            {"kind": "mqtt", "id": PDA, "topic": PDA, "profile": "mqtt/pda-kitchen"},
            {
                "id": "wok-scale",
                "profile": "scales/laumas-tlu",
                "transport": {"type": "tcp", "host": "127.0.0.1", "port": scale_port},
                "poll_interval_ms": 100,
            },
        ],
        "masterdata": str(MASTERDATA),
        "kitchen": {
            "pdas": [PDA],
            "scales": [{"device": "wok-scale", "station": "wok", "item": "chicken-marinated"}],
        },
        "clock": {"speed": speed, "behind": behind_h * 3600},
        "anomaly": {"enabled": False},
    }


def _settle(stack: DemoStack, agent: EnrolledAgent, *, deadline: float) -> None:
    """Wait until the closing count is stored (the day's last scans)."""

    def counted() -> bool:
        return _scans(edge_events(agent, SITE)).counts[1] >= len(OPENING)

    try:
        stack.wait("the closing count in the agent's store", counted, deadline)
    except NeverReady:
        say("the closing count did not arrive in time; summarising what there is")


def _scans(events: list[Event]) -> PdaScans:
    """The PDA's scans sent in a day (``simulators.restaurant_day``) and those stored."""
    received = sum(e.type == "lot.received" and e.data.get("device") == PDA for e in events)
    thawing = sum(e.type == "clock.started" and e.data.get("clock") == "thawing" for e in events)
    counted = sum(e.type == "stock.counted" for e in events)
    return PdaScans(
        receipts=(len(OPENING) + len(THAWING), received),
        thaw_starts=(len(THAWING), thawing),
        counts=(len(OPENING), counted),
    )


def _summarise(stack: DemoStack, played: Played) -> KitchenSummary:
    agent, admin = stack.agent, stack.admin
    events = edge_events(agent, SITE) if agent is not None else []
    edge = edge_ledger(agent, SITE) if agent is not None else {}
    cloud = {}
    if admin is not None:
        with admin.client() as client:
            cloud = cloud_ledger(client, SITE)
    used = [e for e in events if e.type == "stock.step_consumed"]
    lines = []
    if events:
        start, end = events[0].moment - timedelta(seconds=1), events[-1].moment
        lines = item_totals(variance(events, start=start, end=end))
    cooks = played.cooks
    summary = KitchenSummary(
        orders=played.orders,
        deductions=len(used),
        thawed=sum(e.type == "clock.ready" and e.data["clock"] == "thawing" for e in events),
        expired=sum(e.type == "clock.expired" for e in events),
        stock_equal=agent is not None and edge == cloud,
        unexplained={line.item: line.unexplained for line in lines},
        cooked=len({e.data["order"] for e in used}),
        scans=_scans(events),
        interrupted=stack.interrupted,
        screen_taps=(cooks.sent, cooks.taps) if cooks is not None else (0, 0),
    )
    _print(summary, lines, len(events), len(edge), len(cloud))
    return summary


def _print(summary: KitchenSummary, lines: list[VarianceLine], events: int, edge: int,
           cloud: int) -> None:  # fmt: skip
    typer.echo("")
    if summary.interrupted:
        typer.echo(f"interrupted:     {summary.interrupted}, before the day's end")
    typer.echo(f"orders:          {summary.orders} sent, {summary.cooked} cooked")
    typer.echo(f"deductions:      {summary.deductions} (stock.step_consumed, one per input lot)")
    made, answered = summary.screen_taps
    typer.echo(f"screen taps:     {answered} of {made} answered by the station screens")
    scans = summary.scans
    typer.echo(
        f"PDA scans:       receipts {scans.receipts[1]}/{scans.receipts[0]},"
        f" thaw starts {scans.thaw_starts[1]}/{scans.thaw_starts[0]},"
        f" counts {scans.counts[1]}/{scans.counts[0]} landed"
    )
    typer.echo(f"lots thawed:     {summary.thawed}")
    typer.echo(f"clocks expired:  {summary.expired}")
    typer.echo("variance by item (g):")
    for line in lines:
        typer.echo(f"  {line.item:<22} {explain(line)}")
    typer.echo(f"events:          {events}")
    typer.echo(f"stock lines:     {edge} at the edge, {cloud} in the cloud")
    typer.echo(f"cloud stock equals edge stock: {'yes' if summary.stock_equal else 'no'}")


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
