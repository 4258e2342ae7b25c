"""The agent's screens (``edge_agent.web``): where the kitchen display, the PDA app and the
food-safety board are served, and as which device the PDA app's scans are recorded."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.payloads import Name
from edge_agent.config.sections import Section


class WebConfig(Section):
    """``web: {host, port}``; without the section the agent serves no pages.

    The pages have no sign-in of their own: bind them to the site's own network (a kitchen
    VLAN, the Pi's Wi-Fi), never to the internet. The default, 127.0.0.1, serves only a
    screen plugged into the Pi itself.
    """

    host: str = Field(default="127.0.0.1", description="address to listen on (0.0.0.0: all)")
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    pda_device: Name = Field(
        default="pda-web", description="the device the PDA app's scans are recorded as"
    )
    near_days: Annotated[int, Field(ge=0, le=30)] = Field(
        default=1, description="the board: a lot expiring within this many days is near expiry"
    )
