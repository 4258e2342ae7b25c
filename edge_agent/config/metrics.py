"""Where the agent answers Prometheus scrapes (``edge_agent.metrics``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from edge_agent.config.sections import Section


class MetricsConfig(Section):
    """``metrics: {host, port}``; without the section the agent exports no metrics.

    The metrics name devices and counts but carry no stock: still, keep them on the Pi's
    loopback (the default) and let a local Prometheus or an agent like Grafana Alloy
    forward them, rather than opening the port to the site network.
    """

    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: Annotated[int, Field(ge=0, le=65535)] = Field(
        default=9464, description="TCP port of GET /metrics (0: any free port, for tests)"
    )
