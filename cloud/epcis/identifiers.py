"""The URIs an EPCIS event names things by: GS1 Digital Link where there is a GS1 key, else ours.

A lot of an item with a GTIN is the class ``https://id.gs1.org/01/{gtin}/10/{lot}`` (GS1 Digital
Link, canonical domain, as the CBV 2.0 event hash normalises it). An item without a GTIN, or a
lot that AI (10) cannot carry (more than 20 characters, or characters outside
``A-Z a-z 0-9 . _ -``), is named in EdgeStock's own URN space::

    urn:edgestock:lot:{org}:{item}:{lot}     a lot (an EPC class)
    urn:edgestock:site:{site}                a site (read point and business location)
    urn:edgestock:loc:{site}:{location}      a location inside a site
    urn:edgestock:party:{org}:{party}        a supplier or customer
    urn:edgestock:device:{site}:{device}     a sensor
    urn:edgestock:{kind}:{scope}:{id}        a business transaction (transfer, order)

Each component is percent-encoded (``:`` included), so a name can never be read as two. A
location with a GLN is ``https://id.gs1.org/414/{gln}``, or ``.../414/{gln}/254/{ext}`` for a
location inside a site that has one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from domain.gs1 import Gs1Error, checked_key

DIGITAL_LINK = "https://id.gs1.org"
URN = "urn:edgestock"

_AI_10 = re.compile(r"[A-Za-z0-9._-]{1,20}")
"""What a lot may be to travel in a Digital Link unescaped (a subset of AI (10)'s set)."""

_GS1_KEY = re.compile(r"[0-9]{13,14}")


def component(text: str) -> str:
    """One URN component, percent-encoded so that ``:`` and ``/`` in a name stay inside it."""
    return quote(text, safe="-._~")


@dataclass(frozen=True, slots=True)
class Namespace:
    """What names EPCIS identifiers for one organisation's events.

    ``gtins`` maps an item to its GTIN-14; ``glns`` maps a site to its GLN (13 digits);
    ``location_glns`` maps (site, location) to a GLN of its own when it has one.
    """

    org: str
    gtins: Mapping[str, str] = field(default_factory=dict)
    glns: Mapping[str, str] = field(default_factory=dict)
    location_glns: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def lot_class(self, item: str, lot: str) -> str:
        """The EPC class of ``lot`` of ``item``."""
        gtin = self.gtins.get(item)
        if gtin is not None and _AI_10.fullmatch(lot):
            return f"{DIGITAL_LINK}/01/{gtin}/10/{lot}"
        return f"{URN}:lot:{component(self.org)}:{component(item)}:{component(lot)}"

    def site(self, site: str) -> str:
        """A site as a business location: its GLN, else its URN."""
        gln = self.glns.get(site)
        return f"{DIGITAL_LINK}/414/{gln}" if gln else f"{URN}:site:{component(site)}"

    def location(self, site: str, location: str | None) -> str:
        """A location of ``site`` (the site itself when None) as a read point."""
        if location is None:
            return self.site(site)
        own = self.location_glns.get((site, location))
        if own:
            return f"{DIGITAL_LINK}/414/{own}"
        gln = self.glns.get(site)
        if gln and _AI_10.fullmatch(location):  # AI (254), the GLN extension, has AI (10)'s set
            return f"{DIGITAL_LINK}/414/{gln}/254/{location}"
        return f"{URN}:loc:{component(site)}:{component(location)}"

    def party(self, party: str) -> str:
        return f"{URN}:party:{component(self.org)}:{component(party)}"

    def device(self, site: str, device: str) -> str:
        return f"{URN}:device:{component(site)}:{component(device)}"

    def transaction(self, kind: str, scope: str, name: str) -> str:
        return f"{URN}:{kind}:{component(scope)}:{component(name)}"


def gtin_14(text: str) -> str:
    """A GTIN-13 or GTIN-14 checked and padded to 14 digits; ``Gs1Error`` if it is none."""
    if not _GS1_KEY.fullmatch(text):
        raise Gs1Error("01", f"a GTIN is 13 or 14 digits, not {text!r}")
    return checked_key(text.zfill(14))


@dataclass(frozen=True, slots=True)
class LotName:
    """An (item, lot) read back from an EPC class URI."""

    item: str | None
    gtin: str | None
    lot: str


def read_lot_class(uri: str) -> LotName:
    """The item (ours) or GTIN (a Digital Link) and lot an EPC class URI names.

    Raises ``ValueError`` saying what is wrong for anything else: a class without a lot (a
    whole GTIN) cannot become stock of a lot.
    """
    match = re.fullmatch(r"https?://[^/]+/01/([0-9]{8,14})/10/([^/?#]+)(?:\?.*)?", uri)
    if match:
        return LotName(None, gtin_14(match.group(1).zfill(14)), unquote(match.group(2)))
    parts = uri.split(":")
    if len(parts) == 6 and parts[:3] == ["urn", "edgestock", "lot"]:
        return LotName(unquote(parts[4]), None, unquote(parts[5]))
    raise ValueError(
        f"{uri!r} names no lot: expected a GS1 Digital Link with /01/{{gtin}}/10/{{lot}} "
        f"or urn:edgestock:lot:{{org}}:{{item}}:{{lot}}"
    )
