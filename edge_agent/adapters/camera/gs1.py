"""The GS1 meaning of a decoded symbol: which domain reading applies, by symbology identifier.

Which reading applies is decided by the symbology identifier, never guessed from the content:
``]C1``/``]d2``/``]Q3``/``]e0``/``]J1`` carry a GS1 element string, ``]E*`` a bare GTIN, and a
QR code whose URL names a GS1 primary key is a GS1 Digital Link. Anything else is a plain code,
passed on with its text only. The GS1 rules themselves live in ``domain.gs1``; a bad code raises
its ``Gs1Error``, naming the AI.
"""

from __future__ import annotations

from domain.gs1 import (
    Gs1Code,
    is_digital_link,
    parse_digital_link,
    parse_element_string,
    parse_gtin,
)
from edge_agent.adapters.camera.scanned import DecodedSymbol, ScannedCode

GS1_IDENTIFIERS = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})
"""GS1-128, GS1 DataMatrix, GS1 QR Code, GS1 DataBar, GS1 DotCode: content is an element string."""


def read_code(symbol: DecodedSymbol) -> ScannedCode:
    """The GS1 fields of ``symbol``; a ``domain.gs1.Gs1Error`` names the AI when data is invalid."""
    if symbol.identifier in GS1_IDENTIFIERS:
        return _scanned(symbol, parse_element_string(symbol.text))
    if symbol.identifier.startswith("]E"):
        return _scanned(symbol, parse_gtin(symbol.text))
    if is_digital_link(symbol.text):
        return _scanned(symbol, parse_digital_link(symbol.text))
    return ScannedCode(symbology=symbol.symbology, identifier=symbol.identifier, raw=symbol.text)


def _scanned(symbol: DecodedSymbol, code: Gs1Code) -> ScannedCode:
    return ScannedCode(
        symbology=symbol.symbology,
        identifier=symbol.identifier,
        raw=symbol.text,
        gs1=True,
        digital_link=code.digital_link,
        gtin=code.gtin,
        lot=code.lot,
        serial=code.serial,
        expiry=code.expiry,
        best_before=code.best_before,
        net_weight_kg=code.net_weight_kg,
        elements=code.elements,
    )
