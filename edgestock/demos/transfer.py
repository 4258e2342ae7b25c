"""``edgestock demo --scenario transfer``: a central kitchen ships marinated chicken to two
restaurants of another legal entity, one of them offline while it travels.

The kitchen (organisation "Central Kitchen SA") has received chicken and made two lots of
marinated chicken from it. Its organisation holds a second legal entity, "Bistro Franchise
SARL", with two restaurant sites. Transfers wait for a finance approval (the org settings).
The story: availability to promise at each restaurant; restaurant 2's agent stops; one
transfer per restaurant is requested through the cloud API and approved by the finance
person; the kitchen's agent ships both from a panel on its site bus (lots first to expire
first, picked in its writer); the cloud shows the stock in transit; restaurant 1 receives at
once; restaurant 2's agent starts again, fetches its document and receives with 0.2 kg
short. It prints both sides' ledgers, the vouchers with their amounts, the time from the
request to both ledgers and vouchers, availability after, and whether each site's cloud
stock equals its edge stock. Every step is waited for on its signal (an answer on the bus,
a document in a store, a line in the cloud); ``missing()`` names any that did not happen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import typer

from edgestock.demos.console import say
from edgestock.demos.enrolment import enrol_agent
from edgestock.demos.ledgers import cloud_ledger, edge_ledger
from edgestock.demos.stack import DemoStack, EnrolledAgent, SiteBus
from edgestock.demos.transfer_org import (
    CloudRefused,
    describe_promise,
    finance_person,
    promise,
    root_of,
    set_up,
    transfer,
)
from edgestock.demos.transfer_panel import TransferPanel
from edgestock.demos.transfer_stock import describe_ledger, has_document, stock_the_kitchen

KITCHEN = "central-kitchen"
ORG = "Central Kitchen SA"
ENTITY = "Bistro Franchise SARL"
RESTAURANTS = {"bistro-1": "Bistro Rive Gauche", "bistro-2": "Bistro Gare du Nord"}
ITEM = "chicken-marinated"
WANTED = {"bistro-1": "4", "bistro-2": "5"}  # kg of marinated chicken each restaurant asks
PRICE = "9.80"  # EUR per kg, what the franchise pays the kitchen
SHORT = Decimal("0.2")  # kg restaurant 2 finds missing
WAIT_S = 90.0
"""How long any one step may take before the demo says it did not happen."""


@dataclass
class TransferSummary:
    """What the story showed; ``missing()`` lists what did not happen."""

    atp_before: dict[str, str] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    shipped: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    short_at_ship: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    in_transit: list[str] = field(default_factory=list)
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    vouchers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    """Per transfer: from its request to both ledgers and both vouchers in the cloud."""
    atp_after: dict[str, str] = field(default_factory=dict)
    stock_equal: dict[str, bool] = field(default_factory=dict)
    interrupted: str | None = None
    failure: str | None = None
    """Why the story stopped early (the cloud refused a step), if it did."""

    def missing(self) -> list[str]:
        gaps = [f"the run was cut short ({self.interrupted})"] if self.interrupted else []
        if self.failure:
            gaps.append(f"the story stopped: {self.failure}")
        transfers = [f"t-{site}" for site in RESTAURANTS]
        checks = [
            (f"availability before at {site}", site in self.atp_before) for site in RESTAURANTS
        ]
        for t in transfers:
            checks += [
                (f"{t} approved and sent to both sites", t in self.sent),
                (f"{t} shipped by the kitchen in full", bool(self.shipped.get(t))
                 and not self.short_at_ship.get(t)),
                (f"{t} received", bool(self.received.get(t))),
                (f"{t}: a receivable and a payable voucher", len(self.vouchers.get(t, [])) == 2),
                (f"{t}: both ledgers and vouchers in the cloud", t in self.seconds),
            ]  # fmt: skip
        checks.append(("stock in transit shown by the cloud", bool(self.in_transit)))
        checks += [(f"availability after at {s}", s in self.atp_after) for s in RESTAURANTS]
        for site in (KITCHEN, *RESTAURANTS):
            equal = self.stock_equal.get(site, False)
            checks.append((f"cloud stock equals edge stock at {site}", equal))
        return gaps + [f"{what}: did not happen" for what, done in checks if not done]


def run_transfer_demo(*, workdir: Path | None, database_url: str | None) -> TransferSummary:
    """Play the story; the summary, printed."""
    with DemoStack(site=KITCHEN, workdir=workdir, prefix="es-tr-", database_url=database_url,
                   org=ORG) as stack:  # fmt: skip
        summary = TransferSummary()
        agents: dict[str, EnrolledAgent] = {}
        stack.play(lambda: _story_or_failure(stack, summary, agents))
        stack.stop_devices_and_agents()  # each agent syncs what is left as it stops
        if stack.admin is not None and agents:
            with stack.admin.client() as client:
                _last_word(client, agents, summary)
        summary.interrupted = stack.interrupted
        _print_outcome(summary)
        return summary


def _story_or_failure(
    stack: DemoStack, summary: TransferSummary, agents: dict[str, EnrolledAgent]
) -> None:
    """The story; a step the cloud refuses ends it, said in the summary (the agents still
    stop and the ledgers are still compared)."""
    try:
        _story(stack, summary, agents)
    except (httpx.HTTPError, CloudRefused) as exc:
        summary.failure = f"{type(exc).__name__}: {exc}"
        say(f"the story stopped: {summary.failure}")


def _story(stack: DemoStack, summary: TransferSummary, agents: dict[str, EnrolledAgent]) -> None:
    stack.start_database()
    stack.start_cloud()
    bus = stack.start_site_bus()
    admin = stack.create_admin().client()
    org = root_of(stack.database_url, ORG)
    set_up(admin, org, ENTITY, RESTAURANTS)
    finance = finance_person(stack, admin, org)
    for site in (KITCHEN, *RESTAURANTS):
        agents[site] = _enrol(stack, bus, site)
    stock_the_kitchen(agents[KITCHEN], KITCHEN)
    for site, agent in agents.items():
        stack.start_agent(agent, bus, site=site, name=f"agent {site}")
    panels = {site: TransferPanel(bus.host, bus.port, site) for site in agents}
    for site, panel in panels.items():
        stack.wait(f"the panel of {site} on the bus", panel.subscribed, 15)
    try:
        _play(stack, bus, summary, agents, panels, admin, finance)
    finally:
        for panel in panels.values():
            panel.close()
        admin.close()
        finance.close()


def _play(
    stack: DemoStack, bus: SiteBus, summary: TransferSummary, agents: dict[str, EnrolledAgent],
    panels: dict[str, TransferPanel], admin: httpx.Client, finance: httpx.Client,
) -> None:  # fmt: skip
    for site, qty in WANTED.items():
        summary.atp_before[site] = describe_promise(promise(admin, site, ITEM, qty, "kg"))
        say(f"ATP before: {summary.atp_before[site]}")
    offline = "bistro-2"
    stack.stop_part(f"agent {offline}")
    say(f"{offline}'s agent is stopped: it is offline while its transfer is sent and travels")
    requested: dict[str, float] = {}
    for site, qty in WANTED.items():
        t = f"t-{site}"
        requested[t] = time.monotonic()
        _request(admin, finance, site, t, qty)
        summary.sent.append(t)
    for t in requested:
        kept = partial(has_document, agents[KITCHEN], "transfer.ship", t)
        stack.wait(f"the kitchen's transfer.ship of {t}", kept, WAIT_S)
        _ship(stack, panels[KITCHEN], t, summary)
    _show_in_transit(stack, admin, summary)
    _receive(stack, agents, panels, "bistro-1", summary, short=Decimal(0))
    _in_books(stack, admin, agents, "bistro-1", requested["t-bistro-1"], summary)
    stack.start_agent(agents[offline], bus, site=offline, name=f"agent {offline}")
    say(f"{offline}'s agent is back")
    _receive(stack, agents, panels, offline, summary, short=SHORT)
    _in_books(stack, admin, agents, offline, requested[f"t-{offline}"], summary)
    for site, qty in WANTED.items():
        summary.atp_after[site] = describe_promise(promise(admin, site, ITEM, qty, "kg"))


def _enrol(stack: DemoStack, bus: SiteBus, site: str) -> EnrolledAgent:
    from edge_agent.config import load_agent_config

    template = {
        "store": {"path": f"{site}.db"},
        "cloud": {"batch_max_delay_ms": 100},
        "mqtt": {"host": bus.host, "port": bus.port, "client_id": f"{site}-agent"},
        "anomaly": {"enabled": False},
    }
    folder = stack.root / site  # each agent its own key, next to its config
    folder.mkdir()
    config = folder / "agent.yaml"
    agent_id = enrol_agent(folder, stack.database_url, stack.cloud_url, site, template,
                           config)  # fmt: skip
    return EnrolledAgent(agent_id, config, load_agent_config(config).store.path)


def _request(admin: httpx.Client, finance: httpx.Client, site: str, t: str, qty: str) -> None:
    """The transfer asked for through the API, and approved by finance (four eyes)."""
    order = {
        "transfer": t, "to_site": site, "from_location": None, "to_location": "walk-in",
        "to_org": ENTITY, "expected_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        "lines": [{"item": ITEM, "qty": qty, "unit": "kg", "unit_price": PRICE,
                   "currency": "EUR"}],
    }  # fmt: skip
    made = admin.post(f"/v1/sites/{KITCHEN}/transfers", json=order)
    made.raise_for_status()
    say(f"{t}: {qty} kg {ITEM} to {site} at {PRICE} EUR/kg requested by the admin:"
        f" {made.json()['state']}, waiting for {made.json()['waiting_for']}")  # fmt: skip
    approved = finance.post(f"/v1/sites/{KITCHEN}/transfers/{t}/approve", json={"note": "ok"})
    approved.raise_for_status()
    say(f"{t}: approved by finance, {approved.json()['state']} to both sites' down-channels")


def _ship(stack: DemoStack, panel: TransferPanel, t: str, summary: TransferSummary) -> None:
    request = panel.ship(t, "kitchen-lead")
    stack.wait(f"the kitchen's answer to ship {t}", panel.answered(request), WAIT_S)
    answer = panel.answer(request) or {}
    if not answer.get("ok"):
        say(f"{t}: the kitchen refused to ship: {answer.get('refused')}")
        return
    summary.shipped[t] = list(answer["shipped"])
    summary.short_at_ship[t] = list(answer["short"])
    lots = ", ".join(f"{s['qty']} {s['unit']} lot {s['lot']} (expires {s['expires_on']})"
                     for s in answer["shipped"])  # fmt: skip
    say(f"{t}: shipped by the kitchen, first to expire first: {lots}")


def _show_in_transit(stack: DemoStack, admin: httpx.Client, summary: TransferSummary) -> None:
    """Once the kitchen's shipments reach the cloud: what travels, per transfer and lot."""
    wanted = {f"t-{site}": Decimal(qty) * 1000 for site, qty in WANTED.items()}

    def arrived() -> bool:
        return all(
            sum(Decimal(line["in_transit"]) for line in transfer(admin, KITCHEN, t)["lines"]) == g
            for t, g in wanted.items()
        )

    stack.wait("the shipments in transit in the cloud", arrived, WAIT_S)
    for t in wanted:
        for line in transfer(admin, KITCHEN, t)["lines"]:
            summary.in_transit.append(
                f"{t}: {Decimal(line['in_transit']) / 1000} kg lot {line['lot']} to"
                f" {line['to_site']}, expected {line['expected_at']}"
            )
    for line in summary.in_transit:
        say(f"in transit (cloud): {line}")
    offline = describe_promise(promise(admin, "bistro-2", ITEM, WANTED["bistro-2"], "kg"))
    say(f"ATP while it travels: {offline}")


