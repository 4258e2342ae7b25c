"""EPCIS 2.0 over real HTTP and PostgreSQL: query our events, capture a supplier's receipts.

Events go in through real ingest (signed agent batches); the query's answers are judged by
GS1's schema and GS1's reference event hash, the captures by the stock ledger they change.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.cloud.auth import PASSWORD, login
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.epcis_samples import reference_hashes, sample_drafts, schema_errors
from tests.cloud.live import database_of
from tests.cloud.test_trace import grant_person

GTIN = "09506000134352"
GLN = "9521234000006"
CHICKEN = f"https://id.gs1.org/01/{GTIN}/10/L-1"
SALT = "urn:edgestock:lot:test-org:salt:S%3A1"

MASTER = {
    "items": [
        {"id": "chicken", "name": "Chicken", "base_unit": "g", "gtin": GTIN},
        {"id": "salt", "name": "Salt", "base_unit": "g"},
    ],
    "locations": [
        {"id": "site-1", "name": "Plant", "kind": "site", "gln": GLN},
        {"id": "cold-1", "name": "Cold room", "kind": "cold_room", "parent": "site-1"},
    ],
}


@pytest.fixture
def mastered(client: httpx.Client) -> httpx.Client:
    """The API with site-1's master data: chicken's GTIN, the site's GLN."""
    put = client.put("/v1/sites/site-1/masterdata", json=MASTER)
    assert put.status_code == 200, put.text
    return client


@pytest.fixture
def stored(mastered: httpx.Client) -> httpx.Client:
    """... and one event of every type the export maps."""
    client = mastered
    chain = AgentChain(agent="agent-1", site="site-1")
    response = post_events(client, "agent-1", chain.add(sample_drafts()))
    assert response.status_code == 200, response.text
    return client


def query(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/epcis/events", params={"perPage": 1000, **params})
    assert response.status_code == 200, response.text
    assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
    events: list[dict[str, Any]] = response.json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"
    ]
    return events


def test_the_query_answers_every_event_valid_and_hashed_as_gs1_hashes(
    stored: httpx.Client,
) -> None:
    response = stored.get("/epcis/events", params={"perPage": 1000})
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    assert schema_errors(document) == []
    events = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(events) == len(sample_drafts())
    assert [e["eventID"] for e in events] == reference_hashes(
        {**document, "type": "EPCISDocument", "epcisBody": {"eventList": events}}
    )
    times = [e["eventTime"] for e in events]
    assert times == sorted(times)


def test_standard_filters_narrow_the_answer(stored: httpx.Client) -> None:
    assert [e["bizStep"] for e in query(stored, eventType="TransformationEvent")] == [
        "creating_class_instance"
    ]
    receiving = query(stored, EQ_bizStep="receiving")
    assert [e["disposition"] for e in receiving] == ["in_progress", "in_progress", "returned"]
    full = query(stored, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-receiving")
    assert full == receiving
    start = DAY + timedelta(seconds=2)
    window = query(stored, GE_eventTime=start.isoformat(),
                   LT_eventTime=(start + timedelta(seconds=3)).isoformat())  # fmt: skip
    assert [e["bizStep"] for e in window] == ["dispensing", "dispensing", "cycle_counting"]
    assert [e["type"] for e in query(stored, MATCH_anyEPCClass=SALT)] == ["TransformationEvent"]
    by_chicken = query(stored, MATCH_epcClass=CHICKEN)
    assert len(by_chicken) == len(sample_drafts()) - 2  # not the reading, not the production
    assert len(query(stored, MATCH_anyEPCClass=CHICKEN)) == len(sample_drafts()) - 1
    assert query(stored, EQ_bizLocation="urn:edgestock:site:site-2") == []
    assert len(query(stored, EQ_bizLocation=f"https://id.gs1.org/414/{GLN}")) == 18
    assert query(stored, MATCH_epc=CHICKEN) == []  # a class is no instance-level EPC


def test_an_unsupported_filter_is_refused_by_name(stored: httpx.Client) -> None:
    response = stored.get("/epcis/events", params={"EQ_disposition": "active"})
    assert response.status_code == 400
    assert "EQ_disposition" in response.json()["detail"]
    response = stored.get("/epcis/events", params={"eventType": "SensorEvent"})
    assert response.status_code == 400
    assert "eventType" in response.json()["detail"]


def supplier_document(**changes: Any) -> dict[str, Any]:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-11-25T07:30:00.000+01:00",
        "eventTimeZoneOffset": "+01:00",
        "action": "ADD",  # ILMD (the expiry date) comes with ADD only
        "bizStep": "receiving",
        "disposition": "in_progress",
        "quantityList": [
            {"epcClass": f"https://id.gs1.org/01/{GTIN}/10/SUP-1", "quantity": 5, "uom": "KGM"},
            {"epcClass": "urn:edgestock:lot:test-org:salt:SALT-9", "quantity": 250, "uom": "GRM"},
        ],
        "readPoint": {"id": f"https://id.gs1.org/414/{GLN}/254/cold-1"},
        "bizLocation": {"id": f"https://id.gs1.org/414/{GLN}"},
        "sourceList": [{"type": "owning_party", "source": "https://id.gs1.org/417/4012345000009"}],
        "ilmd": {"cbvmda:itemExpirationDate": "2026-12-01"},
    } | changes
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-25T07:31:00Z",
        "epcisBody": {"eventList": [event]},
    }


