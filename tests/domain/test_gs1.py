"""GS1 codes in the domain: real element strings and Digital Link URIs in, an exact Gs1Code or a
Gs1Error naming the AI out."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.gs1 import (
    Gs1Code,
    Gs1Error,
    gs1_check_digit,
    is_digital_link,
    parse_digital_link,
    parse_element_string,
    parse_gtin,
)

GS = "\x1d"
ELEMENT_STRING = f"0109501101530003{'10'}LOT-7{GS}1726123121SN42{GS}3103001250"
DIGITAL_LINK = "https://id.gs1.org/01/09501101530003/10/LOT-7/21/SN42?17=261231&3103=001250"
LABEL = Gs1Code(
    gtin="09501101530003",
    lot="LOT-7",
    serial="SN42",
    expiry=date(2026, 12, 31),
    net_weight_kg=Decimal("1.250"),
    elements=(
        ("01", "09501101530003"),
        ("10", "LOT-7"),
        ("17", "261231"),
        ("21", "SN42"),
        ("3103", "001250"),
    ),
)


def test_a_gs1_128_element_string_with_fnc1_separators_reads_every_field() -> None:
    assert parse_element_string(ELEMENT_STRING) == LABEL


def test_a_digital_link_reads_path_and_query_ais_as_the_same_label() -> None:
    code = parse_digital_link(DIGITAL_LINK)
    assert code.digital_link
    assert (code.gtin, code.lot, code.serial, code.expiry, code.net_weight_kg) == (
        LABEL.gtin,
        LABEL.lot,
        LABEL.serial,
        LABEL.expiry,
        LABEL.net_weight_kg,
    )
    assert dict(code.elements) == dict(LABEL.elements)


def test_a_gtin_13_is_checked_and_padded_to_14_digits() -> None:
    assert parse_gtin("5901234123457") == Gs1Code(
        gtin="05901234123457", elements=(("01", "05901234123457"),)
    )


def test_day_00_of_an_expiry_is_the_last_day_of_the_month() -> None:
    assert parse_element_string("010950110153000317270200").expiry == date(2027, 2, 28)


def test_best_before_and_other_ais_are_kept_in_label_order() -> None:
    code = parse_element_string("0109501101530003112601151527013110L1")
    assert code.best_before == date(2027, 1, 31)
    assert [ai for ai, _ in code.elements] == ["01", "11", "15", "10"]
    assert dict(code.elements)["11"] == "260115"


def test_an_sscc_is_read_as_an_element_of_its_own() -> None:
    code = parse_element_string("00106141412345678908")
    assert code.elements == (("00", "106141412345678908"),)
    assert code.gtin is None


@pytest.mark.parametrize(
    ("digits", "check"),
    [("590123412345", 7), ("0950110153000", 3), ("950110153100", 0), ("9501234", 6)],
)
def test_check_digits_of_known_gtins(digits: str, check: int) -> None:
    assert gs1_check_digit(digits) == check


def test_a_check_digit_of_letters_is_refused_by_name() -> None:
    with pytest.raises(Gs1Error, match="digits only, not '95A1'"):
        gs1_check_digit("95A1")


@pytest.mark.parametrize(
    ("read", "text", "ai", "words"),
    [
        (parse_element_string, "0109501101530004", "01", "check digit"),
        (parse_gtin, "5901234123458", "01", "check digit"),
        (parse_element_string, "00106141412345678909", "00", "check digit"),
        (parse_element_string, "010950110153000317261331", "17", "17"),
        (parse_element_string, "010950110153000317260230", "17", "date"),
        (parse_element_string, "01095011015300", "01", "01"),
        (parse_element_string, f"10A{GS}10B", "10", "twice"),
        (parse_digital_link, "https://id.gs1.org/01/09501101530004", "01", "check"),
        (parse_digital_link, "https://x.io/01/09501101530003?17=261399", "17", "17"),
    ],
)
def test_invalid_codes_name_the_ai(read: object, text: str, ai: str, words: str) -> None:
    assert callable(read)
    with pytest.raises(Gs1Error) as caught:
        read(text)
    assert caught.value.ai == ai
    assert words in str(caught.value)
    assert f"GS1 AI ({ai})" in str(caught.value)
    assert isinstance(caught.value, DomainError)


@pytest.mark.parametrize("text", ["", "9", "ZZ1234"])
def test_an_element_string_without_a_known_ai_is_refused(text: str) -> None:
    with pytest.raises(Gs1Error, match=r"AI|element string") as caught:
        parse_element_string(text)
    assert caught.value.ai is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DIGITAL_LINK, True),
        ("http://example.com/01/09501101530003", True),
        ("https://example.com/menu/01", False),
        ("https://example.com/", False),
        ("0109501101530003", False),
        ("https://[::1/01/x", False),
    ],
)
def test_what_counts_as_a_digital_link(text: str, expected: bool) -> None:
    assert is_digital_link(text) is expected


_GS1_ALPHABET = st.sampled_from("0123456789ABCxyz-/%?&=:.\x1d ")


@given(st.one_of(st.text(max_size=80), st.text(_GS1_ALPHABET, max_size=80)))
def test_fuzz_element_strings_read_or_raise_our_error(text: str) -> None:
    with contextlib.suppress(Gs1Error):
        parse_element_string(text)


@given(st.text(_GS1_ALPHABET, max_size=60))
def test_fuzz_digital_links_read_or_raise_our_error(tail: str) -> None:
    with contextlib.suppress(Gs1Error):
        parse_digital_link("https://id.gs1.org/01/" + tail)


@given(st.sampled_from([ELEMENT_STRING, DIGITAL_LINK]), st.data())
def test_fuzz_truncated_labels_read_or_raise_our_error(text: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(text)))
    read = parse_digital_link if text is DIGITAL_LINK else parse_element_string
    with contextlib.suppress(Gs1Error):
        read(text[:cut])
