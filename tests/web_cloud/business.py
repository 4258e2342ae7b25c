"""The rest of the cloud's pages on the browser tests' world (``tests.web_cloud.world``): a
purchase order half received, a customer's order with a payment and a note, the example
reports, a plant site with a work order to kit, and master data for the kitchen with a GTIN
(the consumer page's) and Chinese item names. Each is filled through the real API, as the
admin of ``web-org``; the page benchmark and the screenshots use them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from cloud.auth.bootstrap import create_org_admin
from domain.events import EventDraft
from domain.lifecycles import Lifecycle
from domain.payloads import LotReceived
from domain.reports import Dataset
from edge_agent.yaml_config import load_model
from tests.cloud.auth import PASSWORD, login
from tests.cloud.builders import AgentChain, post_events
from tests.cloud.orders_world import EXAMPLES
from tests.cloud.test_reports import REPORTS
from tests.cloud.test_work_orders import MASTERDATA as PLANT_MASTERDATA
from tests.cloud.test_work_orders import plant_lots
from tests.web_cloud.world import ORG, RECEIVED_LOT, SITE, World, outside_the_loop

PO = "po-web-1"
SSCC = "006141410000000012"
ORDER = "o-web-1"
CUSTOMER = "mei"
PLANT = "plant-1"
WORK_ORDER = "wo-web-1"
GTIN = "09506000134352"
REPORT = "loss-by-store-and-week"

KITCHEN_MASTER: dict[str, Any] = {
    "items": [
        {"id": "chicken", "name": "Chicken breast", "names": {"zh-CN": "鸡胸肉"},
         "base_unit": "g", "gtin": GTIN},
        {"id": "rice", "name": "Rice", "names": {"zh-CN": "米饭"}, "base_unit": "g"},
    ],
    "locations": [
        {"id": SITE, "name": "Kitchen", "kind": "site"},
        {"id": "cold-1", "name": "Cold room 1", "kind": "cold_room", "parent": SITE},
    ],
}  # fmt: skip
"""The kitchen's items as the cloud knows them: the lot received in the cold room is the
consumer page's lot of chicken."""


