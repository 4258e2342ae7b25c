"""The FastAPI application: settings and pool are made when an app is created and started."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from cloud.api import agents, health, sites
from cloud.db import open_pool
from cloud.ingest.partitions import ReadingPartitions
from cloud.migrate import StorageMode, migrate, read_storage_mode
from cloud.settings import CloudSettings
from cloud.state import CloudState


def create_app(settings: CloudSettings | None = None) -> FastAPI:
    """An app for ``settings`` (read from the environment when not given)."""
    settings = settings if settings is not None else CloudSettings()  # type: ignore[call-arg]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mode = await _storage_mode(settings)
        async with open_pool(settings) as pool:
            app.state.cloud = CloudState(settings, pool, mode, ReadingPartitions(mode))
            yield

    app = FastAPI(
        title="EdgeStock cloud",
        version="0.1.0",
        summary="Ingest of edge agents' event chains and the stock ledger they fold into",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(agents.router)
    app.include_router(sites.router)
    return app


async def _storage_mode(settings: CloudSettings) -> StorageMode:
    if settings.migrate_on_start:
        report = await asyncio.to_thread(
            migrate, settings.database_url, storage_mode=settings.storage_mode
        )
        return report.storage_mode
    return await asyncio.to_thread(read_storage_mode, settings.database_url)


def serve(host: str, port: int, settings: CloudSettings | None = None) -> None:
    """Run the API with uvicorn until interrupted (what `edgestock cloud serve` calls)."""
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
