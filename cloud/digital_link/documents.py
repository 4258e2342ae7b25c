"""Test reports and certificates attached to a lot by quality staff.

``POST /v1/sites/{site}/lots/{item}/{lot}/documents`` takes the file as the request body
(its ``Content-Type`` says which kind of file) and needs ``quarantine.release`` at the site:
the permission of the people who judge a lot fit to use (roles quality and org_admin).
A document marked public is shown, and served, to anyone who scans the lot; the others only
through this API to readers of the site.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.auth.scope import site_scope

router = APIRouter(tags=["digital link"])
MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg")
MAX_BYTES = 10 * 1024 * 1024


class LotDocumentPublic(BaseModel):
    """A document of a lot, as its readers see it."""

    id: int
    kind: Literal["test_report", "certificate"]
    title: str
    media_type: str
    public: bool
    bytes: int


@router.post(
    "/v1/sites/{site}/lots/{item}/{lot}/documents",
    status_code=201,
    summary="Attach a test report or certificate to a lot (quality staff)",
    response_model=LotDocumentPublic,
)
async def attach_document(
    site: str, item: str, lot: str, request: Request, state: StateDep,
    principal: Annotated[Principal, Depends(require("quarantine.release"))],
    title: Annotated[str, Query(min_length=1, max_length=200)],
    kind: Annotated[Literal["test_report", "certificate"], Query()] = "test_report",
    public: Annotated[bool, Query(description="shown to anyone who scans the lot")] = True,
) -> LotDocumentPublic:  # fmt: skip
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise HTTPException(415, f"Content-Type {media_type or 'missing'}: send one of "
                                 f"{', '.join(MEDIA_TYPES)}")  # fmt: skip
    body = await request.body()
    if not body or len(body) > MAX_BYTES:
        raise HTTPException(422, f"body: a document has 1 to {MAX_BYTES} bytes, not {len(body)}")
    async with site_scope(state.tenant_pool, [site]) as conn:
        cur = await conn.execute(
            "SELECT EXISTS (SELECT 1 FROM lots WHERE site = %s AND item = %s AND lot = %s)",
            (site, item, lot),
        )
        row = await cur.fetchone()
        if not (row and row[0]):
            raise HTTPException(404, f"lot {lot!r} of item {item!r} is unknown at {site}")
        cur = await conn.execute(
            "INSERT INTO lot_documents (site, item, lot, kind, title, media_type, body, public, "
            "uploaded_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (site, item, lot, kind, title, media_type, body, public, principal.name),
        )
        made = await cur.fetchone()
    assert made is not None
    return LotDocumentPublic(id=int(str(made[0])), kind=kind, title=title,
                             media_type=media_type, public=public, bytes=len(body))  # fmt: skip


@router.get("/consumer/documents/{document}", summary="A lot's public document, for anyone")
async def public_document(document: int, state: StateDep) -> Response:
    async with state.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT media_type, body, title FROM lot_documents WHERE id = %s AND public",
            (document,),
        )
        row = await cur.fetchone()
    if row is None:
        raise HTTPException(404, f"no public document {document}")
    media_type, body, _ = row
    return Response(bytes(body), media_type=str(media_type),  # type: ignore[arg-type, unused-ignore]
                    headers={"Content-Disposition": "inline",
                             "X-Content-Type-Options": "nosniff"})  # fmt: skip
