"""One of our stored events as one EPCIS 2.0 event (a JSON-LD object), or None if it has none.

Pure: the event's type, time, site and ``data`` in, a dict out; names come from a
``Namespace``. The table of types, steps and dispositions is ``cloud.epcis.vocabulary``. Every
event gets its CBV 2.0 hash as ``eventID`` (``cloud.epcis.event_hash``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cloud.epcis.event_hash import event_hash_id
from cloud.epcis.identifiers import Namespace
from cloud.epcis.vocabulary import ADJUSTMENTS, ISSUES, MAPPING, RELEASES, SENSORS, UNITS

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SourceEvent:
    """What the mapping reads of a stored event."""

    site: str
    type: str
    at: datetime
    data: Mapping[str, Any]


def epcis_time(moment: datetime) -> str:
    """An instant as EPCIS writes it here: UTC, milliseconds (the precision the hash keeps)."""
    utc = moment.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def number(text: str | Decimal | float) -> int | float:
    """A JSON number for a decimal: an integer when it is one."""
    value = Decimal(str(text))
    return int(value) if value == value.to_integral_value() else float(value)


def to_epcis(event: SourceEvent, ns: Namespace) -> Json | None:
    """The EPCIS event of ``event`` with its ``eventID``; None for types EPCIS does not carry."""
    shape = MAPPING.get(event.type)
    if shape is None:
        return None
    body = _BUILDERS[event.type](event, ns)
    if body is None:
        return None
    step, disposition = _step(event, shape.biz_step, shape.disposition)
    out: Json = {
        "type": shape.event_type,
        "eventTime": epcis_time(event.at),
        "eventTimeZoneOffset": "+00:00",
    }
    if shape.action is not None:
        out["action"] = shape.action
    out.update(body)
    out["bizStep"] = step
    if disposition is not None:
        out["disposition"] = disposition
    location = ns.location(event.site, event.data.get("to_location") or event.data.get("location"))
    out["readPoint"] = {"id": location}
    out["bizLocation"] = {"id": ns.site(event.site)}
    out = _ordered(out)
    out["eventID"] = event_hash_id(out)
    return out


def _step(event: SourceEvent, step: str, disposition: str | None) -> tuple[str, str | None]:
    data = event.data
    if event.type == "stock.adjusted":
        if data.get("code") in ADJUSTMENTS:
            return ADJUSTMENTS[str(data["code"])]
        if Decimal(str(data["qty"])) > 0:
            return "cycle_counting", None
    if event.type == "lot.released":
        return RELEASES[str(data["disposition"])]
    if event.type == "stock.issued":
        return ISSUES.get(str(data.get("kind")), (step, disposition))
    return step, disposition


def quantity(ns: Namespace, line: Mapping[str, Any], *, signed: bool = False) -> Json:
    """A quantity element of a stock line (``item``, ``lot``, ``qty``, ``unit``)."""
    qty = Decimal(str(line["qty"]))
    element: Json = {"epcClass": ns.lot_class(str(line["item"]), str(line["lot"]))}
    element["quantity"] = number(qty if signed else abs(qty))
    uom = UNITS.get(str(line["unit"]))
    if uom is not None:
        element["uom"] = uom
    return element


def _lot_only(ns: Namespace, data: Mapping[str, Any]) -> Json:
    return {"epcClass": ns.lot_class(str(data["item"]), str(data["lot"]))}


def _received(event: SourceEvent, ns: Namespace) -> Json:
    out: Json = {"quantityList": [quantity(ns, event.data)]}
    supplier = event.data.get("supplier")
    if supplier:
        out["sourceList"] = [{"type": "owning_party", "source": ns.party(str(supplier))}]
    return out


def _plain(event: SourceEvent, ns: Namespace) -> Json:
    return {"quantityList": [quantity(ns, event.data)]}


def _held(event: SourceEvent, ns: Namespace) -> Json:
    return {"quantityList": [_lot_only(ns, event.data)]}


def _produced(event: SourceEvent, ns: Namespace) -> Json:
    data = event.data
    out: Json = {
        "inputQuantityList": [quantity(ns, line) for line in data["inputs"]],
        "outputQuantityList": [quantity(ns, data)],
    }
    if data.get("expires_on"):
        out["ilmd"] = {"cbvmda:itemExpirationDate": str(data["expires_on"])}
    return out


def _transfer(outbound: bool) -> Callable[[SourceEvent, Namespace], Json]:
    """A transfer line leaving this site (``transfer.shipped``) or arriving at it."""

    def build(event: SourceEvent, ns: Namespace) -> Json:
        data = event.data
        if outbound:
            here, there = event.site, str(data["to_site"])
        else:
            here, there = str(data["from_site"]), event.site
        out: Json = {"quantityList": [quantity(ns, data)]}
        out["bizTransactionList"] = [{
            "type": "desadv",
            "bizTransaction": ns.transaction("transfer", ns.org, str(data["transfer"])),
        }]  # fmt: skip
        out["sourceList"] = [{"type": "location", "source": ns.site(here)}]
        out["destinationList"] = [{"type": "location", "destination": ns.site(there)}]
        return out

    return build


def _ordered_to_customer(event: SourceEvent, ns: Namespace) -> Json:
    data = event.data
    out: Json = {"quantityList": [quantity(ns, data)]}
    out["bizTransactionList"] = [
        {"type": "po", "bizTransaction": ns.transaction("order", event.site, str(data["order"]))}
    ]
    if data.get("customer"):
        party = ns.party(str(data["customer"]))
        key = "destinationList" if event.type == "stock.issued" else "sourceList"
        side = "destination" if key == "destinationList" else "source"
        out[key] = [{"type": "owning_party", side: party}]
    if event.type == "stock.returned":
        out["bizTransactionList"][0]["type"] = "rma"
    return out


def _reading(event: SourceEvent, ns: Namespace) -> Json | None:
    data = event.data
    sensor = SENSORS.get(str(data["unit"]))
    if sensor is None:
        return None
    kind, uom = sensor
    report: Json = {"type": kind, "value": number(str(data["value"])), "uom": uom}
    metadata: Json = {"deviceID": ns.device(event.site, str(data["device"]))}
    return {
        "epcList": [],
        "sensorElementList": [{"sensorMetadata": metadata, "sensorReport": [report]}],
    }


_BUILDERS: dict[str, Callable[[SourceEvent, Namespace], Json | None]] = {
    "lot.received": _received,
    "stock.produced": _produced,
    "stock.consumed": _plain,
    "stock.step_consumed": _plain,
    "stock.counted": _plain,
    "stock.adjusted": _plain,
    "lot.blocked": _held,
    "lot.released": _held,
    "reading.recorded": _reading,
    "stock.moved": _plain,
    "transfer.shipped": _transfer(outbound=True),
    "transfer.received": _transfer(outbound=False),
    "stock.issued": _ordered_to_customer,
    "stock.returned": _ordered_to_customer,
}

_ORDER = (
    "type", "eventTime", "eventTimeZoneOffset", "eventID", "epcList", "quantityList",
    "inputQuantityList", "outputQuantityList", "action", "bizStep", "disposition",
    "readPoint", "bizLocation", "bizTransactionList", "sourceList", "destinationList",
    "sensorElementList", "ilmd",
)  # fmt: skip


def _ordered(event: Json) -> Json:
    """The event's fields in the order GS1's examples write them (JSON order means nothing)."""
    return {key: event[key] for key in _ORDER if key in event}
