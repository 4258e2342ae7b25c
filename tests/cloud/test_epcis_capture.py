"""A supplier's capture document read into receipts, without a server: what is taken, and
that anything else is refused naming a field, never a crash (a seeded fuzz of field values)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from cloud.epcis.capture import receipts_of
from cloud.epcis.errors import CaptureRefused
from cloud.epcis.identifiers import Namespace
from cloud.epcis.places import Places

NOW = datetime(2026, 11, 26, tzinfo=UTC)
PLACES = Places(
    Namespace("test-org", gtins={"chicken": "09506000134352"}, glns={"site-1": "9521234000006"}),
    sites=["site-1"],
)
EVENT: dict[str, Any] = {
    "type": "ObjectEvent",
    "eventTime": "2026-11-25T07:30:00.000+01:00",
    "eventTimeZoneOffset": "+01:00",
    "action": "ADD",
    "bizStep": "urn:epcglobal:cbv:bizstep:receiving",
    "quantityList": [
        {"epcClass": "https://id.gs1.org/01/09506000134352/10/SUP-1", "quantity": 5,
         "uom": "KGM"},
        {"epcClass": "urn:edgestock:lot:test-org:salt:S%3A9", "quantity": 12},
    ],
    "readPoint": {"id": "https://id.gs1.org/414/9521234000006/254/cold-1"},
    "bizLocation": {"id": "urn:edgestock:site:site-1"},
    "sourceList": [{"type": "https://ref.gs1.org/cbv/SDT-possessing_party",
                    "source": "urn:edgestock:party:test-org:Farm%20A"}],
    "ilmd": {"cbvmda:itemExpirationDate": "2026-12-01"},
}  # fmt: skip


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {"type": "EPCISDocument", "epcisBody": {"eventList": list(events)}}


def test_each_line_becomes_a_receipt_with_supplier_and_expiry() -> None:
    capture = receipts_of(document(EVENT), PLACES, NOW)
    assert capture.site == "site-1"
    payloads = [receipt.draft.payload for receipt in capture.receipts]
    assert [(p.item, p.lot, p.qty, p.unit, p.location) for p in payloads] == [  # type: ignore[attr-defined]
        ("chicken", "SUP-1", Decimal(5), "kg", "cold-1"),
        ("salt", "S:9", Decimal(12), "each", "cold-1"),
    ]
    assert {p.supplier for p in payloads} == {"Farm A"}  # type: ignore[attr-defined]
    assert {p.expires_on for p in payloads} == {date(2026, 12, 1)}  # type: ignore[attr-defined]
    assert {r.draft.at for r in capture.receipts} == {datetime(2026, 11, 25, 6, 30, tzinfo=UTC)}
    assert len({r.event_id for r in capture.receipts}) == 1  # one event, one ID
    assert capture.receipts[0].event_id.startswith("ni:///sha-256;")


def test_an_event_id_given_is_kept() -> None:
    capture = receipts_of(document(EVENT | {"eventID": "urn:uuid:1"}), PLACES, NOW)
    assert {r.event_id for r in capture.receipts} == {"urn:uuid:1"}


def test_two_sites_in_one_document_are_refused() -> None:
    places = Places(PLACES.namespace, sites=["site-1", "site-2"])
    other = EVENT | {"bizLocation": {"id": "urn:edgestock:site:site-2"},
                     "readPoint": {"id": "urn:edgestock:loc:site-2:dock"}}  # fmt: skip
    with pytest.raises(CaptureRefused) as refused:
        receipts_of(document(EVENT, other), places, NOW)
    assert refused.value.field == "epcisBody.eventList[1].bizLocation.id"


WEIRD: list[Any] = [None, 5, -1, 1.5, True, "x", "2026-13-01", [], [1], {}, {"id": 5},
                    [{"type": 1}], {"a": [None]}, "\u00e9" * 300]  # fmt: skip


def test_no_field_value_crashes_the_reader() -> None:
    """3,000 documents with one to three fields replaced by odd JSON: each is read or
    refused with the path of a field, and never raises anything else."""
    rng = random.Random(20261205)
    names = [*EVENT, "eventID", "epcList"]
    fields: list[str] = []
    for _ in range(3000):
        event = dict(EVENT)
        for _ in range(rng.randint(1, 3)):
            event[rng.choice(names)] = rng.choice(WEIRD)
        if rng.random() < 0.2:
            event["quantityList"] = [{**EVENT["quantityList"][0], rng.choice(["epcClass",
                                      "quantity", "uom"]): rng.choice(WEIRD)}]  # fmt: skip
        try:
            receipts_of(document(event), PLACES, NOW)
        except CaptureRefused as refusal:
            fields.append(refusal.field)
    assert len(fields) > 2000  # nearly every bent document is refused, and said why
    assert all(field.startswith("epcisBody.eventList[0]") for field in fields)