def _receive(
    stack: DemoStack, agents: dict[str, EnrolledAgent], panels: dict[str, TransferPanel],
    site: str, summary: TransferSummary, *, short: Decimal,
) -> None:  # fmt: skip
    """The restaurant counts what arrived (``short`` less of the last lot) and receives it."""
    t = f"t-{site}"
    stack.wait(f"{site}'s transfer.expect of {t}",
               lambda: has_document(agents[site], "transfer.expect", t), WAIT_S)  # fmt: skip
    lines = [{"item": s["item"], "lot": s["lot"], "accepted": s["qty"], "unit": s["unit"],
              "expires_on": s["expires_on"]} for s in summary.shipped.get(t, [])]  # fmt: skip
    if lines and short:
        lines[-1]["accepted"] = str(Decimal(lines[-1]["accepted"]) - short)
    request = panels[site].receive(t, f"{site}-manager", lines)
    stack.wait(f"{site}'s answer to receive {t}", panels[site].answered(request), WAIT_S)
    answer = panels[site].answer(request) or {}
    if not answer.get("ok"):
        say(f"{t}: {site} refused the receipt: {answer.get('refused')}")
        return
    summary.received[t] = list(answer["received"])
    got = ", ".join(f"{r['qty']} {r['unit']} lot {r['lot']}" for r in answer["received"])
    say(f"{t}: received at {site}: {got}" + (f" ({short} kg short)" if short else ""))


