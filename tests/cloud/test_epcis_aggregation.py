"""Logistic units as EPCIS 2.0 AggregationEvents: valid against GS1's schema, hashed as GS1's
reference hashes, ADD when shipped and DELETE once the site received the lots."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from cloud.epcis.aggregation import aggregation_events, sscc_uri
from cloud.epcis.document import epcis_document
from cloud.epcis.event_hash import event_hash_id
from cloud.trace.packs import Package, PackedLot
from tests.cloud.epcis_samples import NAMESPACE, reference_hashes, schema_errors

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SSCC = "095060001234567891"

PACKAGE = Package(
    sscc=SSCC, site="site-1", supplier="farm-a", po="PO-7", asn="ASN-7",
    shipped_at=datetime(2026, 11, 24, 16, 30, 0, 125000, tzinfo=UTC),
    unpacked_at=datetime(2026, 11, 25, 7, 5, tzinfo=UTC),
    lots=(PackedLot("chicken", "CH-1", Decimal("10.000"), "kg"),
          PackedLot("salt", "SA-1", Decimal("500"), "g")),
)  # fmt: skip


def test_a_received_package_is_an_add_then_a_delete_of_its_lots() -> None:
    added, removed = aggregation_events(PACKAGE, NAMESPACE)

    assert [added["action"], removed["action"]] == ["ADD", "DELETE"]
    assert added["parentID"] == removed["parentID"] == f"https://id.gs1.org/00/{SSCC}"
    assert [added["bizStep"], added["disposition"]] == ["shipping", "in_transit"]
    assert [removed["bizStep"], removed["disposition"]] == ["unpacking", "in_progress"]
    assert added["eventTime"] == "2026-11-24T16:30:00.125Z"
    assert removed["eventTime"] == "2026-11-25T07:05:00.000Z"
    assert [(c["epcClass"], c["quantity"], c.get("uom")) for c in added["childQuantityList"]] == [
        (NAMESPACE.lot_class("chicken", "CH-1"), 10, "KGM"),
        (NAMESPACE.lot_class("salt", "SA-1"), 500, "GRM"),
    ]
    assert added["sourceList"][0]["source"] == NAMESPACE.party("farm-a")
    assert removed["bizLocation"]["id"] == NAMESPACE.site("site-1")


def test_a_package_not_yet_received_is_only_added() -> None:
    events = aggregation_events(replace(PACKAGE, unpacked_at=None), NAMESPACE)
    assert [e["action"] for e in events] == ["ADD"]


def test_aggregations_are_valid_and_hashed_as_gs1s_reference_hashes_them() -> None:
    other = replace(PACKAGE, sscc="095060001234567808", unpacked_at=None,
                    lots=(PackedLot("flour", "FL-2", Decimal("25"), "each"),))  # fmt: skip
    events = [*aggregation_events(PACKAGE, NAMESPACE), *aggregation_events(other, NAMESPACE)]
    document = epcis_document(events, NOW)

    assert schema_errors(document) == []
    assert [e["eventID"] for e in events] == reference_hashes(document)
    assert len({e["eventID"] for e in events}) == 3


def test_the_parent_is_hashed() -> None:
    """Two packages with the same lots at the same moment are different events."""
    added = aggregation_events(PACKAGE, NAMESPACE)[0]
    moved = {k: v for k, v in added.items() if k != "eventID"} | {
        "parentID": sscc_uri("095060001234567808")
    }
    assert event_hash_id(moved) != added["eventID"]
    assert event_hash_id(moved) == reference_hashes(epcis_document([moved], NOW))[0]


def test_a_broken_aggregation_is_refused_by_the_schema() -> None:
    added = aggregation_events(PACKAGE, NAMESPACE)[0]
    assert schema_errors(epcis_document([{**added, "action": "MOVE"}], NOW))
    assert schema_errors(epcis_document([{**added, "parentID": "not a uri"}], NOW))
