"""A supplier's EPCIS capture document read into our receipts: ``lot.received`` drafts.

Pure, and all or nothing: ``receipts_of`` returns every receipt of the document or raises
``CaptureRefused`` naming the first field that is wrong by its JSON path
(``epcisBody.eventList[2].quantityList[0].uom``), so a supplier can fix the document and
send it again. What can become a receipt: an ``ObjectEvent`` with ``bizStep`` receiving,
action ``OBSERVE`` or ``ADD``, lot-level quantities (``quantityList``: an EPC class naming a
lot, a positive quantity, a uom of KGM, GRM, LTR or MLT, or none for a count), a
``readPoint`` naming a location of the site and a ``bizLocation`` naming the site. The
``owning_party`` or ``possessing_party`` of ``sourceList`` becomes the supplier, and ILMD
``cbvmda:itemExpirationDate`` the expiry date. One document captures at one site.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from cloud.epcis.errors import CaptureRefused
from cloud.epcis.event_hash import event_hash_id
from cloud.epcis.places import Places
from domain.events import CLOUD_AHEAD, EventDraft
from domain.payloads import LotReceived
from domain.values import TimeOutOfWindow, check_event_time

MAX_EVENTS = 1000
MAX_LINES = 10_000

_RECEIVING = {
    "receiving",
    "https://ref.gs1.org/cbv/BizStep-receiving",
    "urn:epcglobal:cbv:bizstep:receiving",
}
_UNITS = {"KGM": "kg", "GRM": "g", "LTR": "l", "MLT": "ml"}
_SUPPLIER_TYPES = {"owning_party", "possessing_party"} | {
    f"https://ref.gs1.org/cbv/SDT-{kind}" for kind in ("owning_party", "possessing_party")
}


@dataclass(frozen=True, slots=True)
class Receipt:
    """One lot received, with the EPCIS event ID it came from (so a resend is seen)."""

    event_id: str
    draft: EventDraft


@dataclass(frozen=True, slots=True)
class Capture:
    site: str
    receipts: list[Receipt]


def receipts_of(document: Any, places: Places, now: datetime) -> Capture:
    """The receipts of a capture document, all at one site; ``CaptureRefused`` otherwise.

    ``now`` is the cloud's clock: an event time further ahead of it than an agent's may be
    is refused, as ingest refuses one.
    """
    events = _event_list(document)
    receipts: list[Receipt] = []
    site: str | None = None
    for index, event in enumerate(events):
        path = f"epcisBody.eventList[{index}]"
        event_site, drafts = _receipts_of_event(event, path, places, now)
        if site is not None and event_site != site:
            raise CaptureRefused(
                f"{path}.bizLocation.id",
                f"site {event_site!r} is not {site!r}: one capture document receives at one site",
            )
        site = event_site
        event_id = _event_id(event)
        receipts += [Receipt(event_id, draft) for draft in drafts]
        if len(receipts) > MAX_LINES:
            raise CaptureRefused(path, f"more than {MAX_LINES} quantities in one document")
    assert site is not None
    return Capture(site, receipts)


def _event_id(event: Mapping[str, Any]) -> str:
    """The event's own ``eventID``, else its CBV hash, else (fields the hash cannot read) a
    digest of its JSON: what tells a resent event from a new one."""
    given = event.get("eventID")
    if isinstance(given, str) and given:
        return given
    try:
        return event_hash_id(event)
    except (KeyError, TypeError, ValueError, AttributeError):
        text = json.dumps(event, sort_keys=True, separators=(",", ":"))
        return f"ni:///sha-256;{hashlib.sha256(text.encode()).hexdigest()}?ver=edgestock"


def _event_list(document: Any) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping) or document.get("type") != "EPCISDocument":
        raise CaptureRefused("type", "a capture is an EPCISDocument")
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, Mapping) else None
    if not isinstance(events, list) or not events:
        raise CaptureRefused("epcisBody.eventList", "a non-empty list of events is required")
    if len(events) > MAX_EVENTS:
        raise CaptureRefused("epcisBody.eventList", f"more than {MAX_EVENTS} events")
    for index, event in enumerate(events):
        if not isinstance(event, Mapping):
            raise CaptureRefused(f"epcisBody.eventList[{index}]", "an event is a JSON object")
    return events


def _receipts_of_event(
    event: Mapping[str, Any], path: str, places: Places, now: datetime
) -> tuple[str, list[EventDraft]]:
    _require(event, path, "type", {"ObjectEvent"}, "only an ObjectEvent can be a receipt")
    _require(event, path, "bizStep", _RECEIVING, "only bizStep receiving becomes a receipt")
    _require(event, path, "action", {"OBSERVE", "ADD"}, "action must be OBSERVE or ADD")
    at = _event_time(event, path)
    try:
        check_event_time(at, now, ahead=CLOUD_AHEAD)
    except TimeOutOfWindow as exc:
        raise CaptureRefused(f"{path}.eventTime", str(exc)) from None
    site = places.site_of(_id_of(event, path, "bizLocation"), f"{path}.bizLocation.id")
    location = places.location_of(_id_of(event, path, "readPoint"), site, f"{path}.readPoint.id")
    supplier = _supplier(event, path)
    expires_on = _expiry(event, path)
    lines = event.get("quantityList")
    if not isinstance(lines, list) or not lines:
        raise CaptureRefused(
            f"{path}.quantityList",
            "lot-level quantities are required (instance-level epcList items carry no lot)",
        )
    drafts = []
    for number, line in enumerate(lines):
        where = f"{path}.quantityList[{number}]"
        item, lot, qty, unit = _line(line, where, places)
        try:
            payload = LotReceived(
                item=item,
                lot=lot,
                location=location,
                qty=qty,
                unit=unit,
                expires_on=expires_on,
                supplier=supplier,
                device="epcis",
            )
            drafts.append(EventDraft("lot.received", at, payload))
        except ValidationError as exc:
            error = exc.errors()[0]
            raise CaptureRefused(
                where, f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
            ) from None
        except TimeOutOfWindow as exc:
            raise CaptureRefused(f"{path}.eventTime", str(exc)) from None
    return site, drafts


def _require(event: Mapping[str, Any], path: str, name: str, allowed: set[str], why: str) -> None:
    value = event.get(name)
    if not isinstance(value, str) or value not in allowed:
        raise CaptureRefused(f"{path}.{name}", f"{value!r}: {why}")


def _event_time(event: Mapping[str, Any], path: str) -> datetime:
    text = event.get("eventTime")
    try:
        at = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise CaptureRefused(f"{path}.eventTime", f"{text!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise CaptureRefused(f"{path}.eventTime", f"{text!r} has no time zone offset")
    return at


def _id_of(event: Mapping[str, Any], path: str, name: str) -> str:
    place = event.get(name)
    if not isinstance(place, Mapping) or not isinstance(place.get("id"), str):
        raise CaptureRefused(f"{path}.{name}.id", "required: where the goods were received")
    return str(place["id"])


def _supplier(event: Mapping[str, Any], path: str) -> str | None:
    sources = event.get("sourceList") or []
    if not isinstance(sources, list):
        raise CaptureRefused(f"{path}.sourceList", "a list of sources")
    for number, source in enumerate(sources):
        kind = source.get("type") if isinstance(source, Mapping) else None
        if isinstance(kind, str) and kind in _SUPPLIER_TYPES:
            party = str(source.get("source", ""))
            if not 0 < len(party) <= 200:
                raise CaptureRefused(
                    f"{path}.sourceList[{number}].source", "a party of 1 to 200 characters"
                )
            return Places.party_name(party)
    return None


def _expiry(event: Mapping[str, Any], path: str) -> date | None:
    ilmd = event.get("ilmd")
    if not isinstance(ilmd, Mapping) or "cbvmda:itemExpirationDate" not in ilmd:
        return None
    text = ilmd["cbvmda:itemExpirationDate"]
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise CaptureRefused(
            f"{path}.ilmd.cbvmda:itemExpirationDate", f"{text!r} is not a date YYYY-MM-DD"
        ) from None


def _line(line: Any, where: str, places: Places) -> tuple[str, str, Decimal, str]:
    if not isinstance(line, Mapping) or not isinstance(line.get("epcClass"), str):
        raise CaptureRefused(f"{where}.epcClass", "required: the lot's EPC class URI")
    item, lot = places.lot_of(str(line["epcClass"]), f"{where}.epcClass")
    raw = line.get("quantity")
    try:
        qty = (
            Decimal(str(raw))
            if isinstance(raw, int | float) and not isinstance(raw, bool)
            else None
        )
    except InvalidOperation:
        qty = None
    if qty is None or not qty.is_finite() or qty <= 0:
        raise CaptureRefused(f"{where}.quantity", f"{raw!r}: a positive number is required")
    uom = line.get("uom")
    if uom is None:
        return item, lot, qty, "each"
    if not isinstance(uom, str) or uom not in _UNITS:
        raise CaptureRefused(f"{where}.uom", f"{uom!r}: one of {sorted(_UNITS)} (or none: a count)")
    return item, lot, qty, _UNITS[str(uom)]
