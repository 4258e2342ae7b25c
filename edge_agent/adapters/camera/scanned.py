"""What a camera understood from one code: a frozen ``ScannedCode``, and its ``Observation``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.observation import Observation, Value


class Symbology(StrEnum):
    """The symbologies the adapter reads; GS1-128 is Code 128 with a leading FNC1."""

    EAN13 = "ean13"
    CODE128 = "code128"
    QR = "qr"
    DATAMATRIX = "datamatrix"


@dataclass(frozen=True, slots=True)
class DecodedSymbol:
    """One symbol as a decoder read it, before any GS1 meaning is given to it.

    ``identifier`` is the AIM symbology identifier (``]C1`` is GS1-128, ``]d2`` GS1 DataMatrix,
    ``]Q1`` a plain QR code, ``]E0`` EAN-13); ``text`` is the content without it, GS1 field
    separators (FNC1 after a variable-length field) kept as ``\\x1d``.
    """

    symbology: Symbology
    identifier: str
    text: str


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """A code with its GS1 fields picked out; every field is None when the code lacks it.

    ``elements`` keeps every application identifier read, in label order, so AIs without a
    field of their own (``00`` SSCC, ``11`` production date, ``392n`` price...) reach the
    pipeline too. ``net_weight_kg`` is from AI 310n (n = decimals).
    """

    symbology: Symbology
    identifier: str
    raw: str
    gs1: bool = False
    digital_link: bool = False
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None
    best_before: date | None = None
    net_weight_kg: Decimal | None = None
    elements: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """What makes two reads the same code, for debouncing."""
        return (self.identifier, self.raw)


_NAMED_AIS = frozenset({"01", "10", "21", "17", "15"})


def to_observation(
    code: ScannedCode, *, device: str, at: datetime, location: str | None
) -> Observation:
    """The code as the neutral observation the pipeline reads: strings, dates in ISO form,
    the weight as a Decimal in kg, and other AIs as ``ai_<n>``."""
    values: dict[str, Value] = {
        "code": code.raw,
        "symbology": code.identifier,
        "gs1": code.gs1,
        "digital_link": code.digital_link,
    }
    optional: dict[str, Value | None] = {
        "gtin": code.gtin,
        "lot": code.lot,
        "serial": code.serial,
        "expiry": code.expiry.isoformat() if code.expiry else None,
        "best_before": code.best_before.isoformat() if code.best_before else None,
        "net_weight": code.net_weight_kg,
        "location": location,
    }
    values |= {name: value for name, value in optional.items() if value is not None}
    for ai, value in code.elements:
        if ai not in _NAMED_AIS and not ai.startswith("310"):
            values[f"ai_{ai}"] = value
    units = {"net_weight": "kg"} if code.net_weight_kg is not None else {}
    return Observation(device=device, at=at, values=values, units=units)
