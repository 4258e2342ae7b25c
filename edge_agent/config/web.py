"""The agent's screens (``edge_agent.web``): where the kitchen display, the PDA app and the
food-safety board are served, and as which device the PDA app's scans are recorded."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from domain.payloads import Name
from edge_agent.config.sections import Section


class WebConfig(Section):
    """``web: {host, port}``; without the section the agent serves no pages.

    The pages ask for the site's PIN (``auth: pin``, the default) and every change they make
    carries a CSRF token; with no ``pin_hash`` the first start makes a PIN and prints it
    once. ``auth: none`` is for a bench only. Serve them on the site's own network (a kitchen
    VLAN, the Pi's Wi-Fi), never the internet: the PIN is one for the site and the pages are
    plain HTTP. The default host, 127.0.0.1, serves only a screen plugged into the Pi.
    """

    host: str = Field(default="127.0.0.1", description="address to listen on (0.0.0.0: all)")
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    pda_device: Name = Field(
        default="pda-web", description="the device the PDA app's scans are recorded as"
    )
    near_days: Annotated[int, Field(ge=0, le=30)] = Field(
        default=1, description="the board: a lot expiring within this many days is near expiry"
    )
    auth: Literal["pin", "none"] = Field(
        default="pin", description="pin: sign in with the site's PIN; none: a bench, no sign-in"
    )
    pin_hash: str | None = Field(
        default=None,
        description="argon2 hash of the site's PIN (python -c \"from edge_agent.web.auth import "
        "hash_pin; print(hash_pin('...'))\"); unset: made at first start, printed once, "
        "kept beside the store",
    )
    session_hours: Annotated[int, Field(ge=1, le=720)] = Field(
        default=12, description="how long a signed-in screen stays signed in"
    )

    @field_validator("pin_hash")
    @classmethod
    def _argon2(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("$argon2"):
            raise ValueError("must be an argon2 hash ($argon2id$...), not the PIN itself")
        return value
