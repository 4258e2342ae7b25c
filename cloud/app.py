"""The FastAPI application: settings and pool are made when an app is created and started."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from cloud import web
from cloud.api import (
    agents,
    atp,
    auth,
    coldchain,
    downlink,
    enrolment,
    epcis,
    events,
    foodsafety,
    health,
    masterdata,
    orgs,
    owners,
    sites,
    trace,
    transfers,
    users,
    variance,
)
from cloud.api.adjustments import router as adjustments_router
from cloud.api.customers import router as customers_router
from cloud.api.delegations import router as delegations_router
from cloud.api.fsma import router as fsma_router
from cloud.api.orders import router as orders_router
from cloud.api.purchase_orders import router as purchase_orders_router
from cloud.api.recalls import router as recalls_router
from cloud.api.replenishment import router as replenishment_router
from cloud.api.reports import router as reports_router
from cloud.api.roles import router as roles_router
from cloud.api.serials import router as serials_router
from cloud.api.suppliers import router as suppliers_router
from cloud.api.transfer_close import router as transfer_close_router
from cloud.api.work_orders import router as work_orders_router
from cloud.auth.passwords import PasswordChecks
from cloud.auth.tokens import TokenKeyring, load_access_tokens
from cloud.db import open_pool
from cloud.digital_link.routes import router as digital_link_router
from cloud.http.errors import install_error_answers
from cloud.http.guard import InputGuard
from cloud.ingest.admission import IngestGate
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.worker_gc import tune_for_batches
from cloud.metrics import install_metrics
from cloud.migrate import StorageMode, migrate, read_storage_mode
from cloud.openapi import install_openapi
from cloud.settings import CloudSettings
from cloud.state import CloudState
from cloud.workers import serve_workers


def create_app(settings: CloudSettings | None = None) -> FastAPI:
    """An app for ``settings`` (read from the environment when not given)."""
    settings = settings if settings is not None else CloudSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mode = await _storage_mode(settings)
        async with (
            open_pool(settings) as pool,
            open_pool(settings, role=settings.app_role, name="edgestock-tenant") as tenant_pool,
        ):
            async with pool.connection() as conn:
                tokens = await load_access_tokens(conn, settings.access_token_ttl_s)
            app.state.cloud = CloudState(
                settings, pool, mode, ReadingPartitions(mode), tenant_pool,
                TokenKeyring(pool, tokens, settings.token_keys_refresh_s),
                PasswordChecks(settings.password_hash_concurrency, settings.password_hash_queue),
            )  # fmt: skip
            app.state.ingest_gate = IngestGate(settings.ingest_running, settings.ingest_waiting,
                                                 settings.ingest_queue_s)  # fmt: skip
            tune_for_batches()
            yield

    app = FastAPI(
        title="EdgeStock cloud",
        version="0.1.0",
        summary=(
            "Ingest of edge agents' event chains, the stock ledger they fold into, "
            "and the cold-chain views"
        ),
        lifespan=lifespan,
        docs_url=None,  # served by cloud.web from vendored assets, not a CDN
        redoc_url=None,
        telemetry=_telemetry(settings.opentelemetry),
    )
    app.add_middleware(InputGuard, max_body=settings.max_request_bytes)
    install_error_answers(app)
    app.include_router(health.router)
    app.include_router(agents.router)
    app.include_router(agents.site_router)
    app.include_router(sites.router)
    app.include_router(atp.router)
    app.include_router(transfers.router)
    app.include_router(transfer_close_router)
    app.include_router(owners.router)
    app.include_router(events.router)
    app.include_router(coldchain.router)
    app.include_router(foodsafety.router)
    app.include_router(enrolment.router)
    app.include_router(auth.router)
    app.include_router(orgs.router)
    app.include_router(users.router)
    app.include_router(variance.router)
    app.include_router(masterdata.router)
    app.include_router(trace.router)
    app.include_router(fsma_router)
    app.include_router(epcis.router)
    app.include_router(downlink.router)
    app.include_router(recalls_router)
    app.include_router(orders_router)
    app.include_router(customers_router)
    app.include_router(delegations_router)
    app.include_router(adjustments_router)
    app.include_router(roles_router)
    app.include_router(reports_router)
    app.include_router(replenishment_router)
    app.include_router(work_orders_router)
    app.include_router(serials_router)
    app.include_router(purchase_orders_router)
    app.include_router(suppliers_router)
    app.include_router(digital_link_router)  # GS1 Digital Link resolver at the root
    web.install(app)
    install_metrics(app, token=os.environ.get("EDGESTOCK_METRICS_TOKEN") or None)
    install_openapi(app)
    return app


async def _storage_mode(settings: CloudSettings) -> StorageMode:
    if settings.migrate_on_start:
        report = await asyncio.to_thread(
            migrate, settings.database_url, storage_mode=settings.storage_mode
        )
        return report.storage_mode
    return await asyncio.to_thread(read_storage_mode, settings.database_url)


def _telemetry(enabled: bool) -> TelemetryConfig:
    """FastAPI's OpenTelemetry instrumentation, all on or all off (``opentelemetry``)."""
    return {"tracing": enabled, "metrics": enabled, "logs": enabled}


def serve(host: str, port: int, settings: CloudSettings | None = None, *, workers: int = 1) -> None:
    """Run the API with uvicorn until interrupted (what `edgestock cloud serve` calls).

    With ``workers`` > 1, uvicorn starts that many processes, each building its own app
    from the environment: explicit ``settings`` are exported as ``EDGESTOCK_*`` first.
    Decoding a batch is CPU-bound Python, so processes are how one host ingests in parallel.
    """
    if workers <= 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    if settings is not None:
        os.environ.update(settings_environment(settings))
    serve_workers(host, port, workers)  # a socket per worker: connections spread evenly


def settings_environment(settings: CloudSettings) -> dict[str, str]:
    """Environment variables that rebuild ``settings`` in another process."""
    values = settings.model_dump()
    env = {"DATABASE_URL": str(values.pop("database_url"))}
    env.update({f"EDGESTOCK_{name.upper()}": str(value) for name, value in values.items()})
    return env
