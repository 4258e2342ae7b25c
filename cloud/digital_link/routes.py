"""Everything this package serves, as one router for the app (the resolver at the root)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from cloud.digital_link import documents, resolver
from cloud.digital_link.lot_cache import keep_fresh
from cloud.digital_link.page_tag import lot_cache_of
from cloud.state import CloudState


@asynccontextmanager
async def _lot_status_listener(app: FastAPI) -> AsyncIterator[None]:
    """Keep the consumer page's lot cache fresh while the app serves (``lot_cache``)."""
    state: CloudState = app.state.cloud
    task = asyncio.create_task(keep_fresh(lot_cache_of(app), state.settings.database_url),
                               name="lot-status-listener")  # fmt: skip
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


router = APIRouter(lifespan=_lot_status_listener)
router.include_router(resolver.router)
router.include_router(documents.router)
