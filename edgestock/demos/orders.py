"""``edgestock demo --scenario orders``: a made-to-order studio with no stock runs orders
through its own lifecycle, with deposits and balances, an approval and a report.

Lin Atelier orders a dress from "Studio Mei" (an order-driven organisation: no stock
initialisation, every item available). The lifecycle is the YAML in
``examples/lifecycles/made_to_order.yaml``: design, 30 % deposit, sample, customer confirms,
balance paid, shipped. The story: the deposit transition is refused until 30 % is paid; the
customer's confirmation waits for a finance approval (the org settings), which the person who
asked cannot give; shipping is refused while a balance is due; a photography fee is shared
over two orders by their totals; the customer's second order shows the notes written on the
first; the report ``examples/reports/orders_by_type_and_month.yaml`` is printed. Every step
is checked against the cloud's answer; ``missing()`` names any that did not happen.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import typer

from domain.lifecycles import Lifecycle
from domain.reports import Dataset
from edge_agent.yaml_config import load_model
from edgestock.demos.console import say
from edgestock.demos.stack import DemoStack
from edgestock.demos.transfer_org import CloudRefused, root_of

ORG = "Studio Mei"
SITE = "studio"
EXAMPLES = Path(__file__).parents[2] / "examples"
PEOPLE = {"sales": "sales@demo.example", "production": "maker@demo.example",
          "finance": "finance@demo.example"}  # fmt: skip
NOTE = "likes muted colours; needs a 3-day rush on samples"
MASTERDATA = {
    "items": [{"id": i, "name": i, "base_unit": u, "storage": "ambient"}
              for i, u in (("dress-silk", "each"), ("silk-fabric", "g"), ("thread", "each"))],
    "boms": [{"product": "dress-silk", "revision": "A",
              "operations": [{"id": "cut"}, {"id": "sew"}],
              "lines": [{"operation": "cut", "item": "silk-fabric", "qty": 450, "unit": "g"},
                        {"operation": "sew", "item": "thread", "qty": 2, "unit": "each"}]}],
}  # fmt: skip
"""The studio's one bill of materials: what the deposit's work order is made from."""


@dataclass
class OrdersSummary:
    """What the story showed; ``missing()`` lists what did not happen."""

    refusals: dict[str, str] = field(default_factory=dict)
    """Step → the reason the cloud gave for refusing it."""
    states: dict[str, str] = field(default_factory=dict)
    approved_by: str | None = None
    shares: dict[str, str] = field(default_factory=dict)
    notes_on_new_order: list[str] = field(default_factory=list)
    report: str = ""
    work_orders: list[str] = field(default_factory=list)
    """The work orders the deposit's ``create_order`` action released."""
    notified: list[str] = field(default_factory=list)
    """What the ``notify`` action of ``sample_sent`` told sales."""
    interrupted: str | None = None
    failure: str | None = None

    def missing(self) -> list[str]:
        gaps = [f"the run was cut short ({self.interrupted})"] if self.interrupted else []
        gaps += [f"the story stopped: {self.failure}"] if self.failure else []
        expected = {
            "deposit refused before 30 % paid": "deposit" in self.refusals,
            "the requester refused as approver (four eyes)": "four_eyes" in self.refusals,
            "shipping refused while a balance is due": "ship" in self.refusals,
            "A-1001 approved by finance": self.approved_by == PEOPLE["finance"],
            "A-1001 shipped": self.states.get("A-1001") == "shipped",
            "the sample's work order released": len(self.work_orders) == 1,
            "sales notified of the sample": len(self.notified) == 1,
            "photography shared over two orders": len(self.shares) == 2,
            "the earlier note shown on the new order": NOTE in self.notes_on_new_order,
            "the report printed": "made-to-order" in self.report,
        }
        return gaps + [f"{step}: did not happen" for step, done in expected.items() if not done]


def run_orders_demo(*, workdir: Path | None, database_url: str | None) -> OrdersSummary:
    """Play the story; the summary, printed."""
    summary = OrdersSummary()
    with DemoStack(site=SITE, workdir=workdir, prefix="es-or-", database_url=database_url,
                   org=ORG) as stack:  # fmt: skip
        stack.play(lambda: _story_or_failure(stack, summary))
        summary.interrupted = stack.interrupted
    for gap in summary.missing():
        say(f"missing: {gap}")
    return summary


