"""GS1 codes read into frozen values: element strings, Digital Link URIs, GTINs, check digits.

Pure: no I/O, no logging, no clock. biip (a small pure library) does the reading against GS1's
application identifier tables; its errors become ``Gs1Error`` here and nowhere else, naming the
AI concerned whenever there is one. Both the edge (camera scans) and the cloud (Digital Link
resolution, EPCIS) read codes through this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gtin import Gtin
from pydantic import AfterValidator, StringConstraints

from domain.errors import DomainError

GROUP_SEPARATOR = "\x1d"
"""What FNC1 after a variable-length field reads as (ASCII GS)."""

DIGITAL_LINK_KEYS = frozenset(
    {"00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010"}
    | {"8013", "8017", "8018"}
)
"""Primary-key AIs a GS1 Digital Link path starts from (GS1 Digital Link standard 1.4, §4)."""

_AI_IN_MESSAGE = re.compile(r"GS1 AI \((\d{2,4})\)")


class Gs1Error(DomainError):
    """A code that does not read as GS1: a bad check digit, an impossible date, an unknown AI.

    ``ai`` names the GS1 application identifier concerned (``01``, ``17``...) when there is one,
    so a label can be checked by hand against the GS1 General Specifications.
    """

    def __init__(self, ai: str | None, message: str) -> None:
        self.ai = ai
        where = f"GS1 AI ({ai}): " if ai else ""
        super().__init__(f"{where}{message}")


@dataclass(frozen=True, slots=True)
class Gs1Code:
    """The GS1 fields of one code; a field is None when the code lacks it.

    ``elements`` keeps every application identifier read, in label order, so AIs without a
    field of their own (``00`` SSCC, ``11`` production date, ``392n`` price...) are not lost.
    ``gtin`` is always a GTIN-14; ``net_weight_kg`` is from AI 310n (n = decimals).
    """

    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    best_before: date | None = None
    net_weight_kg: Decimal | None = None
    digital_link: bool = False
    elements: tuple[tuple[str, str], ...] = ()


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of ``digits`` (weights 3, 1, 3... from the right)."""
    try:
        return gs1_standard_check_digit(digits)
    except ValueError as exc:
        raise Gs1Error(None, f"a check digit needs digits only, not {digits!r}") from exc


def checked_key(digits: str) -> str:
    """A GS1 key (GTIN, GLN) whose last digit is its check digit; ``Gs1Error`` otherwise."""
    expected = gs1_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        raise Gs1Error(None, f"{digits}: the check digit should be {expected}")
    return digits


Gtin14 = Annotated[str, StringConstraints(pattern=r"^[0-9]{14}$"), AfterValidator(checked_key)]
"""A GTIN written with 14 digits (pad a GTIN-13 with a leading 0), check digit checked."""

GlobalLocationNumber = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{13}$"), AfterValidator(checked_key)
]
"""A GLN: 13 digits, check digit checked."""


def parse_element_string(text: str) -> Gs1Code:
    """The fields of a GS1 element string (FNC1 separators as ``\\x1d``)."""
    return _code(element_strings(text), digital_link=False)


def parse_digital_link(uri: str) -> Gs1Code:
    """The fields of a GS1 Digital Link URI, path and query AIs alike."""
    try:
        elements = list(GS1DigitalLinkURI.parse(uri).element_strings)
    except ParseError as exc:
        raise _refusal(exc) from exc
    return _code(elements, digital_link=True)


def parse_gtin(text: str) -> Gs1Code:
    """A bare GTIN (EAN-13, UPC-A, GTIN-8 or GTIN-14), checked and padded to 14 digits."""
    try:
        gtin = Gtin.parse(text).as_gtin_14()
    except ParseError as exc:
        raise Gs1Error("01", str(exc)) from exc
    return Gs1Code(gtin=gtin, elements=(("01", gtin),))


def is_digital_link(text: str) -> bool:
    """Whether ``text`` is an http(s) URL whose path names a GS1 primary key (``/01/<gtin>``)."""
    if not text.startswith(("https://", "http://")):
        return False
    try:
        segments = urlsplit(text).path.split("/")
    except ValueError:
        return False
    return any(key in DIGITAL_LINK_KEYS for key in segments[1:-1])


def element_strings(text: str) -> list[GS1ElementString]:
    """Split a GS1 element string into its fields, each checked by biip.

    biip's own ``GS1Message.parse`` does the same walk but cannot say which AI failed; this one
    knows the AI before it reads the value, so the error names it.
    """
    rest, elements = text, []
    if not rest:
        raise Gs1Error(None, "GS1 symbol without any element string")
    while rest:
        try:
            ai = GS1ApplicationIdentifier.extract(rest).ai
        except ParseError as exc:
            raise Gs1Error(None, f"no GS1 AI at {rest[:8]!r}") from exc
        try:
            element = GS1ElementString.extract(rest)
        except ParseError as exc:
            raise Gs1Error(ai, str(exc)) from exc
        elements.append(element)
        rest = rest[len(element) :].lstrip(GROUP_SEPARATOR)
    return elements


def _code(elements: list[GS1ElementString], *, digital_link: bool) -> Gs1Code:
    fields: dict[str, GS1ElementString] = {}
    for element in elements:
        ai = element.ai.ai
        for error in (element.gtin_error, element.sscc_error, element.gln_error):
            if error:
                raise Gs1Error(ai, error)
        if ai in fields and fields[ai].value != element.value:
            raise Gs1Error(ai, f"appears twice: {fields[ai].value!r} and {element.value!r}")
        fields[ai] = element
    gtin = fields.get("01")
    weights = [e.decimal for ai, e in fields.items() if ai.startswith("310")]
    return Gs1Code(
        gtin=gtin.gtin.as_gtin_14() if gtin and gtin.gtin else None,
        lot=_value(fields, "10"),
        serial=_value(fields, "21"),
        expiry=fields["17"].date if "17" in fields else None,
        best_before=fields["15"].date if "15" in fields else None,
        net_weight_kg=weights[0] if weights else None,
        digital_link=digital_link,
        elements=tuple((ai, e.value) for ai, e in fields.items()),
    )


def _refusal(exc: ParseError) -> Gs1Error:
    """biip names the AI only inside its message; lift it out so callers can act on it."""
    match = _AI_IN_MESSAGE.search(str(exc))
    return Gs1Error(match.group(1) if match else None, str(exc))


def _value(fields: dict[str, GS1ElementString], ai: str) -> str | None:
    return fields[ai].value if ai in fields else None
