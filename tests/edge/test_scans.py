"""A camera's barcode read becomes a ``code.scanned`` event carrying its GS1 fields."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.observation import Observation
from domain.payloads import CodeScanned
from edge_agent.adapters.camera.gs1 import read_code
from edge_agent.adapters.camera.scanned import DecodedSymbol, Symbology, to_observation
from edge_agent.pipeline.scans import ScanUnusable, scan_event

AT = datetime(2026, 11, 28, 7, 30, tzinfo=UTC)


def test_a_gs1_128_label_keeps_gtin_lot_expiry_weight_and_other_elements() -> None:
    text = "0109501101530003" + "17261205" + "3102001250" + "10CHK-0425\x1d" + "7003" + "2611280915"
    symbol = DecodedSymbol(Symbology.CODE128, "]C1", text)
    obs = to_observation(read_code(symbol), device="pda-cam", at=AT, location="receiving")
    draft = scan_event(obs)
    assert draft.type == "code.scanned"
    assert draft.at == AT
    scanned = draft.payload
    assert isinstance(scanned, CodeScanned)
    assert scanned.gs1
    assert (scanned.gtin, scanned.lot) == ("09501101530003", "CHK-0425")
    assert scanned.expires_on == date(2026, 12, 5)
    assert scanned.net_weight_kg == Decimal("12.50")
    assert scanned.location == "receiving"
    assert scanned.other == {"7003": "2611280915"}


def test_a_read_without_a_code_is_refused_with_the_device() -> None:
    with pytest.raises(ScanUnusable, match="pda-cam: a scan without a 'code'"):
        scan_event(Observation("pda-cam", AT, {"symbology": "]E0"}))
