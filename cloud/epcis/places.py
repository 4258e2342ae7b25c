"""The way back from EPCIS identifiers to our sites, locations, items and lots (for capture)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import unquote

from cloud.epcis.errors import CaptureRefused
from cloud.epcis.identifiers import URN, Namespace, read_lot_class
from domain.gs1 import Gs1Error

_GLN = re.compile(r"https?://[^/]+/414/([0-9]{13})(?:/254/([^/?#]+))?")


@dataclass(frozen=True, slots=True)
class Places:
    """The organisation's names (``namespace``) and the ``sites`` a caller may capture at."""

    namespace: Namespace
    sites: Collection[str]

    def site_of(self, uri: str, field: str) -> str:
        """The site a ``bizLocation`` names: ``urn:edgestock:site:…`` or a site's GLN."""
        site: str | None = None
        if uri.startswith(f"{URN}:site:"):
            site = unquote(uri.removeprefix(f"{URN}:site:"))
        elif match := _GLN.fullmatch(uri):
            site = next((s for s, g in self.namespace.glns.items() if g == match.group(1)), None)
        if site is None or site not in self.sites:
            raise CaptureRefused(
                field,
                f"{uri!r} names no site you may receive at "
                f"(urn:edgestock:site:{{site}}, or the GLN of one)",
            )
        return site

    def location_of(self, uri: str, site: str, field: str) -> str:
        """The location of ``site`` a ``readPoint`` names."""
        prefix = f"{URN}:loc:"
        if uri.startswith(prefix) and uri.count(":") == 4:
            where, location = (unquote(p) for p in uri.removeprefix(prefix).split(":"))
            if where == site:
                return location
        elif match := _GLN.fullmatch(uri):
            gln, extension = match.groups()
            if extension and self.namespace.glns.get(site) == gln:
                return unquote(extension)
            for (owner, location), own in self.namespace.location_glns.items():
                if owner == site and own == gln and not extension:
                    return location
        raise CaptureRefused(
            field,
            f"{uri!r} names no location of site {site!r} "
            f"(urn:edgestock:loc:{{site}}:{{location}}, or a GLN of it)",
        )

    def lot_of(self, uri: str, field: str) -> tuple[str, str]:
        """The (item, lot) an EPC class names; a GTIN must be an item's in master data."""
        try:
            named = read_lot_class(uri)
        except (ValueError, Gs1Error) as exc:
            raise CaptureRefused(field, str(exc)) from None
        if named.item is not None:
            return named.item, named.lot
        items = [i for i, g in self.namespace.gtins.items() if g == named.gtin]
        if not items:
            raise CaptureRefused(
                field,
                f"GTIN {named.gtin} is no item's in your master data "
                "(give the item its gtin first)",
            )
        return min(items), named.lot

    @staticmethod
    def party_name(uri: str) -> str:
        """A party as a supplier name: ours by its name, anyone else's by its URI."""
        prefix = f"{URN}:party:"
        if uri.startswith(prefix) and uri.count(":") == 4:
            return unquote(uri.rsplit(":", 1)[1])
        return uri
