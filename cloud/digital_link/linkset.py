"""The links a Digital Link resolves to, as an RFC 9264 linkset (``application/linkset+json``).

Link types are GS1 Web Vocabulary terms; the resolver standard asks for the full URI as the
relation in a linkset and accepts the ``gs1:`` CURIE in ``linkType``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = ("gs1:pip", "gs1:traceability", "gs1:recallStatus")
"""What this resolver answers; the consumer page (``gs1:pip``) is the default link."""
DEFAULT_LINK_TYPE = "gs1:pip"

_TITLES = {
    "gs1:pip": ("Product information page", "text/html"),
    "gs1:traceability": ("Traceability (EPCIS events, signed-in callers)", "application/ld+json"),
    "gs1:recallStatus": ("Recall status", "application/json"),
}


def canonical_path(gtin: str, lot: str | None, serial: str | None) -> str:
    """``/01/{gtin}[/10/{lot}[/21/{serial}]]``, values percent-encoded."""
    path = f"/01/{gtin}"
    if lot is not None:
        path += f"/10/{quote(lot, safe='')}"
    if serial is not None:
        path += f"/21/{quote(serial, safe='')}"
    return path


def linkset(anchor: str, languages: tuple[str, ...]) -> dict[str, Any]:
    """The linkset of ``anchor`` (an absolute Digital Link): one target per link type."""
    context: dict[str, Any] = {"anchor": anchor}
    for link_type in LINK_TYPES:
        title, media = _TITLES[link_type]
        target: dict[str, Any] = {
            "href": f"{anchor}?linkType={link_type}",
            "title": title,
            "type": media,
        }
        if link_type == DEFAULT_LINK_TYPE:
            target["hreflang"] = list(languages)
        context[GS1_VOC + link_type.removeprefix("gs1:")] = [target]
    context[GS1_VOC + "defaultLink"] = [dict(context[GS1_VOC + "pip"][0])]
    return {"linkset": [context]}


def link_type_of(value: str | None) -> str | None:
    """``linkType`` as a CURIE (``gs1:pip``): the full URI and the CURIE read alike."""
    if value is None:
        return None
    if value.startswith(GS1_VOC):
        return "gs1:" + value.removeprefix(GS1_VOC)
    return value
