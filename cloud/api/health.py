"""Liveness and readiness for load balancers: answers only when the database does."""

from __future__ import annotations

from fastapi import APIRouter

from cloud.api.deps import StateDep
from cloud.api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic, summary="Is the API up and its database?")
async def healthz(state: StateDep) -> HealthPublic:
    async with state.pool.connection() as conn:
        await conn.execute("SELECT 1")
    return HealthPublic(status="ok", database="ok", storage_mode=state.storage_mode.value)
