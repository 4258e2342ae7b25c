"""The cloud side of the transfer demo, set up and read as its people would over the API:
a second legal entity with two restaurant sites under the kitchen's organisation, an
approval step for transfers and a finance person to approve them, then availability to
promise, transfers and their vouchers, read back."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from edgestock.demos.console import say
from edgestock.demos.stack import DemoStack

FINANCE = "finance@demo.example"


class CloudRefused(RuntimeError):
    """The cloud answered a step of the story with an error (the request and the answer)."""


@dataclass(frozen=True)
class Organisation:
    root: int
    entity: int
    """The restaurants' legal entity (a node under the root)."""


def root_of(database_url: str, name: str) -> int:
    """The id ``edgestock cloud admin create`` gave the organisation (it prints it too)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT id FROM org_nodes WHERE parent_id IS NULL AND name = %s", (name,)
        ).fetchone()
    if row is None:
        raise RuntimeError(f"no organisation {name!r} in the cloud")
    return int(row[0])


def set_up(admin: httpx.Client, root: int, entity: str, sites: dict[str, str]) -> Organisation:
    """The legal entity ``entity`` under ``root`` with ``sites`` (site -> name), and the
    approval step every transfer takes (finance) with its approver."""
    made = _ok(admin.post(f"/v1/orgs/{root}/children",
                          json={"kind": "legal_entity", "name": entity}))  # fmt: skip
    for site, name in sites.items():
        _ok(admin.post(f"/v1/orgs/{made['id']}/children",
                       json={"kind": "site", "name": name, "site": site}))  # fmt: skip
    steps = {"approval_steps": [{"action": "transfer.send", "role": "finance"}]}
    _ok(admin.put(f"/v1/orgs/{root}/settings", json=steps))
    say(f"{entity} (org node {made['id']}) with sites {', '.join(sites)}; transfers wait for"
        " a finance approval (org settings)")  # fmt: skip
    return Organisation(root, int(made["id"]))


def finance_person(stack: DemoStack, admin: httpx.Client, root: int) -> httpx.Client:
    """A finance person of the organisation, signed in (the transfers' approver)."""
    password = secrets.token_urlsafe(18)
    person = {"email": FINANCE, "password": password, "role": "finance"}
    _ok(admin.post(f"/v1/orgs/{root}/users", json=person))
    form = {"grant_type": "password", "username": FINANCE, "password": password}
    token = _ok(httpx.post(f"{stack.cloud_url}/v1/auth/token", data=form, timeout=10))
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    say(f"{FINANCE} approves transfers (role finance at the organisation)")
    return httpx.Client(base_url=stack.cloud_url, headers=headers, timeout=10)


def promise(client: httpx.Client, site: str, item: str, qty: str, unit: str) -> dict[str, Any]:
    """``GET /v1/sites/{site}/atp/{item}``: can ``qty`` be there, and by when."""
    return _ok(client.get(f"/v1/sites/{site}/atp/{item}", params={"qty": qty, "unit": unit}))


def describe_promise(answer: dict[str, Any]) -> str:
    by = answer["by"] or "not covered"
    arriving = ", ".join(f"{a['qty']} {answer['unit']} from {a['from_site']} ({a['transfer']})"
                         for a in answer["in_transit"]) or "nothing"  # fmt: skip
    covers = ", ".join(f"{c['qty']} {c['how'].replace('_', ' ')} at {c['source']}"
                       for c in answer["covers"]) or "nothing"  # fmt: skip
    return (
        f"{answer['site']}: {answer['wanted']} {answer['unit']} of {answer['item']}:"
        f" can promise {'yes' if answer['can_promise'] else 'no'}, by {by};"
        f" free now {answer['free_now']}, in transit {arriving}; counting on {covers}"
    )


def transfer(client: httpx.Client, site: str, transfer_id: str) -> dict[str, Any]:
    """``GET /v1/sites/{site}/transfers/{transfer}``: the order, its lines and vouchers."""
    return _ok(client.get(f"/v1/sites/{site}/transfers/{transfer_id}"))


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.is_error:
        raise CloudRefused(
            f"{response.request.method} {response.request.url.path}: {response.status_code}"
            f" {response.text[:300]}"
        )
    answer: dict[str, Any] = response.json()
    return answer
