"""Logistic units over real ingest, PostgreSQL and HTTP: a supplier's shipping notice packs
chicken and salt in one SSCC for the plant; the plant receives them and makes skewers. A trace
by the SSCC opens the package and follows its lots; EPCIS shows the package as an ADD when
shipped and a DELETE when received, and a notice replaced replaces what the package holds."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from cloud.epcis.document import epcis_document
from domain.gs1 import gs1_check_digit
from domain.purchasing import Asn, AsnLot, AsnPackage
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.epcis_samples import reference_hashes, schema_errors
from tests.cloud.live import database_of
from tests.cloud.test_trace import PLANT
from tests.cloud.test_trace_cli import edgestock


def sscc(serial: str) -> str:
    body = f"0950600{serial:0>10}"
    return body + str(gs1_check_digit(body))


PALLET = sscc("1")
SHIPPED = DAY - timedelta(hours=15)


def notice(lots: list[AsnLot]) -> Asn:
    return Asn(site="site-1", po="PO-1", asn="ASN-1", shipped_at=SHIPPED,
               packages=[AsnPackage(sscc=PALLET, lots=lots)])  # fmt: skip


FIRST = notice([AsnLot(item="chicken", lot="CH-1", qty="10", unit="kg"),
                AsnLot(item="salt", lot="SA-1", qty="1", unit="kg")])  # fmt: skip


async def _store_order(database_url: str, asn: Asn, *, update: bool = False) -> None:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        if update:
            await conn.execute(
                "UPDATE purchase_orders SET asn = %s WHERE (site, po) = ('site-1', 'PO-1')",
                (Jsonb(asn.model_dump(mode="json")),),
            )
            return
        await conn.execute(
            "INSERT INTO purchase_orders (site, po, supplier, document, steps, state,"
            " requested_by, asn) VALUES ('site-1', 'PO-1', 'farm-a', '{}', '{}', 'shipped',"
            " 'test', %s)",
            (Jsonb(asn.model_dump(mode="json")),),
        )


def _shipped(client: httpx.Client, *, received: bool) -> httpx.Client:
    asyncio.run(_store_order(database_of(str(client.base_url)), FIRST))
    if received:
        chain = AgentChain(agent="plant-1", site="site-1")
        assert post_events(client, chain.agent, chain.add(PLANT)).status_code == 200
    return client


def test_a_trace_by_sscc_opens_the_package_and_follows_its_lots(client: httpx.Client) -> None:
    _shipped(client, received=True)
    body = client.get(f"/v1/trace/{PALLET}", params={"direction": "forward"}).json()

    (package,) = body["packages"]
    assert (package["site"], package["supplier"], package["po"]) == ("site-1", "farm-a", "PO-1")
    assert package["unpacked_at"] == DAY.isoformat()  # the first receipt of a lot on it
    assert [(lot["item"], lot["lot"], lot["qty"]) for lot in package["lots"]] == [
        ("chicken", "CH-1", "10"),
        ("salt", "SA-1", "1"),
    ]
    (chicken,) = package["lots"][0]["trace"]
    (marinated,) = chicken["children"]
    assert [marinated["lot"], marinated["children"][0]["lot"]] == ["MA-1", "SK-1"]
    back = client.get(f"/v1/trace/{PALLET}", params={"direction": "backward"}).json()
    (salt,) = back["packages"][0]["lots"][1]["trace"]
    assert [s["supplier"] for s in salt["supplies"]] == ["salt-co"]


def test_a_package_not_received_yet_is_in_transit(client: httpx.Client) -> None:
    _shipped(client, received=False)
    body = client.get(f"/v1/trace/{PALLET}", params={"direction": "forward"}).json()
    assert body["packages"][0]["unpacked_at"] is None
    assert body["packages"][0]["lots"][0]["trace"] == []  # no site has the lot yet


def test_unknown_and_malformed_ssccs_are_refused_by_name(client: httpx.Client) -> None:
    _shipped(client, received=False)
    unknown = client.get(f"/v1/trace/{sscc('2')}", params={"direction": "forward"})
    assert unknown.status_code == 404
    assert sscc("2") in unknown.json()["detail"]
    assert client.get("/v1/trace/12345", params={"direction": "forward"}).status_code == 422


def test_epcis_shows_the_package_packed_and_unpacked(client: httpx.Client) -> None:
    _shipped(client, received=True)
    answer = client.get("/epcis/events", params={"eventType": "AggregationEvent"})
    assert answer.status_code == 200, answer.text
    document = answer.json()
    events = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]

    assert [(e["action"], e["bizStep"], e["eventTime"]) for e in events] == [
        ("ADD", "shipping", "2026-11-24T17:00:00.000Z"),
        ("DELETE", "unpacking", "2026-11-25T08:00:00.000Z"),
    ]
    assert {e["parentID"] for e in events} == {f"https://id.gs1.org/00/{PALLET}"}
    assert schema_errors(document) == []
    ours = [e["eventID"] for e in events]
    assert ours == reference_hashes(epcis_document(events, datetime.now(UTC)))
    by_parent = client.get("/epcis/events", params={"MATCH_anyEPC": events[0]["parentID"]})
    assert len(by_parent.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 2
    steps = client.get("/epcis/events", params={"EQ_bizStep": "unpacking"}).json()
    assert [
        e["action"] for e in steps["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    ] == ["DELETE"]


def test_a_replaced_notice_replaces_the_package_contents(client: httpx.Client) -> None:
    _shipped(client, received=False)
    fixed = notice([AsnLot(item="chicken", lot="CH-1", qty="12", unit="kg")])
    asyncio.run(_store_order(database_of(str(client.base_url)), fixed, update=True))
    body = client.get(f"/v1/trace/{PALLET}", params={"direction": "forward"}).json()
    assert [(lot["lot"], lot["qty"]) for lot in body["packages"][0]["lots"]] == [("CH-1", "12")]


def test_the_command_traces_an_sscc(client: httpx.Client) -> None:
    _shipped(client, received=True)
    url = database_of(str(client.base_url).rstrip("/"))

    text = edgestock(url, PALLET, "--forward")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == f"forward trace of SSCC {PALLET}"
    assert lines[1].startswith("package for site-1 from farm-a (order PO-1, notice ASN-1)")
    assert lines[2] == "  chicken / CH-1: 10 kg"
    assert "marinated / MA-1 @ site-1" in text.stdout
    tree = json.loads(edgestock(url, PALLET, "--backward", "--format", "json").stdout)
    assert [lot["lot"] for lot in tree["packages"][0]["lots"]] == ["CH-1", "SA-1"]
    unknown = edgestock(url, sscc("2"), "--forward")
    assert (unknown.returncode, sscc("2") in unknown.stderr) == (1, True)
    short = edgestock(url, "12345", "--forward")
    assert short.returncode != 0
    assert "an SSCC (18 digits)" in short.stderr
