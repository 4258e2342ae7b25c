"""Everything this package serves, as one router for the app (the resolver at the root)."""

from __future__ import annotations

from fastapi import APIRouter

from cloud.digital_link import documents, resolver

router = APIRouter()
router.include_router(resolver.router)
router.include_router(documents.router)
