"""The consumer page's validator (a weak ETag) and the app's lot cache.

A phone reloading the page sends ``If-None-Match``; when the lot's public fields, the
language and the page's CSRF token (the only per-visitor part of the page) are what they
were, the answer is a bodiless 304. Weak (``W/``), since the tag is made from what the page
shows rather than from its bytes. No ``Last-Modified``: a page whose cold-chain figures run
to "now" has no single honest modification time, and browsers revalidate by ETag first.
"""

from __future__ import annotations

import hashlib

from starlette.applications import Starlette

from cloud.digital_link.lot_cache import LotCache
from cloud.digital_link.public import PublicLot

PAGE_VERSION = "consumer-1"
"""Changed with the template, so a page drawn differently is not taken for the old one."""


def page_tag(lot: PublicLot, language: str, csrf: str) -> str:
    """The weak ETag of the page showing ``lot`` in ``language`` with ``csrf``."""
    digest = hashlib.sha256(repr((PAGE_VERSION, lot, language, csrf)).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def not_modified(if_none_match: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``tag`` (weak comparison, RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    bare = tag.removeprefix("W/")
    sent = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return bare in sent or "*" in sent


def lot_cache_of(app: Starlette) -> LotCache:
    """The app's lot cache (made on first use; it serves nothing until its listener runs)."""
    cache: LotCache | None = getattr(app.state, "lot_cache", None)
    if cache is None:
        cache = app.state.lot_cache = LotCache()
    return cache
