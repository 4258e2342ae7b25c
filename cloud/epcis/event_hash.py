"""The CBV 2.0 event hash ID of an EPCIS event (CBV 2.0 §8.9), as ``ni:///sha-256;…?ver=CBV2.0``.

The pre-hash string names the event type, then the standard fields in the CBV's fixed order
(lists sorted, CBV bare words expanded to their web vocabulary URIs, times in UTC to the
millisecond, numbers without trailing zeros), then the fields outside that order, sorted. It
covers the fields ``cloud.epcis.mapping`` writes, and the tests check it against GS1's
reference implementation (the ``epcis-event-hash-generator`` package) for every event type
we map; identifiers are taken as written, so they must already be canonical (``identifiers``
writes GS1 Digital Links on ``id.gs1.org``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"

_LISTS = (
    "epcList", "inputEPCList", "childEPCs", "quantityList", "childQuantityList",
    "inputQuantityList", "outputEPCList", "outputQuantityList",
)  # fmt: skip
_SCALARS = ("action", "transformationID")
_VOCABULARY = {"bizStep": "BizStep-", "disposition": "Disp-"}
_METADATA = (
    "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
    "dataProcessingMethod", "bizRules",
)  # fmt: skip
_REPORT = (
    "type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
    "time", "microorganism", "chemicalSubstance", "value", "component", "stringValue",
    "booleanValue", "hexBinaryValue", "uriValue", "minValue", "maxValue", "meanValue", "sDev",
    "percRank", "percValue", "uom", "coordinateReferenceSystem",
)  # fmt: skip
_IN_ORDER = frozenset(
    {"type", "eventTime", "eventTimeZoneOffset", "eventID", "recordTime", "errorDeclaration",
     "parentID"}
    | set(_LISTS) | set(_SCALARS) | set(_VOCABULARY) | {"readPoint", "bizLocation"}
    | {"sensorElementList", "@context"}
)  # fmt: skip
_PARTIES = {"sourceList": "source", "destinationList": "destination"}


def event_hash_id(event: Mapping[str, Any]) -> str:
    """The event's hash ID (its ``eventID`` itself is not hashed)."""
    digest = hashlib.sha256(pre_hash(event).encode()).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"


def pre_hash(event: Mapping[str, Any]) -> str:
    """The canonical pre-hash string of ``event`` (CBV 2.0 §8.9.2)."""
    parts = [f"eventType={event['type']}"]
    parts.append(f"eventTime={_time(str(event['eventTime']))}")
    parts.append(f"eventTimeZoneOffset={event['eventTimeZoneOffset']}")
    if "parentID" in event:  # an aggregation's parent comes before the lists (CBV 2.0 §8.9.2)
        parts.append(f"parentID={_value(event['parentID'])}")
    for name in _LISTS:
        items = sorted(_list_element(item) for item in event.get(name, ()))
        if items:
            parts.append(name + "".join(items))
    for name in _SCALARS:
        if name in event:
            parts.append(f"{name}={_value(event[name])}")
    for name, prefix in _VOCABULARY.items():
        if name in event:
            parts.append(f"{name}={_word(str(event[name]), prefix)}")
    for name in ("readPoint", "bizLocation"):
        if name in event:
            parts.append(f"{name}id={_value(event[name]['id'])}")
    sensors = sorted(_sensor_element(e) for e in event.get("sensorElementList", ()))
    if sensors:
        parts.append("sensorElementList" + "".join(sensors))
    parts.append("".join(sorted(_rest(name, value) for name, value in event.items()
                                if name not in _IN_ORDER)))  # fmt: skip
    return "".join(parts)


def _list_element(item: Any) -> str:
    if isinstance(item, str):
        return f"epc={_value(item)}"
    text = f"quantityElementepcClass={_value(item['epcClass'])}"
    for name in ("quantity", "uom"):
        if name in item:
            text += f"{name}={_value(item[name])}"
    return text


def _sensor_element(element: Mapping[str, Any]) -> str:
    text = "sensorElement"
    metadata = element.get("sensorMetadata", {})
    fields = "".join(f"{n}={_value(metadata[n], n)}" for n in _METADATA if n in metadata)
    if fields:
        text += "sensorMetadata" + fields
    reports = []
    for report in element.get("sensorReport", ()):
        values = dict(report)
        if "type" in values:
            values["type"] = _word(str(values["type"]), "", GS1_VOC)
        reports.append("".join(f"{n}={_value(values[n], n)}" for n in _REPORT if n in values))
    return text + "".join("sensorReport" + r for r in sorted(reports))


def _rest(name: str, value: Any) -> str:
    """A field outside the fixed order: lists of parties and transactions, ILMD, extensions."""
    if name == "bizTransactionList":
        return name + "".join(sorted(
            f"type={_word(str(t['type']), 'BTT-')}" * ("type" in t)
            + f"bizTransaction={_value(t['bizTransaction'])}" for t in value
        ))  # fmt: skip
    if name in _PARTIES:
        side = _PARTIES[name]
        return name + "".join(sorted(
            f"type={_word(str(p['type']), 'SDT-')}{side}={_value(p[side])}" for p in value
        ))  # fmt: skip
    if isinstance(value, Mapping):
        return name + "".join(sorted(_rest(key, inner) for key, inner in value.items()))
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "".join(sorted(_rest(name, inner) for inner in value))
    return f"{name}={_value(value)}"


def _word(word: str, prefix: str, base: str = CBV) -> str:
    """A CBV bare word as its web vocabulary URI (a URI stays as it is)."""
    return word if ":" in word else f"{base}{prefix}{word}"


def _value(value: Any, name: str = "") -> str:
    if "time" in name.lower():
        return _time(str(value))
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number == int(number) else str(number)


def _time(text: str) -> str:
    """A time in UTC to the millisecond, with a Z."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    millis = round(moment.microsecond, -3)
    moment = moment.replace(microsecond=0).replace(tzinfo=None)
    return f"{moment.isoformat()}.{millis // 1000:03d}Z"
