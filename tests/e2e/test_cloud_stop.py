"""A cloud asked to stop (SIGTERM) stops, even while an agent that went away had a poll of
its inbox held open: the poll ends when its agent is gone, not when its wait runs out."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.cloud.builders import enrol_agent, signed
from tests.e2e.harness import Cloud

pytestmark = pytest.mark.timeout(120)


def test_a_poll_whose_agent_went_away_does_not_hold_a_stopping_cloud(
    database_url: str, tmp_path: Path
) -> None:
    cloud = Cloud(database_url, tmp_path).start()
    try:
        enrol_agent(database_url, "stop-agent-1", "stop-site")
        poll = "/v1/agents/stop-agent-1/inbox?wait_s=25"
        with (
            httpx.Client(base_url=cloud.url, timeout=httpx.Timeout(10, read=1)) as impatient,
            pytest.raises(httpx.ReadTimeout),
        ):  # the agent gives up and hangs up
            signed(impatient, "GET", poll, "stop-agent-1")
        assert cloud.child is not None
        # SIGTERM; SIGKILL after 15 s: a poll held to its 25 s would leave the cloud killed
        code = cloud.child.stop(timeout=15)
    finally:
        cloud.stop()
    # uvicorn ends by SIGTERM once it has shut down; a cloud that had to be killed says -9
    assert code == -signal.SIGTERM, cloud.child.tail() if cloud.child else "no cloud"
