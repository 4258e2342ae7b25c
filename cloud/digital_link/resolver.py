"""The GS1 Digital Link resolver, mounted at the root: ``GET /01/{gtin}/10/{lot}[/21/{serial}]``.

Per the GS1 Digital Link resolver standard: ``linkType`` chooses the target (``gs1:pip`` the
consumer page, ``gs1:traceability`` the EPCIS events for signed-in callers,
``gs1:recallStatus`` a JSON answer); ``linkType=all`` or ``Accept: application/linkset+json``
answers the linkset (RFC 9264); anything else gets the default link, the consumer page.
Every answer for people is a page that says what went wrong; every answer for programs is
JSON with ``detail``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from cloud.api.deps import StateDep
from cloud.auth.scope import site_scope
from cloud.digital_link import lookup
from cloud.digital_link.claims import ClaimBook
from cloud.digital_link.linkset import (
    canonical_path,
    link_type_of,
    linkset,
)
from cloud.digital_link.lot_cache import LotKey
from cloud.digital_link.page_tag import lot_cache_of, not_modified, page_tag
from cloud.digital_link.public import PublicLot, public_lot
from cloud.digital_link.rate_limit import ScanLimiter
from cloud.digital_link.uri import DigitalLink, DigitalLinkError, parse_path_and_query
from cloud.epcis.identifiers import DIGITAL_LINK
from cloud.web.i18n import LANGUAGES
from cloud.web.pages import render

router = APIRouter(tags=["digital link"])
STYLE = Path(__file__).parent / "static" / "consumer.css"
LINKSET = "application/linkset+json"
_JSON_TYPES = {"gs1:traceability", "gs1:recallStatus", "all"}


def claims_of(request: Request) -> ClaimBook:
    """The app's book of GTIN claims, made on the first scan."""
    book: ClaimBook | None = getattr(request.app.state, "gtin_claims", None)
    if book is None:
        book = request.app.state.gtin_claims = ClaimBook()
    return book


def limiter_of(request: Request) -> ScanLimiter:
    """The app's scan limiter, made on the first scan from the environment."""
    limiter: ScanLimiter | None = getattr(request.app.state, "scan_limiter", None)
    if limiter is None:
        limiter = request.app.state.scan_limiter = ScanLimiter.from_environment()
    return limiter


@router.get(
    "/01/{rest:path}",
    summary="Resolve a GS1 Digital Link: the consumer page, a linkset, recall status or trace",
    responses={200: {"content": {"text/html": {}, LINKSET: {}, "application/json": {}}}},
)
async def resolve(request: Request, rest: str, state: StateDep) -> Response:
    target = request.scope.get("raw_path", b"").decode("ascii", "replace") or request.url.path
    query = request.url.query
    wants_json = _wants_json(request, query)
    wait = limiter_of(request).admit(request.client.host if request.client else "unknown")
    if wait:
        headers = {"Retry-After": ScanLimiter.retry_after(wait)}
        return _refusal(request, 429, "too many scans from your address; try again shortly",
                        wants_json, headers)  # fmt: skip
    try:
        link = parse_path_and_query(f"{target}?{query}" if query else target, strict=False)
    except DigitalLinkError as exc:
        return _refusal(request, 400, f"not a GS1 Digital Link: {exc}", wants_json)
    return await _answer(request, state, link, wants_json)


