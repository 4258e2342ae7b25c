"""How the agent reaches the site's MQTT bus, and which sensor nodes it listens to.

Validated once, where the config file is read. The bus is one section (``mqtt:``) because
the agent holds one connection; sensor nodes are devices of kind ``mqtt`` riding on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from edge_agent.adapters.mqtt.profile import Flavour, MetricSpec, NodeProfile, load_node_profile
from edge_agent.yaml_config import ConfigPath


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TlsConfig(_Strict):
    """TLS to the broker: the CA that signed the broker, and our own certificate if the
    broker asks for one (mutual TLS)."""

    ca: Annotated[ConfigPath, Field(description="PEM file of the CA that signed the broker")]
    cert: Annotated[ConfigPath | None, Field(description="our client certificate (PEM)")] = None
    key: Annotated[ConfigPath | None, Field(description="key of the client certificate (PEM)")] = (
        None
    )
    check_hostname: Annotated[bool, Field(description="off only for brokers by IP")] = True

    @model_validator(mode="after")
    def _cert_with_key(self) -> Self:
        if (self.cert is None) != (self.key is None):
            raise ValueError("give both cert and key, or neither")
        return self


class MqttBusConfig(_Strict):
    """The broker of the site bus and this agent's identity on it."""

    id: Annotated[
        str, Field(min_length=1, description="device name of the bus link in presence events")
    ] = "site-bus"
    host: Annotated[str, Field(min_length=1, description="broker host name or address")]
    port: Annotated[int, Field(ge=1, le=65535, description="1883 plain, 8883 TLS")] = 1883
    client_id: Annotated[
        str,
        Field(
            min_length=1,
            max_length=128,
            description="stable id: the broker keeps our session (and what arrives while we "
            "are away) under it",
        ),
    ]
    username: Annotated[str | None, Field(min_length=1)] = None
    password: Annotated[SecretStr | None, Field(description="or password_file")] = None
    password_file: Annotated[
        ConfigPath | None,
        Field(description="file holding the password (first line), kept out of config"),
    ] = None
    tls: TlsConfig | None = None
    keepalive_s: Annotated[int, Field(ge=5, le=3600)] = 30
    connect_timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0
    session_expiry_s: Annotated[
        int,
        Field(
            ge=0,
            le=0xFFFFFFFF,
            description="how long the broker keeps our session and queued QoS 1 messages "
            "after we disconnect; 0 forgets them at once",
        ),
    ] = 7 * 24 * 3600
    queue_size: Annotated[
        int,
        Field(
            ge=1,
            le=65535,
            description="messages handed to the agent but not yet accepted; also our MQTT 5 "
            "receive maximum, so the broker never sends more QoS 1 messages than that",
        ),
    ] = 256
    backoff_initial_s: Annotated[float, Field(gt=0)] = 0.5
    backoff_max_s: Annotated[float, Field(gt=0)] = 30.0

    @model_validator(mode="after")
    def _credentials(self) -> Self:
        if self.password is not None and self.password_file is not None:
            raise ValueError("give password or password_file, not both")
        if (self.password or self.password_file) and self.username is None:
            raise ValueError("a password needs a username")
        return self

    def read_password(self) -> str | None:
        """The password, read from ``password_file`` each time so a rotated file is used."""
        if self.password is not None:
            return self.password.get_secret_value()
        if self.password_file is not None:
            lines = self.password_file.read_text(encoding="utf-8").splitlines()
            return lines[0] if lines else ""
        return None


class MqttDeviceConfig(_Strict):
    """A sensor node (ESPHome or Tasmota) publishing on the site bus."""

    kind: Literal["mqtt"]
    id: Annotated[str, Field(min_length=1, description="name used in observations and events")]
    topic: Annotated[
        str,
        Field(
            min_length=1,
            description="the node's topic: ESPHome's topic_prefix (its name by default), "
            "Tasmota's %topic%",
        ),
    ]
    profile: Annotated[
        str | None, Field(description="a node profile, e.g. mqtt/esphome-cold-room-probe")
    ] = None
    flavour: Annotated[Flavour | None, Field(description="without a profile")] = None
    metrics: Annotated[
        dict[str, MetricSpec] | None, Field(description="without a profile: metric → source")
    ] = None

    @model_validator(mode="after")
    def _profile_or_inline(self) -> Self:
        if "+" in self.topic or "#" in self.topic:
            raise ValueError("topic must not contain MQTT wildcards")
        inline = self.flavour is not None or self.metrics is not None
        if self.profile is not None and inline:
            raise ValueError("give a profile, or flavour and metrics, not both")
        if self.profile is None:
            if self.flavour is None or not self.metrics:
                raise ValueError("give a profile, or flavour and metrics")
            NodeProfile(model=self.id, flavour=self.flavour, metrics=self.metrics)
        return self

    def node_profile(self, profiles_dir: Path | None = None) -> NodeProfile:
        """The profile this node publishes by; a ``ConfigError`` names file, line and field."""
        if self.profile is not None:
            return load_node_profile(self.profile, profiles_dir)
        assert self.flavour is not None  # both checked at validation
        assert self.metrics is not None
        return NodeProfile(model=self.id, flavour=self.flavour, metrics=self.metrics)