def _story_or_failure(stack: DemoStack, summary: OrdersSummary) -> None:
    try:
        _story(stack, summary)
    except (httpx.HTTPError, CloudRefused) as exc:
        summary.failure = f"{type(exc).__name__}: {exc}"
        say(f"the story stopped: {summary.failure}")


def _story(stack: DemoStack, summary: OrdersSummary) -> None:
    stack.start_database()
    stack.start_cloud()
    admin = stack.create_admin().client()
    org = root_of(stack.database_url, ORG)
    people = _set_up(stack, admin, org)
    sales, maker, finance = (people[role] for role in ("sales", "production", "finance"))
    order = "/v1/sites/studio/orders/A-1001"
    made = _ok(sales.post("/v1/sites/studio/orders", json=_order("A-1001", "2400")))
    say(f"A-1001 for Lin Atelier, 2400 CNY: {made['state']} (no earlier notes: "
        f"{len(made['customer_notes'])})")  # fmt: skip
    _ok(sales.post(f"{order}/notes", json={"text": NOTE}))
    summary.refusals["deposit"] = _refused(sales.post(f"{order}/transitions/deposit_received"))
    say(f"deposit_received with nothing paid: refused: {summary.refusals['deposit']}")
    _pay(sales, order, "deposit", "720")
    moved = _ok(sales.post(f"{order}/transitions/deposit_received"))
    say(f"deposit_received: {moved['state']}; then {_actions(moved)}")
    summary.work_orders = [w for e in _action_data(moved) for w in e.get("work_orders", [])]
    say(f"sample_sent: {_ok(maker.post(f'{order}/transitions/sample_sent'))['state']}")
    told = _ok(sales.get("/v1/sites/studio/notifications"))
    summary.notified = [n["message"] for n in told]
    for note in told:
        say(f"{PEOPLE['sales']} is notified ({note['role']}): {note['message']!r}")
    asked = _ok(sales.post(f"{order}/transitions/customer_confirmed"))
    say(f"customer_confirmed: waits for {asked['pending']['waiting_for']} (org settings)")
    summary.refusals["four_eyes"] = _refused(sales.post(f"{order}/approve", json={}))
    say(f"{PEOPLE['sales']} approves their own request: refused: {summary.refusals['four_eyes']}")
    done = _ok(finance.post(f"{order}/approve", json={"note": "deposit on the account"}))
    summary.approved_by = done["recorded"][0]["by"]
    say(f"approved by {summary.approved_by} at {done['recorded'][0]['at']}: {done['state']}")
    summary.refusals["ship"] = _refused(maker.post(f"{order}/transitions/ship"))
    say(f"ship with the balance unpaid: refused: {summary.refusals['ship']}")
    _pay(sales, order, "balance", "1680")
    shipped = _ok(maker.post(f"{order}/transitions/ship"))
    summary.states["A-1001"] = shipped["state"]
    say(f"ship: {shipped['state']}; then {_actions(shipped)}")
    second = _ok(sales.post("/v1/sites/studio/orders", json=_order("A-1002", "1200")))
    summary.notes_on_new_order = [n["data"]["text"] for n in second["customer_notes"]]
    for note in summary.notes_on_new_order:
        say(f"A-1002 opened: note from an earlier order of Lin Atelier: {note!r}")
    cost = {"category": "photography", "amount": "600", "orders": ["A-1001", "A-1002"],
            "rule": "by_total"}  # fmt: skip
    summary.shares = _ok(admin.post("/v1/sites/studio/order-costs", json=cost))["shares"]
    say("photography 600 CNY shared by order total: "
        + ", ".join(f"{o} {a}" for o, a in summary.shares.items()))  # fmt: skip
    summary.report = _print_report(admin, org)


