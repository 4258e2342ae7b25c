"""GS1 Digital Link URIs read as GS1's own syntax engine reads them.

The vectors below are test cases of GS1's Barcode Syntax Engine (gs1/gs1-syntax-engine,
src/c-lib/dl.c, ``test_dl_parseDLuri``, commit 50657dbd), which include the examples of the
GS1 Digital Link standard. Copyright (c) 2021-2025 GS1 AISBL, licensed under the Apache
License, Version 2.0 (http://www.apache.org/licenses/LICENSE-2.0); copied as data, with the
expected element string in the engine's ``^`` notation. Cases the engine accepts only with
``PermitZeroSuppressedGTINinDLuris`` are accepted here (we always read GTIN-8/12/13).
"""

from __future__ import annotations

import pytest

from cloud.digital_link.uri import DigitalLinkError, parse_digital_link
from domain.gs1 import GROUP_SEPARATOR, element_strings

ACCEPTED = [
    ("http://a/00/006141411234567890", "^00006141411234567890"),
    ("HTTP://a/00/006141411234567890", "^00006141411234567890"),
    ("https://a/00/006141411234567890", "^00006141411234567890"),
    ("HTTPS://a/00/006141411234567890", "^00006141411234567890"),
    ("https://a/01/12312312312333", "^0112312312312333"),
    ("https://xn--fsq.xn--0zwm56d/01/12312312312333", "^0112312312312333"),
    ("https://a./01/12312312312333", "^0112312312312333"),
    ("https://a:65535/01/12312312312333", "^0112312312312333"),
    ("https://192.0.2.1/01/12312312312333", "^0112312312312333"),
    ("https://[2001:db8::1]/01/12312312312333", "^0112312312312333"),
    ("https://a/stem/00/006141411234567890", "^00006141411234567890"),
    ("https://a/more/stem/00/006141411234567890", "^00006141411234567890"),
    ("https://a/00/faux/00/006141411234567890", "^00006141411234567890"),
    ("https://a/01/2112345678900", "^0102112345678900"),
    ("https://a/01/416000336108", "^0100416000336108"),
    ("https://a/01/02345673", "^0100000002345673"),
    ("https://a/8004/9520614141234567?01=2112345678900", "^80049520614141234567^0102112345678900"),
    ("https://a/8004/9520614141234567?01=09521234543213", "^80049520614141234567^0109521234543213"),
    ("https://a/01/12312312312333/22/TEST/10/ABC/21/XYZ", "^011231231231233322TEST^10ABC^21XYZ"),
    ("https://a/01/12312312312333/235/TEST", "^0112312312312333235TEST"),
    ("https://a/253/1231231231232", "^2531231231231232"),
    ("https://a/253/1231231231232TEST5678901234567", "^2531231231231232TEST5678901234567"),
    ("https://a/8018/123456789012345675/8019/123", "^8018123456789012345675^8019123"),
    ("https://a/stem/00/006141411234567890?", "^00006141411234567890"),
    ("https://a/stem/00/006141411234567890?99=ABC", "^0000614141123456789099ABC"),
    ("https://a/stem/401/12345678?99=ABC", "^40112345678^99ABC"),
    ("https://a/01/12312312312333?99=ABC&98=XYZ", "^011231231231233399ABC^98XYZ"),
    ("https://a/01/12312312312333?&&&99=ABC&&&&&&98=XYZ&&&", "^011231231231233399ABC^98XYZ"),
    ("https://a/01/12312312312333?99=ABC&unknown=666&98=XYZ", "^011231231231233399ABC^98XYZ"),
    ("https://a/01/12312312312333?singleton&99=ABC&98=XYZ", "^011231231231233399ABC^98XYZ"),
    (
        "https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ%2f987",
        "^011231231231233322ABC-123^99ABC^98XYZ/987",
    ),
    (
        "https://a/01/12312312312333/22/ABC+123?99=ABC&98=XYZ%2f987",
        "^011231231231233322ABC+123^99ABC^98XYZ/987",
    ),
    ("https://a/01/12312312312333/22/test/10/abc/21/xyz#", "^011231231231233322test^10abc^21xyz"),
    ("https://a/stem/00/006141411234567890?99=ABC#fragment", "^0000614141123456789099ABC"),
    # the GS1 Digital Link standard's own examples
    ("https://id.gs1.org/01/09520123456788", "^0109520123456788"),
    ("https://brand.example.com/01/9520123456788", "^0109520123456788"),
    ("https://brand.example.com/some-extra/pathinfo/01/9520123456788", "^0109520123456788"),
    ("https://id.gs1.org/01/09520123456788/22/2A", "^0109520123456788222A"),
    ("https://id.gs1.org/01/09520123456788/10/ABC123", "^010952012345678810ABC123"),
    ("https://id.gs1.org/01/09520123456788/21/12345", "^01095201234567882112345"),
    (
        "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
        "^010952012345678810ABC1^2112345^17180426",
    ),
    ("https://id.gs1.org/01/09520123456788?3103=000195", "^01095201234567883103000195"),
    (
        "https://example.com/01/9520123456788?3103=000195&3922=0299&17=201225",
        "^0109520123456788310300019539220299^17201225",
    ),
    ("https://id.gs1.org/00/952012345678912345", "^00952012345678912345"),
    (
        "https://id.gs1.org/00/952012345678912345?02=09520123456788&37=25&10=ABC123",
        "^0095201234567891234502095201234567883725^10ABC123",
    ),
    ("https://id.gs1.org/414/9520123456788", "^4149520123456788"),
    ("https://id.gs1.org/414/9520123456788/254/32a%2Fb", "^414952012345678825432a/b"),
    (
        "https://example.com/8004/9520614141234567?01=09520123456788",
        "^80049520614141234567^0109520123456788",
    ),
    ("https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123", "^0109520123456788235XYZ^10ABC123"),
]

