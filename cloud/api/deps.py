"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cloud.state import CloudState


async def get_state(request: Request) -> CloudState:
    # async: FastAPI runs a plain function dependency in a worker thread, a hand-off that
    # cost an agent's batch 2 % of its CPU for what is one attribute read
    state: CloudState = request.app.state.cloud
    return state


StateDep = Annotated[CloudState, Depends(get_state)]