def _set_up(stack: DemoStack, admin: httpx.Client, org: int) -> dict[str, httpx.Client]:
    """Order-driven mode, the approval step, the lifecycle and the report from their YAML,
    and one signed-in person per role."""
    steps = [{"action": "order.transition", "transition": "customer_confirmed",
              "role": "finance"}]  # fmt: skip
    settings = {"order_mode": "order_driven", "approval_steps": steps}
    _ok(admin.put(f"/v1/orgs/{org}/settings", json=settings))
    _ok(admin.put(f"/v1/sites/{SITE}/masterdata", json=MASTERDATA))
    cycle = load_model(EXAMPLES / "lifecycles" / "made_to_order.yaml", Lifecycle)
    body = cycle.model_dump(mode="json", by_alias=True)
    _ok(admin.put(f"/v1/orgs/{org}/lifecycles/{cycle.order_type}", json=body), empty=True)
    report = load_model(EXAMPLES / "reports" / "orders_by_type_and_month.yaml", Dataset)
    url = f"/v1/orgs/{org}/reports/{report.name}"
    _ok(admin.put(url, json=report.model_dump(mode="json")), empty=True)
    say(f"{ORG}: order-driven (no stock), lifecycle {cycle.order_type!r} and report"
        f" {report.name!r} from their YAML; customer_confirmed waits for finance")  # fmt: skip
    for role in ("sales", "production"):  # the studio's own roles, beside the built-in ones
        made = {"name": role, "operations": ["stock.read", "stock.adjust"], "fields": []}
        _ok(admin.post(f"/v1/orgs/{org}/roles", json=made))
    return {role: _person(stack, admin, org, role, email) for role, email in PEOPLE.items()}


def _person(stack: DemoStack, admin: httpx.Client, org: int, role: str, email: str) -> httpx.Client:
    password = secrets.token_urlsafe(18)
    _ok(admin.post(f"/v1/orgs/{org}/users",
                   json={"email": email, "password": password, "role": role}))  # fmt: skip
    form = {"grant_type": "password", "username": email, "password": password}
    token = _ok(httpx.post(f"{stack.cloud_url}/v1/auth/token", data=form, timeout=10))
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    return httpx.Client(base_url=stack.cloud_url, headers=headers, timeout=10)


def _order(order: str, total: str) -> dict[str, Any]:
    return {"order": order, "order_type": "made-to-order", "customer": "lin-atelier",
            "customer_name": "Lin Atelier", "total": total, "currency": "CNY",
            "lines": [{"item": "dress-silk", "qty": "1", "unit": "pc"}]}  # fmt: skip


def _pay(client: httpx.Client, order: str, kind: str, amount: str) -> None:
    paid = _ok(client.post(f"{order}/payments", json={"kind": kind, "amount": amount}))
    say(f"{kind} {amount} CNY: paid {paid['paid']}, balance due {paid['balance_due']}")


def _action_data(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["data"] for e in answer["recorded"] if e["kind"] == "order.action"]


def _actions(answer: dict[str, Any]) -> str:
    done = _action_data(answer)
    return "; ".join(", ".join(f"{k} {v}" for k, v in d.items()) for d in done) or "no action"


def _print_report(admin: httpx.Client, org: int) -> str:
    answer = admin.get("/v1/reports/orders-by-type-and-month", params={"format": "csv"})
    if answer.is_error:
        raise CloudRefused(f"report: {answer.status_code} {answer.text[:300]}")
    say("report orders-by-type-and-month (examples/reports/orders_by_type_and_month.yaml):")
    typer.echo(answer.text.rstrip("\n"))
    return answer.text


def _refused(response: httpx.Response) -> str:
    """The reason of an answer that must be a refusal (a success is a broken story)."""
    if not response.is_error:
        raise CloudRefused(f"{response.request.url.path}: expected a refusal, got {response.text}")
    body = response.json()
    return f"{response.status_code} {body['error']}: {body['message']}"


def _ok(response: httpx.Response, *, empty: bool = False) -> dict[str, Any]:
    if response.is_error:
        raise CloudRefused(
            f"{response.request.method} {response.request.url.path}: {response.status_code}"
            f" {response.text[:300]}"
        )
    answer: dict[str, Any] = {} if empty else response.json()
    return answer