REFUSED = [
    "",
    "ftp://",
    "http://",
    "http:///",
    "http://a",
    "http://a/",
    "http://a/b",
    "http://a/b/",
    "HtTp://a/b/00/006141411234567890",
    "https://00/006141411234567890",
    "https://[fe80::1%25lo]/01/12312312312333",
    "https://$a/006141411234567890",
    "https://a$/006141411234567890",
    "https://a/01/12312312312333<bad",
    "https://a/01/12312312312333>bad",
    "https://a/01/12312312312333{bad",
    "https://a/01/12312312312333}bad",
    "https://a/01/12312312312333\\bad",
    "https://a/01/12312312312333^bad",
    "https://a/01/12312312312333`bad",
    "https://a/gtin/12312312312333",
    "https://a/253/1231231231232TEST56789012345678",
    "https://a/stem/00/006141411234567890/",
    "https://a/01/12312312312333?99=",
    "https://a/01/12312312312333?99=ABC&999=faux",
    "https://a/01/12312312312333/22/ABC%2d123?99=ABC&98=XYZ+987",
    "https://example.com/01/09520123456788?10=ABC123",
    "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788",
    "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123",
    "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&99=XYZ789",
    "https://example.com/01/09520123456788/89/ABC123?99=XYZ",
    "https://example.com/01/09520123456788?99=XYZ&89=ABC123",
    "https://a/01//12312312312333",
    "https://a/01/1231231231233%003",
    "https://a/01/12312312312333?99=ABC%00DEF",
]


def _pairs(expected: str) -> tuple[tuple[str, str], ...]:
    text = expected[1:].replace("^", GROUP_SEPARATOR)
    return tuple((e.ai.ai, e.value) for e in element_strings(text))


@pytest.mark.parametrize(("uri", "expected"), ACCEPTED)
def test_gs1_accepted_cases_read_to_the_engines_element_string(uri: str, expected: str) -> None:
    link = parse_digital_link(uri)
    assert sorted(link.elements) == sorted(_pairs(expected))


@pytest.mark.parametrize("uri", REFUSED)
def test_gs1_refused_cases_are_refused_with_a_reason(uri: str) -> None:
    with pytest.raises(DigitalLinkError) as refused:
        parse_digital_link(uri)
    assert str(refused.value)


def test_key_qualifiers_keep_the_standards_order() -> None:
    link = parse_digital_link("https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426")
    assert (link.gtin, link.lot, link.serial) == ("09520123456788", "ABC1", "12345")
    assert link.qualifiers == (("10", "ABC1"), ("21", "12345"))
    assert link.attributes == (("17", "180426"),)
    with pytest.raises(DigitalLinkError, match=r"/21/10 cannot qualify key \(01\)"):
        parse_digital_link("https://id.gs1.org/01/09520123456788/21/12345/10/ABC1")


def test_a_wrong_check_digit_names_the_key() -> None:
    with pytest.raises(DigitalLinkError, match=r"GS1 AI \(01\).*check digit"):
        parse_digital_link("https://id.gs1.org/01/09520123456789/10/ABC1")


def test_percent_encoding_is_decoded_in_path_and_query() -> None:
    link = parse_digital_link(
        "https://e.example/01/09520123456788/10/A%2FB%25C?linkType=gs1%3Apip&17=260131"
    )
    assert link.lot == "A/B%C"
    assert link.parameters == {"linkType": "gs1:pip"}


def test_the_resolver_reads_a_lot_given_in_the_query_as_if_in_the_path() -> None:
    link = parse_digital_link(
        "https://e.example/01/09520123456788?21=S1&10=L%2F1&linkType=all", strict=False
    )
    assert link.qualifiers == (("10", "L/1"), ("21", "S1"))
    assert link.attributes == ()
    assert link.parameters == {"linkType": "all"}