def admin(world: World) -> httpx.Client:
    """A client of the org's admin (bearer token); the caller closes it."""
    token = login(world.api_url, world.emails["admin"])["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=world.api_url, headers=headers, timeout=30)


def purchase_order(world: World) -> str:
    """A purchase order of 10 kg of chicken, confirmed and shipped by the supplier with its
    key, of which the kitchen received 9 kg (its own lot.received events); its id."""
    with admin(world) as client:
        key = client.put(f"/v1/orgs/{world.org_id}/suppliers/dongguan", json={}).json()["api_key"]
        line = {"item": "chicken", "qty": "10", "unit": "kg", "unit_price": "20",
                "currency": "CNY"}  # fmt: skip
        made = client.post(f"/v1/sites/{SITE}/purchase-orders",
                           json={"po": PO, "supplier": "dongguan", "lines": [line],
                                 "reasons": ["stock fell below the reorder point"]})  # fmt: skip
        assert made.json()["state"] == "sent", made.text
        supplier = {"X-Supplier-Key": key}
        confirmation = {"site": SITE, "po": PO, "promised_on": "2026-12-09"}
        assert client.post("/v1/suppliers/dongguan/confirmations", json=confirmation,
                           headers=supplier).status_code == 200  # fmt: skip
        notice = {"site": SITE, "po": PO, "asn": "asn-web-1",
                  "shipped_at": datetime.now(UTC).isoformat(),
                  "packages": [{"sscc": SSCC, "lots": [
                      {"item": "chicken", "lot": "PW-1", "qty": "10", "unit": "kg"}]}]}  # fmt: skip
        assert client.post("/v1/suppliers/dongguan/asn", json=notice,
                           headers=supplier).status_code == 200  # fmt: skip
    came = LotReceived(item="chicken", lot="PW-1", location="cold-1", qty=Decimal(9), unit="kg",
                       supplier="dongguan", unit_cost=Decimal(20), currency="CNY")  # fmt: skip
    world.post([EventDraft("lot.received", datetime.now(UTC) + timedelta(seconds=1), came)])
    return PO


def customer_order(world: World) -> str:
    """A made-to-order order of the customer Mei Studio, a deposit paid and a note; its id."""
    cycle = load_model(EXAMPLES / "lifecycles" / "made_to_order.yaml", Lifecycle)
    order = {"order": ORDER, "order_type": cycle.order_type, "customer": CUSTOMER,
             "customer_name": "Mei Studio", "total": "1000", "currency": "CNY"}  # fmt: skip
    with admin(world) as client:
        body = cycle.model_dump(mode="json", by_alias=True)
        answer = client.put(f"/v1/orgs/{world.org_id}/lifecycles/{cycle.order_type}", json=body)
        assert answer.status_code == 204, answer.text
        answer = client.post(f"/v1/sites/{SITE}/orders", json=order)
        assert answer.status_code == 201, answer.text
        base = f"/v1/sites/{SITE}/orders/{ORDER}"
        client.post(f"{base}/payments", json={"kind": "deposit", "amount": "300"})
        client.post(f"{base}/notes", json={"text": "likes muted colours"})
    return ORDER


def reports(world: World) -> list[str]:
    """The example reports, defined for the organisation; their names."""
    names = []
    with admin(world) as client:
        for path in sorted(REPORTS.glob("*.yaml")):
            body = load_model(path, Dataset).model_dump(mode="json")
            answer = client.put(f"/v1/orgs/{world.org_id}/reports/{body['name']}", json=body)
            assert answer.status_code == 204, answer.text
            names.append(body["name"])
    return names


def plant_work_order(world: World) -> str:
    """A plant site of the organisation with the robot arm's bill of materials, lots of its
    parts (one held) and a work order of three arms to kit; the work order's id."""
    outside_the_loop(_plant_site, world)
    day = datetime.now(UTC) - timedelta(hours=2)
    cables = LotReceived(item="cable-set", lot="C7", location="store", qty=Decimal(12),
                         unit="each")  # fmt: skip
    drafts = [*plant_lots(day), EventDraft("lot.received", day, cables)]
    drafts.sort(key=lambda draft: draft.at)
    with admin(world) as client:
        put = client.put(f"/v1/sites/{PLANT}/masterdata", json=PLANT_MASTERDATA)
        assert put.status_code == 200, put.text
        agent = f"{PLANT}-line"
        answer = outside_the_loop(post_events, client, agent,
                                  AgentChain(agent=agent, site=PLANT).add(drafts))  # fmt: skip
        assert answer.status_code == 200, answer.text
        for lot, serial in (("S-OLD", "120"), ("S-NEW", "620")):
            body = {"item": "servo-motor", "lot": lot,
                    "attributes": {"serial": serial, "firmware": "V2.2"}}  # fmt: skip
            assert client.post(f"/v1/sites/{PLANT}/lot-attributes", json=body).status_code == 200
        order = {"work_order": WORK_ORDER, "product": "robot-arm", "qty": 3}
        made = client.post(f"/v1/sites/{PLANT}/work-orders", json=order)
        assert made.status_code == 201, made.text
    return WORK_ORDER


def _plant_site(world: World) -> None:
    create_org_admin(world.database_url, email=world.emails["admin"], password=PASSWORD,
                     org_name=ORG, site=PLANT)  # fmt: skip


def kitchen_master(world: World) -> str:
    """The kitchen's master data (Chinese names, the chicken's GTIN); the consumer page's
    path of the lot received in the cold room."""
    with admin(world) as client:
        put = client.put(f"/v1/sites/{SITE}/masterdata", json=KITCHEN_MASTER)
        assert put.status_code == 200, put.text
    return f"/01/{GTIN}/10/{RECEIVED_LOT}"