def _in_books(
    stack: DemoStack, admin: httpx.Client, agents: dict[str, EnrolledAgent], site: str,
    requested: float, summary: TransferSummary,
) -> None:  # fmt: skip
    """Wait until the cloud has both vouchers of the transfer to ``site`` and both sites'
    ledgers as their agents hold them; the time since ``requested`` is the story's figure."""
    t = f"t-{site}"

    def done() -> bool:
        vouchers = transfer(admin, KITCHEN, t)["vouchers"]
        if len(vouchers) < 2 or not any(v["kind"] == "payable" and v["lines"] for v in vouchers):
            return False
        summary.vouchers[t] = vouchers
        return all(cloud_ledger(admin, s) == edge_ledger(agents[s], s) for s in (KITCHEN, site))

    stack.wait(f"{t} in both ledgers and both vouchers in the cloud", done, WAIT_S)
    summary.seconds[t] = time.monotonic() - requested
    say(f"{t}: from its request to both ledgers and vouchers in the cloud:"
        f" {summary.seconds[t]:.1f} s")  # fmt: skip


def _last_word(
    client: httpx.Client, agents: dict[str, EnrolledAgent], summary: TransferSummary
) -> None:
    """Once the agents have stopped (a last sync each): both ledgers of every site, compared."""
    typer.echo("")
    for site, agent in agents.items():
        edge, cloud = edge_ledger(agent, site), cloud_ledger(client, site)
        summary.stock_equal[site] = edge == cloud and bool(edge)
        typer.echo(f"ledger of {site} (edge):")
        for line in describe_ledger(edge):
            typer.echo(f"  {line}")
        typer.echo(f"ledger of {site} (cloud):")
        for line in describe_ledger(cloud):
            typer.echo(f"  {line}")


def _print_outcome(summary: TransferSummary) -> None:
    for t, vouchers in summary.vouchers.items():
        for v in vouchers:
            extra = ""
            if v.get("cost_of_goods") is not None:
                extra = (
                    f", cost of goods {v['cost_of_goods']} ({v['method']}), margin {v['margin']}"
                )
            typer.echo(
                f"{t} {v['kind']} in the books of {v['entity']} (to {v['counterparty']}):"
                f" {v['total']} {v['currency']}, claim {v['claim']}{extra}"
            )
    for t, seconds in summary.seconds.items():
        typer.echo(f"{t}: request to both ledgers and vouchers: {seconds:.1f} s")
    for line in summary.atp_after.values():
        typer.echo(f"ATP after: {line}")
    for site, equal in summary.stock_equal.items():
        typer.echo(f"{site}: cloud stock equals edge stock: {'yes' if equal else 'no'}")
