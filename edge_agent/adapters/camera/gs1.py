"""The GS1 meaning of a decoded symbol, read with biip. Pure: no I/O, no logging, no clock.

Which parser applies is decided by the symbology identifier, never guessed from the content:
``]C1``/``]d2``/``]Q3``/``]e0`` carry a GS1 element string, ``]E*`` a bare GTIN, and a QR code
whose URL names a GS1 primary key is a GS1 Digital Link. Anything else is a plain code, passed on
with its text only. biip's errors become our ``CodeError`` here and nowhere else.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gtin import Gtin

from edge_agent.adapters.camera.errors import CodeError
from edge_agent.adapters.camera.scanned import DecodedSymbol, ScannedCode

GROUP_SEPARATOR = "\x1d"
"""What FNC1 after a variable-length field reads as (ASCII GS)."""

GS1_IDENTIFIERS = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})
"""GS1-128, GS1 DataMatrix, GS1 QR Code, GS1 DataBar, GS1 DotCode: content is an element string."""

DIGITAL_LINK_KEYS = frozenset(
    {"00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010"}
    | {"8013", "8017", "8018"}
)
"""Primary-key AIs a GS1 Digital Link path starts from (GS1 Digital Link standard 1.4, §4)."""

_AI_IN_MESSAGE = re.compile(r"GS1 AI \((\d{2,4})\)")


def read_code(symbol: DecodedSymbol) -> ScannedCode:
    """The GS1 fields of ``symbol``; a ``CodeError`` names the AI when the data is invalid."""
    try:
        if symbol.identifier in GS1_IDENTIFIERS:
            return _from_elements(symbol, element_strings(symbol.text), digital_link=False)
        if symbol.identifier.startswith("]E"):
            return _from_gtin(symbol)
        if is_digital_link(symbol.text):
            uri = GS1DigitalLinkURI.parse(symbol.text)
            return _from_elements(symbol, list(uri.element_strings), digital_link=True)
    except ParseError as exc:
        match = _AI_IN_MESSAGE.search(str(exc))
        raise CodeError(match.group(1) if match else None, str(exc)) from exc
    return ScannedCode(symbology=symbol.symbology, identifier=symbol.identifier, raw=symbol.text)


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
        raise CodeError(None, "GS1 symbol without any element string")
    while rest:
        try:
            ai = GS1ApplicationIdentifier.extract(rest).ai
        except ParseError as exc:
            raise CodeError(None, f"no GS1 AI at {rest[:8]!r}") from exc
        try:
            element = GS1ElementString.extract(rest)
        except ParseError as exc:
            raise CodeError(ai, str(exc)) from exc
        elements.append(element)
        rest = rest[len(element) :].lstrip(GROUP_SEPARATOR)
    return elements


def _from_elements(
    symbol: DecodedSymbol, elements: list[GS1ElementString], *, digital_link: bool
) -> ScannedCode:
    fields: dict[str, GS1ElementString] = {}
    for element in elements:
        ai = element.ai.ai
        for error in (element.gtin_error, element.sscc_error, element.gln_error):
            if error:
                raise CodeError(ai, error)
        if ai in fields and fields[ai].value != element.value:
            raise CodeError(ai, f"appears twice: {fields[ai].value!r} and {element.value!r}")
        fields[ai] = element
    gtin = fields.get("01")
    weights = [e.decimal for ai, e in fields.items() if ai.startswith("310")]
    return ScannedCode(
        symbology=symbol.symbology,
        identifier=symbol.identifier,
        raw=symbol.text,
        gs1=True,
        digital_link=digital_link,
        gtin=gtin.gtin.as_gtin_14() if gtin and gtin.gtin else None,
        lot=_value(fields, "10"),
        serial=_value(fields, "21"),
        expiry=fields["17"].date if "17" in fields else None,
        best_before=fields["15"].date if "15" in fields else None,
        net_weight_kg=weights[0] if weights else None,
        elements=tuple((ai, e.value) for ai, e in fields.items()),
    )


def _from_gtin(symbol: DecodedSymbol) -> ScannedCode:
    try:
        gtin = Gtin.parse(symbol.text).as_gtin_14()
    except ParseError as exc:
        raise CodeError("01", str(exc)) from exc
    return ScannedCode(
        symbology=symbol.symbology,
        identifier=symbol.identifier,
        raw=symbol.text,
        gs1=True,
        gtin=gtin,
        elements=(("01", gtin),),
    )


def _value(fields: dict[str, GS1ElementString], ai: str) -> str | None:
    return fields[ai].value if ai in fields else None
