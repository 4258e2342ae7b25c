"""Our fast canonical JSON is byte-for-byte RFC 8785 on the documents events contain."""

import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from domain.canonical import canonical_json
from tests.domain.factories import chain, consumed, received

ascii_keys = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text()  # any Unicode in values, escapes and all
)
documents = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(ascii_keys, inner, max_size=6),
    max_leaves=30,
)


@given(documents)
def test_matches_rfc8785_reference(document: object) -> None:
    assert canonical_json(document) == rfc8785.dumps(document)


def test_real_events_match_rfc8785() -> None:
    for event in chain([received("L1", "2000"), consumed("L1", "180.5")]):
        assert event.to_json() == rfc8785.dumps(event.to_dict())
