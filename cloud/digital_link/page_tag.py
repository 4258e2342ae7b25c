"""The consumer page's validator (an ETag) and the app's lot cache.

A phone reloading the page sends ``If-None-Match``; when the page it would get is byte for
byte the one it has, the answer is a bodiless 304. The tag is the hash of the page as
rendered (language included; the page carries no per-visitor token), so it changes exactly
when what the page shows changes: a recall, a new report, or the cold-chain figures of a
lot still in its room, which grow as it stays. No ``Last-Modified``: a page whose figures
run to "now" has no single honest modification time, and browsers revalidate by ETag first.
"""

from __future__ import annotations

import hashlib

from starlette.applications import Starlette

from cloud.digital_link.lot_cache import LotCache


def page_tag(body: bytes) -> str:
    """The (strong) ETag of a rendered page."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


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
