"""How the agent reaches one production line over OPC UA: validated once, at load."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge_agent.yaml_config import ConfigPath


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecurityMode(StrEnum):
    SIGN = "Sign"
    SIGN_AND_ENCRYPT = "SignAndEncrypt"


class SecurityConfig(_Strict):
    """A secure channel with our application certificate; the server's is pinned."""

    policy: Literal["Basic256Sha256"] = "Basic256Sha256"
    mode: SecurityMode = SecurityMode.SIGN_AND_ENCRYPT
    certificate: Annotated[ConfigPath, Field(description="our certificate (DER or PEM)")]
    private_key: Annotated[ConfigPath, Field(description="its private key (PEM)")]
    server_certificate: Annotated[ConfigPath, Field(description="the server certificate we trust")]
    application_uri: Annotated[
        str, Field(min_length=1, description="must equal the URI in our certificate's SAN")
    ] = "urn:edgestock:edge-agent"


class OpcUaLineConfig(_Strict):
    """One production line: who it is, which profile describes it, how to reach it and how
    soon a silent subscription counts as dead."""

    kind: Literal["opcua_line"] = "opcua_line"
    id: Annotated[str, Field(min_length=1, description="name used in observations and events")]
    profile: Annotated[str, Field(min_length=1, description="e.g. lines/filling-line, or a path")]
    endpoint: Annotated[str, Field(pattern=r"^opc\.tcp://", description="opc.tcp://host:port/path")]
    security: SecurityConfig | None = None
    publishing_interval_ms: Annotated[
        int, Field(ge=10, le=60_000, description="how often the server sends changes")
    ] = 250
    keepalive_s: Annotated[
        float, Field(gt=0, le=600, description="the server says 'still here' at least this often")
    ] = 2.0
    silence_timeout_s: Annotated[
        float,
        Field(
            gt=0, le=3600, description="no publish (not even a keep-alive) this long: resubscribe"
        ),
    ] = 6.0
    poll_interval_s: Annotated[
        float, Field(gt=0, le=3600, description="read cadence when the server refuses to subscribe")
    ] = 1.0
    request_timeout_s: Annotated[float, Field(gt=0, le=120)] = 4.0
    queue_size: Annotated[
        int, Field(ge=10, le=1_000_000, description="notifications buffered before a resync")
    ] = 10_000

    @model_validator(mode="after")
    def _silence_outlasts_keepalive(self) -> Self:
        if self.silence_timeout_s < 2 * self.keepalive_s:
            raise ValueError(
                f"silence_timeout_s ({self.silence_timeout_s}) must be at least twice "
                f"keepalive_s ({self.keepalive_s}), or one late keep-alive drops the subscription"
            )
        if self.keepalive_s * 1000 < self.publishing_interval_ms:
            raise ValueError("keepalive_s must be at least one publishing interval")
        return self

    @property
    def keepalive_count(self) -> int:
        """Publishing intervals between keep-alives, as CreateSubscription asks for it."""
        return max(1, math.ceil(self.keepalive_s * 1000 / self.publishing_interval_ms))
