"""EPCIS 2.0 JSON-LD documents: a capture document, and the answer to a query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cloud.epcis.mapping import epcis_time

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
"""The JSON-LD context of EPCIS 2.0 (which defines the CBV bare words and ``cbvmda:``)."""

SCHEMA_VERSION = "2.0"


def epcis_document(events: Sequence[dict[str, Any]], created: datetime) -> dict[str, Any]:
    """An ``EPCISDocument`` carrying ``events`` (what an export or a capture sends)."""
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": epcis_time(created),
        "epcisBody": {"eventList": list(events)},
    }


def query_document(events: Sequence[dict[str, Any]], created: datetime) -> dict[str, Any]:
    """An ``EPCISQueryDocument``: the answer of ``GET /epcis/events`` (a SimpleEventQuery)."""
    return {
        "@context": CONTEXT,
        "type": "EPCISQueryDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": epcis_time(created),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": list(events)},
            }
        },
    }
