"""A logistic unit as EPCIS 2.0 AggregationEvents: packed and shipped (ADD), then unpacked (DELETE).

Pure: a ``cloud.trace.packs.Package`` in, JSON-LD events out. The parent is the SSCC as a GS1
Digital Link (``https://id.gs1.org/00/{sscc}``), the children the lots of the notice as a
``childQuantityList``. The ADD is the supplier's: at the notice's shipping time, with the
supplier as source and the site as destination (we know no read point of the supplier's).
The DELETE is the site's: when it received the package's lots, read at the site.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cloud.epcis.event_hash import event_hash_id
from cloud.epcis.identifiers import DIGITAL_LINK, Namespace
from cloud.epcis.mapping import epcis_time, quantity
from cloud.epcis.query import EventFilter
from cloud.trace.packs import Package

Json = dict[str, Any]

PACKED = ("shipping", "in_transit")
"""CBV 2.0 step and disposition of the supplier's ADD (the notice says it was shipped)."""
UNPACKED = ("unpacking", "in_progress")
"""CBV 2.0 step and disposition of the site's DELETE (its receipt of the lots)."""


def sscc_uri(sscc: str) -> str:
    """An SSCC as a GS1 Digital Link on the canonical domain."""
    return f"{DIGITAL_LINK}/00/{sscc}"


def aggregation_events(package: Package, ns: Namespace) -> list[Json]:
    """The ADD of ``package`` and, once received, its DELETE, each with its ``eventID``."""
    children = [quantity(ns, {"item": lot.item, "lot": lot.lot, "qty": lot.qty,
                              "unit": lot.unit}) for lot in package.lots]  # fmt: skip
    transactions = [
        {"type": "po", "bizTransaction": ns.transaction("po", package.site, package.po)},
        {"type": "desadv", "bizTransaction": ns.transaction("asn", package.supplier,
                                                            package.asn)},
    ]  # fmt: skip
    site = ns.site(package.site)
    added = _aggregation(epcis_time(package.shipped_at), package.sscc, children, "ADD", PACKED, {
        "bizTransactionList": transactions,
        "sourceList": [{"type": "owning_party", "source": ns.party(package.supplier)}],
        "destinationList": [{"type": "location", "destination": site}],
    })  # fmt: skip
    if package.unpacked_at is None:
        return [added]
    removed = _aggregation(epcis_time(package.unpacked_at), package.sscc, children, "DELETE",
                           UNPACKED, {"readPoint": {"id": site}, "bizLocation": {"id": site},
                                      "bizTransactionList": transactions})  # fmt: skip
    return [added, removed]


def _aggregation(
    at: str, sscc: str, children: list[Json], action: str, step: tuple[str, str], rest: Json
) -> Json:
    event: Json = {
        "type": "AggregationEvent", "eventTime": at, "eventTimeZoneOffset": "+00:00",
        "parentID": sscc_uri(sscc), "childEPCs": [], "childQuantityList": children,
        "action": action, "bizStep": step[0], "disposition": step[1], **rest,
    }  # fmt: skip
    event["eventID"] = event_hash_id(event)
    return event


def with_aggregations(
    found: list[Json], units: Sequence[Package], ns: Namespace, wanted: EventFilter, limit: int
) -> list[Json]:
    """``found`` (a page of mapped events, oldest first) with the aggregations of ``units``
    that pass ``wanted``, in time order, at most ``limit``. When ``found`` is a full page, no
    aggregation later than its last event joins it: the events after that were not read."""
    extra = [e for unit in units for e in aggregation_events(unit, ns) if wanted.matches(e)]
    start, end = wanted.start, wanted.end
    extra = [e for e in extra if (start is None or e["eventTime"] >= epcis_time(start))
             and (end is None or e["eventTime"] < epcis_time(end))]  # fmt: skip
    if len(found) >= limit:
        last = found[-1]["eventTime"]
        extra = [e for e in extra if e["eventTime"] <= last]
    return sorted([*found, *extra], key=lambda e: str(e["eventTime"]))[:limit]
