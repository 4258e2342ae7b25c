"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cloud.state import CloudState


def get_state(request: Request) -> CloudState:
    state: CloudState = request.app.state.cloud
    return state


StateDep = Annotated[CloudState, Depends(get_state)]
