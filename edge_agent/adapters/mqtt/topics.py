"""The topic layout of the site bus (docs/mqtt.md), in one place.

``edgestock/<site>/pos/orders``            in   POS orders
``edgestock/<site>/kds/<station>/taps``    in   taps on a station's kitchen display
``edgestock/<site>/kds/<station>/tickets`` out  tickets for a station's display
``edgestock/<site>/coldchain/commands``    in   acknowledge an excursion, release a held lot
``edgestock/<site>/foodsafety/records``    in   food-safety checks, corrections, sign-offs
``edgestock/<site>/agent/status``          out  ``online``/``offline`` (our last will), retained
"""

from __future__ import annotations

from dataclasses import dataclass

ONLINE = b"online"
OFFLINE = b"offline"


def check_level(value: str, what: str) -> str:
    """A single topic level: no separators, no wildcards, not empty."""
    if not value or any(ch in value for ch in "/+#\0"):
        raise ValueError(f"{what} {value!r} cannot be one MQTT topic level")
    return value


@dataclass(frozen=True, slots=True)
class SiteTopics:
    """The topics of one site's bus."""

    site: str

    def __post_init__(self) -> None:
        check_level(self.site, "site")

    @property
    def root(self) -> str:
        return f"edgestock/{self.site}"

    @property
    def orders(self) -> str:
        return f"{self.root}/pos/orders"

    @property
    def taps(self) -> str:
        """The subscription filter for every station's taps."""
        return f"{self.root}/kds/+/taps"

    @property
    def coldchain_commands(self) -> str:
        return f"{self.root}/coldchain/commands"

    @property
    def foodsafety_records(self) -> str:
        return f"{self.root}/foodsafety/records"

    @property
    def agent_status(self) -> str:
        return f"{self.root}/agent/status"

    def tickets(self, station: str) -> str:
        return f"{self.root}/kds/{check_level(station, 'station')}/tickets"

    def tap_station(self, topic: str) -> str | None:
        """The station of a taps topic, or None if ``topic`` is not one."""
        prefix, suffix = f"{self.root}/kds/", "/taps"
        if not (topic.startswith(prefix) and topic.endswith(suffix)):
            return None
        station = topic[len(prefix) : -len(suffix)]
        return station if station and "/" not in station else None