def stock_of(client: httpx.Client, lot: str) -> list[tuple[str, str, str]]:
    lines = client.get("/v1/sites/site-1/stock").json()["lines"]
    return [(x["item"], x["location"], x["qty"]) for x in lines if x["lot"] == lot]


def test_a_capture_becomes_receipts_once(stored: httpx.Client) -> None:
    document = supplier_document()
    assert schema_errors(document) == []  # a valid EPCIS document in the first place
    first = stored.post("/epcis/capture", json=document)
    assert first.status_code == 201, first.text
    assert first.json()["recorded"] == 2
    assert [e["type"] for e in first.json()["events"]] == ["lot.received", "lot.received"]
    assert stock_of(stored, "SUP-1") == [("chicken", "cold-1", "5000")]
    assert stock_of(stored, "SALT-9") == [("salt", "cold-1", "250")]
    again = stored.post("/epcis/capture", json=document)
    assert again.json() | {"events": []} == {"site": "site-1", "recorded": 0,
                                              "already_captured": 1, "events": []}  # fmt: skip
    assert stock_of(stored, "SUP-1") == [("chicken", "cold-1", "5000")]
    # the receipt is a leaf of genealogy with its supplier, and is in the EPCIS answer
    trace = stored.get("/v1/trace/chicken/SUP-1", params={"direction": "backward"}).json()
    supplies = trace["roots"][0]["supplies"]
    assert [s["supplier"] for s in supplies] == ["https://id.gs1.org/417/4012345000009"]
    found = query(stored, MATCH_epcClass=f"https://id.gs1.org/01/{GTIN}/10/SUP-1")
    assert [(e["eventTime"], e["bizStep"]) for e in found] == [
        ("2026-11-25T06:30:00.000Z", "receiving")
    ]


REFUSALS: list[tuple[dict[str, Any], str]] = [
    ({"bizStep": "shipping"}, "eventList[1].bizStep"),
    ({"type": "AggregationEvent"}, "eventList[1].type"),
    ({"quantityList": [{"epcClass": CHICKEN, "quantity": 1, "uom": "XXX"}]},
     "eventList[1].quantityList[0].uom"),
    ({"quantityList": [{"epcClass": CHICKEN, "quantity": -1, "uom": "KGM"}]},
     "eventList[1].quantityList[0].quantity"),
    ({"quantityList": [{"epcClass": "https://id.gs1.org/01/09506000134369/10/X",
                        "quantity": 1}]}, "eventList[1].quantityList[0].epcClass"),
    ({"quantityList": []}, "eventList[1].quantityList"),
    ({"bizLocation": {"id": "urn:edgestock:site:site-99"}}, "eventList[1].bizLocation.id"),
    ({"readPoint": {"id": "urn:edgestock:loc:site-2:cold-1"}}, "eventList[1].readPoint.id"),
    ({"eventTime": (datetime.now(UTC) + timedelta(days=3)).isoformat()},
     "eventList[1].eventTime"),
    ({"ilmd": {"cbvmda:itemExpirationDate": "soon"}},
     "eventList[1].ilmd.cbvmda:itemExpirationDate"),
]  # fmt: skip


def test_a_bad_capture_is_refused_whole_naming_the_field(mastered: httpx.Client) -> None:
    for change, field in REFUSALS:
        document = supplier_document()
        good = copy.deepcopy(document["epcisBody"]["eventList"][0])
        bad = supplier_document(**change)["epcisBody"]["eventList"][0]
        document["epcisBody"]["eventList"] = [good, bad]  # the good one must not land either
        response = mastered.post("/epcis/capture", json=document)
        assert response.status_code == 400, (field, response.text)
        assert response.json()["field"] == f"epcisBody.{field}"
        assert field.rsplit(".", 1)[-1].split("[")[0] in response.json()["detail"]
    assert stock_of(mastered, "SUP-1") == []


def test_a_body_that_is_no_document_is_refused(mastered: httpx.Client) -> None:
    stored = mastered
    response = stored.post("/epcis/capture", content=b"{not json",
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert response.status_code in (400, 422)
    response = stored.post("/epcis/capture", json={"type": "EPCISQueryDocument"})
    assert response.status_code == 400
    assert response.json()["field"] == "type"


def test_a_person_sees_and_captures_only_at_their_own_sites(stored: httpx.Client) -> None:
    url = str(stored.base_url).rstrip("/")
    asyncio.run(grant_person(database_of(url), "shop-keeper@example.com", "warehouse", "site-2"))
    token = login(url, "shop-keeper@example.com", PASSWORD)["access_token"]
    with httpx.Client(base_url=url, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as shop:  # fmt: skip
        assert query(shop) == []  # site-1's events are not theirs
        refused = shop.post("/epcis/capture", json=supplier_document())
        assert refused.status_code == 400
        assert refused.json()["field"] == "epcisBody.eventList[0].bizLocation.id"
    assert stock_of(stored, "SUP-1") == []
