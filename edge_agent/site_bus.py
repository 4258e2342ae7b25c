"""The site bus as the pipelines see it: routes from a topic to a handler, and publishing.

A pipeline that listens to the site's own messages (POS orders, kitchen taps, cold-chain
commands, food-safety records) registers a route: a topic filter, the message model its JSON
must fit, and a handler. The bus (``edge_agent.adapters.mqtt.bus``) subscribes to every routed
filter, parses each message into its model and hands it over; it knows nothing of what the
messages mean. A message that does not fit its model, or that its handler refuses, is kept in
quarantine with the reason, and the bus goes on.

Topic layout (docs/mqtt.md): everything of a site lives under ``edgestock/<site>/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)

Handler = Callable[[M, str], Awaitable[None]]
"""Called with the parsed message and the topic it came on. Raising ``ValueError`` refuses the
message (kept in quarantine with the reason); anything else is a fault of the handler, also
quarantined, and logged with its traceback."""


class SiteMessage(BaseModel):
    """A message of the site's own JSON format: unknown fields are refused, so a sender that
    changes its format is noticed at once, in quarantine, instead of being half understood."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class Route(Generic[M]):
    """Messages on ``topic_filter`` (MQTT wildcards allowed) are ``model`` for ``handle``."""

    topic_filter: str
    model: type[M]
    handle: Handler[M]
    name: str
    """What the bus counts these messages as (``orders``, ``taps``)."""
    lane: str | None = None
    """Messages of routes in the same lane are handled one at a time, in arrival order; all
    others are handled as they come, each acknowledged once done."""
    label: Callable[[M], str] | None = None
    """Names one message in a refusal or a fault (``order o-17``); the route's name if None."""

    def describe(self, message: M) -> str:
        return self.label(message) if self.label is not None else self.name


class SiteBus(Protocol):
    """What a pipeline may ask of the site bus."""

    site: str

    def route(self, route: Route[Any]) -> None:
        """Hand messages matching ``route`` to its handler; register before the bus runs."""

    async def publish(self, topic: str, message: BaseModel) -> None:
        """Send ``message`` as compact JSON at QoS 1; returns once the broker has it."""


def site_topic(site: str, *levels: str) -> str:
    """``edgestock/<site>/<levels…>``; ``site`` must be one topic level."""
    return "/".join(("edgestock", check_level(site, "site"), *levels))


def check_level(value: str, what: str) -> str:
    """A single topic level: no separators, no wildcards, not empty."""
    if not value or any(ch in value for ch in "/+#\0"):
        raise ValueError(f"{what} {value!r} cannot be one MQTT topic level")
    return value


def wildcards(topic_filter: str, topic: str) -> tuple[str, ...] | None:
    """The levels of ``topic`` that the filter's ``+`` and ``#`` stand for, or None if the
    topic does not match (MQTT 5 §4.7)."""
    wanted, given = topic_filter.split("/"), topic.split("/")
    matched: list[str] = []
    for index, level in enumerate(wanted):
        if level == "#":
            matched.append("/".join(given[index:]))
            return tuple(matched)
        if index >= len(given):
            return None
        if level == "+":
            if not given[index]:
                return None
            matched.append(given[index])
        elif level != given[index]:
            return None
    return tuple(matched) if len(given) == len(wanted) else None
