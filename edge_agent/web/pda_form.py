"""What the PDA app's form becomes: the observation a PDA node sends (the profile
``firmware_configs/mqtt/pda-kitchen.yaml`` reads ``Scan.Action``, ``Item``, ``Lot``...), so
``edge_agent.kitchen.pda.read_scan`` reads both alike. Pure: the label is read by
``domain.gs1``; a field a person got wrong raises ``ScanRefused`` naming it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from domain.gs1 import (
    GROUP_SEPARATOR,
    Gs1Code,
    Gs1Error,
    is_digital_link,
    parse_digital_link,
    parse_element_string,
    parse_gtin,
)
from domain.observation import Observation, Value

SYMBOLOGY_PREFIX = re.compile(r"^\](C1|d2|Q3|e0|J1)")
"""What a scanner set to send AIM identifiers puts before a GS1 code."""
HUMAN_READABLE = re.compile(r"\((\d{2,4})\)([^()]*)")
"""``(01)09501101530003(17)261231(10)LOT7``: the label's text under the bars."""
BARE_GTIN = re.compile(r"^\d{8}$|^\d{12,14}$")


class ScanRefused(ValueError):
    """A form field the app cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class ScanForm:
    """The PDA app's form, as typed (empty strings for fields left blank)."""

    action: str
    item: str
    location: str
    operator: str
    code: str = ""
    lot: str = ""
    expires: str = ""
    weight: str = ""
    tare: str = ""
    temp: str = ""
    probe: str = ""


def read_label(text: str) -> Gs1Code | None:
    """The GS1 fields of what the scanner typed or the camera read (None: nothing scanned).

    Element strings with FNC1 as ASCII GS (as most scanners type them), the human-readable
    form with brackets, a GS1 Digital Link URL or a bare GTIN are all read."""
    text = SYMBOLOGY_PREFIX.sub("", text.strip())
    if not text:
        return None
    if is_digital_link(text):
        return parse_digital_link(text)
    if text.startswith("("):
        fields = HUMAN_READABLE.findall(text)
        if not fields or "".join(f"({ai}){value}" for ai, value in fields) != text:
            raise Gs1Error(None, f"not a GS1 label text: {text[:40]!r}")
        return parse_element_string(GROUP_SEPARATOR.join(ai + value for ai, value in fields))
    if BARE_GTIN.match(text):
        return parse_gtin(text)
    return parse_element_string(text)


def observation(form: ScanForm, device: str, at: datetime) -> Observation:
    """The PDA observation of ``form``: the label's lot, expiry and net weight, unless the
    person typed them (what is typed wins: a relabelled case)."""
    try:
        label = read_label(form.code)
    except Gs1Error as exc:
        raise ScanRefused(f"code: {exc}") from exc
    lot = form.lot.strip() or (label.lot if label and label.lot else "")
    expiry = (label.expiry or label.best_before) if label else None
    expires = form.expires.strip() or (expiry.isoformat() if expiry else "")
    weight = _number("weight", form.weight)
    if weight is None and label is not None and label.net_weight_kg is not None:
        weight = label.net_weight_kg
    values: dict[str, Value] = {
        "action": form.action.strip(),
        "item": form.item.strip(),
        "lot": lot,
        "location": form.location.strip(),
        "operator": form.operator.strip(),
        "expires": expires,
    }
    for name in ("action", "item", "location", "operator"):
        if not values[name]:
            raise ScanRefused(f"{name}: missing")
    if not lot:
        raise ScanRefused("lot: missing (scan the label or type the lot)")
    numbers = {
        "weight": weight,
        "tare": _number("tare", form.tare) if form.tare.strip() or weight is None else Decimal(0),
        "temp": _number("temp", form.temp),
    }
    values.update({name: value for name, value in numbers.items() if value is not None})
    if form.probe.strip():
        values["probe"] = form.probe.strip()
    return Observation(device, at, values, {"weight": "kg", "tare": "kg", "temp": "°C"})


def _number(name: str, text: str) -> Decimal | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ScanRefused(f"{name}: {text!r} is not a number") from None
    if not value.is_finite():
        raise ScanRefused(f"{name}: {text!r} is not a number")
    return value
