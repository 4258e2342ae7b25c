"""Camera adapter test helpers: rendered labels, a video of them, an adapter running in a task."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edge_agent.adapters.camera.adapter import CameraAdapter
from edge_agent.adapters.camera.config import CameraConfig
from edge_agent.backoff import Backoff
from simulators.labels import Label, label_frames, write_video

FRAMES_PER_LABEL = 5


def camera_config(source: int | str, **extra: Any) -> CameraConfig:
    settings: dict[str, Any] = {"id": "cam-1", "source": source, "fps": 50, "timeout_s": 2}
    return CameraConfig.model_validate(settings | extra)


def quick_backoff() -> Backoff:
    return Backoff(initial_s=0.05, max_s=0.2)


@contextlib.asynccontextmanager
async def running(adapter: CameraAdapter) -> AsyncIterator[asyncio.Task[None]]:
    """Run the adapter in a task; on exit cancel it and check it stops, promptly and cleanly."""
    task = asyncio.create_task(adapter.run())
    try:
        yield task
    finally:
        task.cancel()
        async with asyncio.timeout(5):
            with contextlib.suppress(asyncio.CancelledError):
                await task


@pytest.fixture(scope="session")
def labelled_frames() -> list[tuple[Label, np.ndarray]]:
    """One clean label of each kind."""
    return label_frames(4, seed=7)


@pytest.fixture(scope="session")
def label_video(tmp_path_factory: pytest.TempPathFactory, labelled_frames: list) -> Path:
    """A Motion-JPEG AVI showing each label for a few frames, as a label passing a scanner."""
    held = [frame for _, frame in labelled_frames for _ in range(FRAMES_PER_LABEL)]
    return write_video(tmp_path_factory.mktemp("video") / "labels.avi", held, fps=25)
