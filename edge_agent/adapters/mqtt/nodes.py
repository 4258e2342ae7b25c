"""Messages of ESPHome and Tasmota nodes → ``Observation`` or a presence change. Pure: no
I/O, no logging, no clock (the receive time is passed in: node clocks are not trusted).

A ``NodeRoutes`` table is built once from the configured nodes and maps each exact topic
the bus subscribes to onto the node and what the topic carries.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum

from domain.observation import Observation, Value
from edge_agent.adapters.mqtt.errors import PayloadError
from edge_agent.adapters.mqtt.profile import Flavour, MetricSpec, NodeProfile, ValueType

MAX_TEXT = 500
"""Longest text value kept; a longer one is a fault, not a reading."""

_STATUS_WORDS = {
    Flavour.ESPHOME: {"online": True, "offline": False},
    Flavour.TASMOTA: {"Online": True, "Offline": False},
}
_SWITCH_WORDS = {"ON": True, "OFF": False}


@dataclass(frozen=True, slots=True)
class NodePresence:
    """A node's own birth or last-will message: it is online, or it went away."""

    device: str
    online: bool


class _Carries(Enum):
    STATUS = "status"
    ONE_METRIC = "one metric"
    SENSOR_JSON = "sensor json"


@dataclass(frozen=True, slots=True)
class _Route:
    device: str
    profile: NodeProfile
    carries: _Carries
    metric: str | None = None


@dataclass(frozen=True, slots=True)
class NodeBinding:
    """One configured node: its device name, its topic and its profile."""

    device: str
    topic: str
    profile: NodeProfile


class NodeRoutes:
    """Which topics belong to which node, and how to read each of them."""

    def __init__(self, nodes: list[NodeBinding]) -> None:
        self._routes: dict[str, _Route] = {}
        for node in nodes:
            for topic, route in _routes_of(node).items():
                if topic in self._routes:
                    raise ValueError(
                        f"topic {topic} claimed by {self._routes[topic].device} and {node.device}"
                    )
                self._routes[topic] = route

    @property
    def topics(self) -> list[str]:
        """Every exact topic to subscribe to."""
        return sorted(self._routes)

    def owner(self, topic: str) -> str | None:
        route = self._routes.get(topic)
        return route.device if route else None

    def decode(self, topic: str, payload: bytes, at: datetime) -> Observation | NodePresence:
        """Read one message of a node topic; a ``PayloadError`` says what is wrong with it."""
        route = self._routes[topic]
        if route.carries is _Carries.STATUS:
            return NodePresence(route.device, _status(topic, payload, route.profile.flavour))
        if route.carries is _Carries.ONE_METRIC:
            assert route.metric is not None
            spec = route.profile.metrics[route.metric]
            value = _value(topic, route.metric, spec, _text(topic, route.metric, payload))
            units = {route.metric: spec.unit} if spec.unit else {}
            return Observation(route.device, at, {route.metric: value}, units)
        return _sensor_json(route, topic, payload, at)


def _routes_of(node: NodeBinding) -> dict[str, _Route]:
    profile, device = node.profile, node.device
    if profile.flavour == Flavour.ESPHOME:
        routes = {f"{node.topic}/status": _Route(device, profile, _Carries.STATUS)}
        for name, spec in profile.metrics.items():
            topic = f"{node.topic}/{spec.source}/state"
            routes[topic] = _Route(device, profile, _Carries.ONE_METRIC, name)
        return routes
    return {
        f"tele/{node.topic}/LWT": _Route(device, profile, _Carries.STATUS),
        f"tele/{node.topic}/SENSOR": _Route(device, profile, _Carries.SENSOR_JSON),
    }


def _text(topic: str, field: str | None, payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(topic, field, f"not UTF-8 text ({exc.reason})") from exc


def _status(topic: str, payload: bytes, flavour: Flavour) -> bool:
    words = _STATUS_WORDS[flavour]
    text = _text(topic, None, payload)
    if text not in words:
        raise PayloadError(topic, None, f"status {text[:40]!r} is not one of {sorted(words)}")
    return words[text]


def _value(topic: str, field: str, spec: MetricSpec, raw: object) -> Value:
    """One metric's value from a state payload (str) or a JSON value."""
    if spec.type == ValueType.NUMBER:
        return _number(topic, field, raw)
    if spec.type == ValueType.BOOL:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw in _SWITCH_WORDS:
            return _SWITCH_WORDS[raw]
        raise PayloadError(topic, field, f"{_show(raw)} is not ON or OFF")
    if not isinstance(raw, str) or len(raw) > MAX_TEXT:
        raise PayloadError(topic, field, f"{_show(raw)} is not text of at most {MAX_TEXT} chars")
    return raw


def _number(topic: str, field: str, raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
        raise PayloadError(topic, field, f"{_show(raw)} is not a number")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise PayloadError(topic, field, f"{raw} is not a reading")
    try:
        # ESPHome sends "nan" for a sensor that failed; only finite numbers are readings.
        number = Decimal(raw.strip() if isinstance(raw, str) else str(raw))
    except InvalidOperation as exc:
        raise PayloadError(topic, field, f"{_show(raw)} is not a number") from exc
    if not number.is_finite() or abs(number.adjusted()) > 30:
        raise PayloadError(topic, field, f"{_show(raw)} is not a reading")
    return number


def _sensor_json(route: _Route, topic: str, payload: bytes, at: datetime) -> Observation:
    try:
        document = json.loads(_text(topic, None, payload), parse_float=Decimal)
    except (ValueError, RecursionError, ArithmeticError) as exc:  # 1e999…9: InvalidOperation
        raise PayloadError(topic, None, f"not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise PayloadError(topic, None, f"a JSON {type(document).__name__}, not an object")
    values: dict[str, Value] = {}
    units: dict[str, str] = {}
    for name, spec in route.profile.metrics.items():
        values[name] = _value(topic, spec.source, spec, _lookup(topic, document, spec.source))
        if spec.unit:
            units[name] = spec.unit
    return Observation(route.device, at, values, units)


def _lookup(topic: str, document: Mapping[str, object], path: str) -> object:
    node: object = document
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise PayloadError(topic, path, "missing")
        node = node[part]
    return node


def _show(raw: object) -> str:
    return repr(raw)[:40]
