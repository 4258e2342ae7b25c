"""Our events as EPCIS 2.0: valid against GS1's schema, hashed as GS1's reference hashes.

Pure (no server): every event type the export maps, through the mapping, into one
EPCISDocument that GS1's published JSON schema accepts, each ``eventID`` equal to the hash
GS1's reference implementation (``epcis-event-hash-generator``) computes for that event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cloud.epcis.document import epcis_document, query_document
from cloud.epcis.event_hash import event_hash_id
from cloud.epcis.identifiers import Namespace, read_lot_class
from cloud.epcis.mapping import SourceEvent, to_epcis
from cloud.epcis.vocabulary import MAPPING
from tests.cloud.epcis_samples import (
    NAMESPACE,
    reference_hashes,
    sample_events,
    schema_errors,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def exported() -> list[dict[str, Any]]:
    events = [to_epcis(event, NAMESPACE) for event in sample_events()]
    assert all(event is not None for event in events)
    return [event for event in events if event is not None]


def test_the_samples_cover_every_mapped_type_and_all_four_event_types() -> None:
    assert {event.type for event in sample_events()} == set(MAPPING)
    kinds = {event["type"] for event in exported()}
    assert kinds == {"ObjectEvent", "TransformationEvent", "TransactionEvent"}


def test_an_export_of_every_type_is_valid_against_gs1s_schema() -> None:
    events = exported()
    assert schema_errors(epcis_document(events, NOW)) == []
    assert schema_errors(query_document(events, NOW)) == []


def test_the_schema_is_no_rubber_stamp() -> None:
    """What the schema refuses, so the test above can fail: a field per refusal."""
    good = exported()[0]
    for field, value in (("bizStep", "urn:epcglobal:cbv:bizstep:receiving"),
                         ("readPoint", {"id": "not a uri"}), ("action", "MOVE"),
                         ("eventTime", "yesterday"), ("eventTimeZoneOffset", "UTC")):  # fmt: skip
        assert schema_errors(epcis_document([{**good, field: value}], NOW)), field
    assert schema_errors(epcis_document([{**good, "quantityList": [{"epcClass": "x y"}]}], NOW))


def test_every_event_id_is_the_hash_gs1s_reference_computes() -> None:
    events = exported()
    reference = reference_hashes(epcis_document(events, NOW))
    ours = [event["eventID"] for event in events]
    mismatched = [(e["type"], e["bizStep"]) for e, r in zip(events, reference, strict=True)
                  if e["eventID"] != r]  # fmt: skip
    assert mismatched == []
    assert len(set(ours)) == len(ours)  # no two sample events hash alike


@pytest.mark.parametrize(
    "change",
    [
        {"eventTime": "2026-11-25T08:00:01.124Z"},
        {"bizStep": "shipping"},
        {"readPoint": {"id": "urn:edgestock:loc:site-1:elsewhere"}},
        {"quantityList": [{"epcClass": "urn:edgestock:lot:test-org:x:y", "quantity": 2}]},
    ],
)
def test_a_changed_field_changes_both_hashes_alike(change: dict[str, Any]) -> None:
    original = exported()[0]
    changed = {key: value for key, value in original.items() if key != "eventID"} | change
    ours = event_hash_id(changed)
    assert ours != original["eventID"]
    assert reference_hashes(epcis_document([changed], NOW)) == [ours]


def test_lots_are_digital_links_when_gs1_can_carry_them() -> None:
    received = exported()[0]
    assert received["quantityList"] == [
        {"epcClass": "https://id.gs1.org/01/09506000134352/10/L-1", "quantity": 12.5, "uom": "KGM"}
    ]
    assert received["readPoint"] == {"id": "https://id.gs1.org/414/9521234000006/254/cold-1"}
    assert received["bizLocation"] == {"id": "https://id.gs1.org/414/9521234000006"}
    assert received["sourceList"] == [
        {"type": "owning_party", "source": "urn:edgestock:party:test-org:Farm%20A"}
    ]
    produced = exported()[1]
    assert [q["epcClass"] for q in produced["inputQuantityList"]] == [
        "https://id.gs1.org/01/09506000134352/10/L-1",
        "urn:edgestock:lot:test-org:salt:S%3A1",  # no GTIN; the colon stays inside the name
    ]
    assert produced["outputQuantityList"][0]["epcClass"] == (
        "urn:edgestock:lot:test-org:marinade:M%2F1%20x"
    )
    assert produced["ilmd"] == {"cbvmda:itemExpirationDate": "2026-11-28"}
    moved = next(e for e in exported() if e["bizStep"] == "storing")
    assert moved["readPoint"] == {"id": "https://id.gs1.org/414/9521234000013"}


def test_a_lot_gs1_cannot_carry_gets_our_name_and_reads_back() -> None:
    ns = Namespace("org", gtins={"chicken": "09506000134352"})
    for lot in ("L 1", "x" * 21, "Ä1"):
        uri = ns.lot_class("chicken", lot)
        assert uri.startswith("urn:edgestock:lot:org:chicken:")
        named = read_lot_class(uri)
        assert (named.item, named.lot) == ("chicken", lot)
    named = read_lot_class(ns.lot_class("chicken", "L-1"))
    assert (named.gtin, named.lot) == ("09506000134352", "L-1")
    with pytest.raises(ValueError, match="names no lot"):
        read_lot_class("https://id.gs1.org/01/09506000134352")


def test_refinements_pick_their_own_steps_and_dispositions() -> None:
    shown = [(e.get("bizStep"), e.get("disposition")) for e in exported()]
    for pair in (("destroying", "destroyed"), ("destroying", "stolen"), ("cycle_counting", None),
                 ("inspecting", "sellable_accessible"), ("inspecting", "non_conformant"),
                 ("retail_selling", "retail_sold"), ("departing", None),
                 ("receiving", "returned"), ("sensor_reporting", None)):  # fmt: skip
        assert pair in shown, pair


def test_events_without_an_epcis_meaning_are_not_exported() -> None:
    at = datetime(2026, 11, 25, tzinfo=UTC)
    assert to_epcis(SourceEvent("site-1", "device.online", at, {"device": "d"}), NAMESPACE) is None
    reading = {"device": "d", "metric": "rpm", "value": "3", "unit": "rpm"}
    assert to_epcis(SourceEvent("site-1", "reading.recorded", at, reading), NAMESPACE) is None