@router.get("/consumer/style.css", include_in_schema=False)
async def consumer_style() -> FileResponse:
    return FileResponse(STYLE, media_type="text/css",
                        headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


async def _answer(
    request: Request, state: StateDep, link: DigitalLink, wants_json: bool
) -> Response:
    gtin, lot, serial = link.key, link.lot, link.serial
    link_type = link_type_of(link.parameters.get("linkType"))
    try:
        claimed = await claims_of(request).claim(state.pool, gtin)
    except lookup.GtinClaimedTwice as exc:
        return _refusal(request, 409, str(exc), wants_json)
    if claimed is None:
        return _refusal(request, 404, f"GTIN {gtin} is not a product we know", wants_json,
                        kind="unknown_gtin")  # fmt: skip
    claim, places = claimed
    found = None
    if lot is not None:
        found = await _lot(request, state, claim, places, (gtin, lot, serial))
    if lot is not None and found is None:
        message = f"lot {lot} of {claim.product_name} (GTIN {gtin}) is not known"
        return _refusal(request, 404, message, wants_json, kind="unknown_lot")
    anchor = f"{DIGITAL_LINK}{canonical_path(gtin, lot, serial)}"
    if link_type == "all" or LINKSET in request.headers.get("accept", ""):
        return JSONResponse(linkset(anchor, LANGUAGES), media_type=LINKSET,
                            headers={"Vary": "Accept"})  # fmt: skip
    if link_type == "gs1:recallStatus":
        status = found.recall if found else "none"
        closed = found.recall_closed_on if found else None
        return JSONResponse({"anchor": anchor, "gtin": gtin, "lot": lot, "serial": serial,
                             "recallStatus": status, "recalled": status == "recalled",
                             "recallClosedOn": closed.isoformat() if closed else None})  # fmt: skip
    if link_type == "gs1:traceability":
        return _traceability(request, anchor if lot else None)
    response = render(request, "consumer.html", product=claim.product_name, gtin=gtin,
                      lot=found, serial=serial)  # fmt: skip
    response.headers["Link"] = f'<{anchor}?linkType=all>; rel="linkset"; type="{LINKSET}"'
    if found is None:
        return response
    tag = page_tag(bytes(response.body))
    if not_modified(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=_revalidate(tag))
    response.headers.update(_revalidate(tag))
    return response


async def _lot(
    request: Request, state: StateDep, claim: lookup.Claim, places: lookup.Places, key: LotKey
) -> PublicLot | None:
    """The lot's public fields, from this process's cache (``lot_cache``) or read behind the
    row-level wall of the claiming organisation's sites."""
    cache = lot_cache_of(request.app)
    found = cache.get(key)
    if found is not None:
        return found
    generation = cache.generation
    async with site_scope(state.tenant_pool, sorted(places.site_names)) as conn:
        found = await public_lot(conn, claim, places, *key)
    if found is not None:
        cache.put(key, found, generation)
    return found


def _revalidate(tag: str) -> dict[str, str]:
    """A page the phone may keep, but must check (If-None-Match) before showing again."""
    return {"ETag": tag, "Cache-Control": "private, no-cache", "Vary": "Accept-Language, Cookie"}


def _traceability(request: Request, lot_class: str | None) -> Response:
    """The EPCIS events of the lot, for callers with credentials (the query checks them)."""
    if lot_class is None:
        return JSONResponse({"detail": "traceability needs a lot (/10/{lot})"}, status_code=404)
    if not (request.headers.get("authorization") or request.headers.get("x-api-key")):
        return JSONResponse(
            {"detail": "traceability is for signed-in callers: send a Bearer token or X-API-Key"},
            status_code=401, headers={"WWW-Authenticate": 'Bearer realm="edgestock"'},
        )  # fmt: skip
    query = urlencode({"MATCH_anyEPCClass": lot_class, "perPage": 1000})
    return RedirectResponse(f"/epcis/events?{query}", status_code=307)


def _wants_json(request: Request, query: str) -> bool:
    accept = request.headers.get("accept", "")
    if LINKSET in accept or ("application/json" in accept and "text/html" not in accept):
        return True
    return any(f"linkType={kind}" in query for kind in _JSON_TYPES)


def _refusal(
    request: Request, status: int, message: str, wants_json: bool,
    headers: dict[str, str] | None = None, kind: str = "refused",
) -> Response:  # fmt: skip
    if wants_json:
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    response = render(request, "consumer_refused.html", status=status, message=message,
                      kind=kind)  # fmt: skip
    response.headers.update(headers or {})
    return response
