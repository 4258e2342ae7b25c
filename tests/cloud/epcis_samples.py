"""Events of every type EPCIS export maps, sealed as an agent seals them, and the two
oracles the EPCIS tests judge by: GS1's JSON schema and GS1's reference event hash."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from epcis_event_hash_generator.hash_generator import (  # type: ignore[import-untyped]
    epcis_hashes_from_events,
)
from epcis_event_hash_generator.json_to_py import (  # type: ignore[import-untyped]
    event_list_from_epcis_document_json,
)
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from cloud.epcis.identifiers import Namespace
from cloud.epcis.mapping import SourceEvent
from domain.events import EventDraft
from domain.payloads import (
    LotBlocked,
    LotInput,
    LotReceived,
    LotReleased,
    ReadingRecorded,
    StepConsumed,
    StockAdjusted,
    StockConsumed,
    StockCounted,
    StockIssued,
    StockMoved,
    StockProduced,
    StockReturned,
    TransferReceived,
    TransferShipped,
)  # fmt: skip
from tests.cloud.builders import DAY, AgentChain

SCHEMA = Path(__file__).resolve().parents[1] / "data/epcis/EPCIS-JSON-Schema.json"

NAMESPACE = Namespace(
    "test-org",
    gtins={"chicken": "09506000134352"},
    glns={"site-1": "9521234000006"},
    location_glns={("site-1", "freezer"): "9521234000013"},
)
"""Chicken has a GTIN and site-1 a GLN (and its freezer one of its own); nothing else does."""

LINE = {"item": "chicken", "lot": "L-1", "location": "cold-1", "unit": "kg"}


def sample_payloads() -> list[tuple[str, Any]]:
    """(type, payload) of every type the export maps, refinements included."""
    made = StockProduced(
        item="marinade", lot="M/1 x", location="prep", qty="3.25", unit="kg",
        expires_on=DAY.date() + timedelta(days=3), recipe="r", step="s",
        inputs=[LotInput(item="chicken", lot="L-1", location="cold-1", qty="3", unit="kg"),
                LotInput(item="salt", lot="S:1", location="dry", qty="250", unit="g")],
    )  # fmt: skip
    return [
        ("lot.received", LotReceived(**LINE, qty="12.5", supplier="Farm A",
                                     expires_on=DAY.date() + timedelta(days=5))),
        ("stock.produced", made),
        ("stock.consumed", StockConsumed(**LINE, qty="0.4")),
        ("stock.step_consumed", StepConsumed(**LINE, qty="0.2", recipe="r", step="s",
                                             operation="fry", planned_qty="0.2")),
        ("stock.counted", StockCounted(**LINE, qty="11")),
        ("stock.adjusted", StockAdjusted(**LINE, qty="-1", reason="dropped", code="waste")),
        ("stock.adjusted", StockAdjusted(**LINE, qty="-1", reason="gone", code="theft")),
        ("stock.adjusted", StockAdjusted(**LINE, qty="0.5", reason="found it")),
        ("lot.blocked", LotBlocked(item="chicken", lot="L-1", location="cold-1",
                                   reason="excursion")),
        ("lot.released", LotReleased(item="chicken", lot="L-1", location="cold-1",
                                     disposition="release", reason="ok", operator="ann")),
        ("lot.released", LotReleased(item="chicken", lot="L-1", location="cold-1",
                                     disposition="discard", reason="bad", operator="ann")),
        ("reading.recorded", ReadingRecorded(device="probe-1", metric="air_temp",
                                             value="3.50", unit="°C", location="cold-1")),
        ("stock.moved", StockMoved(**LINE, qty="2", to_location="freezer")),
        ("transfer.shipped", TransferShipped(**LINE, qty="4", transfer="T-7", to_site="site-2")),
        ("transfer.received", TransferReceived(**LINE, qty="3.9", transfer="T-6",
                                               from_site="site-3")),
        ("stock.issued", StockIssued(**LINE, qty="1", order="O-1", kind="sale",
                                     customer="Bob")),
        ("stock.issued", StockIssued(**LINE, qty="1", order="O-2", kind="gift")),
        ("stock.returned", StockReturned(**LINE, qty="1", order="O-1", reason="quality",
                                         customer="Bob")),
    ]  # fmt: skip


def sample_drafts() -> list[EventDraft]:
    """The samples as drafts, a second apart from ``DAY`` (plus 123.456 ms)."""
    return [EventDraft(kind, DAY + timedelta(seconds=n, microseconds=123456), payload)
            for n, (kind, payload) in enumerate(sample_payloads())]  # fmt: skip


def sample_events() -> list[SourceEvent]:
    """One event (or more, for refinements) of every type the export maps, as stored."""
    chain = AgentChain(agent="agent-1", site="site-1")
    return [SourceEvent(e.site, e.type, e.moment, e.data) for e in chain.add(sample_drafts())]


@cache
def schema_validator() -> Draft7Validator:
    """GS1's schema with formats checked (uri and date-time included)."""
    return Draft7Validator(
        json.loads(SCHEMA.read_text()), format_checker=Draft7Validator.FORMAT_CHECKER
    )


def schema_errors(document: Mapping[str, Any]) -> list[str]:
    return [
        f"{list(e.absolute_path)}: {e.message}" for e in schema_validator().iter_errors(document)
    ]


def reference_hashes(document: Mapping[str, Any]) -> list[str]:
    """The event hash IDs GS1's reference implementation computes for a document's events."""
    logging.getLogger().disabled = True  # it logs every step at warning level and above
    try:
        events = event_list_from_epcis_document_json(json.loads(json.dumps(document)))
        return list(epcis_hashes_from_events(events))
    finally:
        logging.getLogger().disabled = False
