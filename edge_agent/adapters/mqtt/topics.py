"""The bus's own topic: the agent's presence on ``edgestock/<site>/agent/status``.

``online`` is published (retained) once the agent has subscribed to everything it routes, so a
peer that sees it knows its messages will be heard; ``offline`` is our last will and our
goodbye. The site's other topics belong to the pipelines that route them (docs/mqtt.md).
"""

from __future__ import annotations

from edge_agent.site_bus import site_topic

ONLINE = b"online"
OFFLINE = b"offline"


def agent_status_topic(site: str) -> str:
    return site_topic(site, "agent", "status")
