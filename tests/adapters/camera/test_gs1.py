"""The camera's GS1 mapping: the symbology identifier picks the domain reading; golden contents in,
an exact ScannedCode or the domain's Gs1Error out. The GS1 rules are tested in tests/domain."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.gs1 import Gs1Error
from edge_agent.adapters.camera.gs1 import read_code
from edge_agent.adapters.camera.scanned import DecodedSymbol, Symbology, to_observation

GS = "\x1d"
GS1_128 = DecodedSymbol(
    Symbology.CODE128, "]C1", f"0109501101530003{'10'}LOT-7{GS}1726123121SN42{GS}3103001250"
)
DIGITAL_LINK = DecodedSymbol(
    Symbology.QR,
    "]Q1",
    "https://id.gs1.org/01/09501101530003/10/LOT-7/21/SN42?17=261231&3103=001250",
)
DATAMATRIX = DecodedSymbol(
    Symbology.DATAMATRIX, "]d2", f"01095011015300031726123110LOT-7{GS}21SN42{GS}3103001250"
)


@pytest.mark.parametrize("symbol", [GS1_128, DIGITAL_LINK, DATAMATRIX], ids=lambda s: s.identifier)
def test_the_same_label_in_three_symbologies_gives_the_same_fields(symbol: DecodedSymbol) -> None:
    code = read_code(symbol)
    assert code.gs1
    assert code.digital_link is (symbol is DIGITAL_LINK)
    assert (code.gtin, code.lot, code.serial) == ("09501101530003", "LOT-7", "SN42")
    assert code.expiry == date(2026, 12, 31)
    assert code.net_weight_kg == Decimal("1.250")
    assert dict(code.elements)["3103"] == "001250"


def test_ean13_is_a_gtin_padded_to_14_digits() -> None:
    code = read_code(DecodedSymbol(Symbology.EAN13, "]E0", "5901234123457"))
    assert code.gtin == "05901234123457"
    assert code.elements == (("01", "05901234123457"),)


def test_other_ais_are_kept_and_reach_the_observation() -> None:
    symbol = DecodedSymbol(Symbology.CODE128, "]C1", "0109501101530003112601151527013110L1")
    code = read_code(symbol)
    assert code.best_before == date(2027, 1, 31)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    obs = to_observation(code, device="cam-1", at=at, location="cold-store")
    assert obs.values == {
        "code": symbol.text,
        "symbology": "]C1",
        "gs1": True,
        "digital_link": False,
        "gtin": "09501101530003",
        "lot": "L1",
        "best_before": "2027-01-31",
        "location": "cold-store",
        "ai_11": "260115",
    }
    assert obs.units == {}


def test_weight_is_a_decimal_in_kg_in_the_observation() -> None:
    obs = to_observation(read_code(DATAMATRIX), device="cam-1", at=datetime.now(UTC), location=None)
    assert obs.values["net_weight"] == Decimal("1.250")
    assert obs.values["expiry"] == "2026-12-31"
    assert obs.units == {"net_weight": "kg"}


@pytest.mark.parametrize(
    ("symbol", "ai", "words"),
    [
        (DecodedSymbol(Symbology.CODE128, "]C1", "0109501101530004"), "01", "check digit"),
        (DecodedSymbol(Symbology.EAN13, "]E0", "5901234123458"), "01", "check digit"),
        (DecodedSymbol(Symbology.DATAMATRIX, "]d2", "010950110153000317261331"), "17", "17"),
        (
            DecodedSymbol(Symbology.QR, "]Q1", "https://x.io/01/09501101530003?17=261399"),
            "17",
            "17",
        ),
    ],
)
def test_each_gs1_route_refuses_a_bad_code_naming_the_ai(
    symbol: DecodedSymbol, ai: str, words: str
) -> None:
    with pytest.raises(Gs1Error) as caught:
        read_code(symbol)
    assert caught.value.ai == ai
    assert words in str(caught.value)
    assert f"GS1 AI ({ai})" in str(caught.value)


@pytest.mark.parametrize(
    "symbol",
    [
        DecodedSymbol(Symbology.CODE128, "]C0", "0109501101530004"),
        DecodedSymbol(Symbology.QR, "]Q1", "https://example.com/menu/01"),
        DecodedSymbol(Symbology.DATAMATRIX, "]d1", "hello"),
    ],
)
def test_plain_codes_pass_with_their_text_only(symbol: DecodedSymbol) -> None:
    code = read_code(symbol)
    assert (code.gs1, code.gtin, code.raw) == (False, None, symbol.text)


_IDENTIFIERS = st.sampled_from(["]C1", "]d2", "]Q3", "]e0", "]E0", "]E4", "]Q1", "]C0", "]X9", ""])
_GS1_ALPHABET = st.sampled_from("0123456789ABCxyz-/%?&=:.\x1d ")


@given(
    st.sampled_from(list(Symbology)),
    _IDENTIFIERS,
    st.one_of(
        st.text(max_size=80),
        st.text(_GS1_ALPHABET, max_size=80),
        st.builds(lambda t: "https://id.gs1.org/01/" + t, st.text(_GS1_ALPHABET, max_size=60)),
    ),
)
def test_fuzz_only_our_own_error(symbology: Symbology, identifier: str, text: str) -> None:
    with contextlib.suppress(Gs1Error):
        read_code(DecodedSymbol(symbology, identifier, text))


@given(st.sampled_from([GS1_128, DIGITAL_LINK, DATAMATRIX]), st.data())
def test_fuzz_truncated_labels_read_or_raise_our_error(
    symbol: DecodedSymbol, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(symbol.text)))
    with contextlib.suppress(Gs1Error):
        read_code(DecodedSymbol(symbol.symbology, symbol.identifier, symbol.text[:cut]))
