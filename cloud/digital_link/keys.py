"""Which GS1 keys a Digital Link path may start from, and the key qualifiers each may carry.

Data, not code: GS1 Digital Link standard 1.4, §4 (the "primary keys" table and the key
qualifier sequences). A qualifier path is written in the order given; any of its AIs may be
left out, but never reordered (``/01/{gtin}/10/{lot}/21/{serial}``, not ``/21/../10/..``).
"""

from __future__ import annotations

from domain.gs1 import DIGITAL_LINK_KEYS

QUALIFIER_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "01": (("22", "10", "21"), ("235",)),
    "8006": (("22", "10", "21"),),
    "414": (("254",), ("7040",)),
    "417": (("7040",),),
    "8010": (("8011",),),
    "8018": (("8019",),),
    "8017": (("8019",),),
}
"""Key AI → the qualifier sequences it allows (keys absent here take none)."""

PRIMARY_KEYS = DIGITAL_LINK_KEYS
"""AIs a path may name as its primary key."""

ZERO_SUPPRESSED_GTIN_LENGTHS = frozenset({8, 12, 13})
"""GTIN-8/12/13 written without the leading zeros of a GTIN-14: read and padded, as the
standard's own examples (``https://brand.example.com/01/9520123456788``) do."""


def qualifiers_in_order(key: str, qualifiers: list[str]) -> bool:
    """Whether ``qualifiers`` follow one of ``key``'s qualifier sequences, in order."""
    if not qualifiers:
        return True
    for path in QUALIFIER_PATHS.get(key, ()):
        positions = [path.index(ai) if ai in path else -1 for ai in qualifiers]
        if -1 not in positions and positions == sorted(set(positions)):
            return True
    return False


def qualifier_ais(key: str) -> frozenset[str]:
    """Every AI that can qualify ``key`` in some sequence."""
    return frozenset(ai for path in QUALIFIER_PATHS.get(key, ()) for ai in path)
