"""A production line's OPC UA server (asyncua), its address space built from a line profile.

Simulators may not import ``edge_agent``, so the few profile fields needed to *serve* a line
are read here directly; the agent's ``LineProfile`` is what validates a profile. Values change
only through ``show``/``set_*`` (or ``write`` for deliberately wrong ones, in tests), alarms
through ``fault``. ``forget_subscriptions`` makes the server drop every subscription while
keeping sessions, as a PLC may after a program download: the silent failure a client must
notice by itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from asyncua import Node, Server, ua
from asyncua.common.event_objects import BaseEvent
from asyncua.crypto.truststore import TrustStore
from asyncua.crypto.validator import CertificateValidator, CertificateValidatorOptions
from asyncua.server.event_generator import EventGenerator

from simulators.opcua.line_process import Fault, LineSnapshot

log = logging.getLogger(__name__)

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[2] / "firmware_configs"
SERVER_URI = "urn:edgestock:simulators:opcua-line"
_VARIANT = {
    "state": ua.VariantType.Int32,
    "counter": ua.VariantType.UInt32,
    "number": ua.VariantType.Double,
    "text": ua.VariantType.String,
}


@dataclass(frozen=True, slots=True)
class SecureEndpoint:
    """Basic256Sha256 only, and only for client certificates found in ``trusted_dir``."""

    certificate: Path
    private_key: Path
    trusted_dir: Path


@dataclass(frozen=True, slots=True)
class _Metric:
    kind: str
    node: str | None
    path: str | None
    codes: dict[str, int]


def _read_profile(name_or_path: str | Path) -> dict[str, Any]:
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") and not path.is_absolute():
        path = FIRMWARE_CONFIGS / f"{name_or_path}.yaml"
    profile: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return profile


class LineServer:
    """One simulated line on one endpoint. ``start`` takes 1–3 s: share one per test module."""

    def __init__(
        self, profile: str | Path = "lines/filling-line", *, secure: SecureEndpoint | None = None
    ) -> None:
        raw = _read_profile(profile)
        self.namespace_uri: str = raw["namespace_uri"]
        self.metrics = {
            name: _Metric(
                kind=m["kind"],
                node=m.get("node"),
                path=m.get("path"),
                codes={str(v): int(k) for k, v in (m.get("states") or {}).items()},
            )
            for name, m in raw["metrics"].items()
        }
        self.alarms: dict[str, Any] | None = raw.get("alarms")
        self.secure = secure
        self.endpoint = ""
        self._server: Server | None = None
        self._nodes: dict[str, Node] = {}
        self._faults: EventGenerator | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 4840) -> str:
        """Build the address space and listen; returns the endpoint URL."""
        if self.secure is not None:
            _check_trust_folder(self.secure.trusted_dir)
        server = Server()
        await server.init()
        self.endpoint = f"opc.tcp://{host}:{port}/edgestock/line"
        server.set_endpoint(self.endpoint)
        server.set_server_name("EdgeStock simulated filling line")
        await server.set_application_uri(SERVER_URI)
        server.set_identity_tokens([ua.AnonymousIdentityToken])
        if self.secure is not None:
            await self._secure(server, self.secure)
        else:
            server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        namespace = await server.register_namespace(self.namespace_uri)
        await self._build(server, namespace)
        await server.start()
        self._server = server
        log.info("line simulator on %s (%s)", self.endpoint, "secure" if self.secure else "open")
        return self.endpoint

    async def _secure(self, server: Server, secure: SecureEndpoint) -> None:
        server.set_security_policy(
            [
                ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt,
                ua.SecurityPolicyType.Basic256Sha256_Sign,
            ]
        )
        await server.load_certificate(str(secure.certificate))
        await server.load_private_key(str(secure.private_key))
        store = TrustStore([secure.trusted_dir], [])
        await store.load()
        options = CertificateValidatorOptions.TRUSTED_VALIDATION
        server.set_certificate_validator(
            CertificateValidator(options | CertificateValidatorOptions.PEER_CLIENT, store)
        )

    async def _build(self, server: Server, ns: int) -> None:
        objects = server.nodes.objects
        line = objects
        if self.alarms is not None:
            line = await self._object_at(objects, self.alarms["notifier"]["path"], ns)
            await line.set_event_notifier([ua.EventNotifier.SubscribeToEvents])
            event_id = ua.NodeId.from_string(f"ns={ns};{self.alarms['event_type']['node']}")
            event_type = await server.get_node(ua.ObjectIds.BaseEventType).add_object_type(
                event_id, "LineFaultEventType"
            )
            for field, kind in (
                (self.alarms["code_field"], ua.VariantType.String),
                (self.alarms["active_field"], ua.VariantType.Boolean),
            ):
                await event_type.add_property(ns, field, ua.get_default_value(kind), kind)
            self._faults = await server.get_event_generator(event_type, line)
        for name, metric in self.metrics.items():
            variant = ua.Variant(_initial(metric), _VARIANT[metric.kind])
            if metric.path is not None:
                *parents, leaf = metric.path.split("/")
                parent = await self._object_at(objects, "/".join(parents), ns)
                self._nodes[name] = await parent.add_variable(ns, leaf, variant)
            else:
                node_id = ua.NodeId.from_string(f"ns={ns};{metric.node}")
                browse_name = str(node_id.Identifier).rsplit(".", 1)[-1]
                self._nodes[name] = await line.add_variable(node_id, browse_name, variant)

    async def _object_at(self, root: Node, path: str, ns: int) -> Node:
        node = root
        for name in filter(None, path.split("/")):
            try:
                node = await node.get_child(f"{ns}:{name}")
            except ua.UaError:
                node = await node.add_object(ns, name)
        return node

    @property
    def server(self) -> Server:
        if self._server is None:
            raise RuntimeError("start the line server first")
        return self._server

    async def write(self, metric: str, variant: ua.Variant, status: int = 0) -> None:
        """Put ``variant`` (right or deliberately wrong) into a metric's node, as the PLC would."""
        now = datetime.now(UTC)
        value = ua.DataValue(variant, StatusCode=ua.StatusCode(status), SourceTimestamp=now)
        await self.server.write_attribute_value(self._nodes[metric].nodeid, value)

    async def set_value(self, metric: str, value: object) -> None:
        """Write a value of the metric's own type; a state is given by its name."""
        spec = self.metrics[metric]
        raw = spec.codes[str(value)] if spec.kind == "state" else value
        await self.write(metric, ua.Variant(raw, _VARIANT[spec.kind]))

    async def show(self, snapshot: LineSnapshot, previous: LineSnapshot | None = None) -> None:
        """Write what changed since ``previous`` (everything when there is none)."""
        before = _values(previous) if previous is not None else {}
        for metric, value in _values(snapshot).items():
            if metric in self._nodes and before.get(metric) != value:
                await self.set_value(metric, value)

    async def fault(self, fault: Fault) -> None:
        """Fire the line's fault event: raised or cleared."""
        if self._faults is None or self.alarms is None:
            raise RuntimeError("this profile has no alarms")
        event: BaseEvent = self._faults.event
        setattr(event, self.alarms["code_field"], fault.code)
        setattr(event, self.alarms["active_field"], fault.active)
        event.Message = ua.LocalizedText(fault.message)
        event.Severity = fault.severity
        await self._faults.trigger()

    async def forget_subscriptions(self) -> int:
        """Drop every subscription on the server, keep every session; returns how many."""
        service = self.server.iserver.subscription_service
        ids = list(service.subscriptions)
        await service.delete_subscriptions(ids)
        return len(ids)

    def refuse_subscriptions(self, refuse: bool = True) -> None:
        """Answer CreateSubscription with BadTooManySubscriptions, as small PLCs do when full."""
        self.server.iserver.max_subscriptions = 0 if refuse else 1_000

    def subscription_count(self) -> int:
        return len(self.server.iserver.subscription_service.subscriptions)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None
            self._nodes = {}
            log.info("line simulator on %s stopped", self.endpoint)


def _check_trust_folder(folder: Path) -> None:
    """asyncua's TrustStore crashes on a folder without certificates; say what is wrong."""
    if not any(p.suffix in (".der", ".pem") for p in folder.glob("*.*")):
        raise ValueError(f"no trusted client certificate (.der/.pem) in {folder}")


def _initial(metric: _Metric) -> object:
    if metric.kind == "state":
        return metric.codes.get("Stopped", 0)
    return {"counter": 0, "number": 0.0, "text": ""}[metric.kind]


def _values(s: LineSnapshot) -> dict[str, object]:
    """A snapshot by the metric names the line profiles use."""
    return {
        "state": s.state,
        "good_count": s.good,
        "bad_count": s.bad,
        "line_speed": s.speed,
        "batch": s.lot,
        "recipe": s.recipe,
    }
