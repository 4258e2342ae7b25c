"""The ``downlink:`` section: how the agent pulls its site's documents from the cloud."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from pydantic import Field, field_validator

from edge_agent.config.sections import Section


class DownlinkConfig(Section):
    enabled: bool = Field(default=True, description="pull and apply the cloud's documents")
    cloud_keys: list[str] = Field(
        default_factory=list,
        description="the cloud's Ed25519 public keys (base64) that documents must be signed "
        "with; written by `edgestock provision enroll`. Without any, nothing is applied",
    )
    wait_s: Annotated[float, Field(ge=0, le=25)] = Field(
        default=20.0, description="how long the cloud holds a poll open when it has nothing new"
    )
    timeout_s: Annotated[float, Field(gt=0, le=300)] = Field(
        default=10.0, description="request timeout, on top of wait_s"
    )
    backoff_initial_s: Annotated[float, Field(gt=0)] = 1.0
    backoff_max_s: Annotated[float, Field(gt=0)] = 60.0

    @field_validator("cloud_keys")
    @classmethod
    def _raw_ed25519(cls, keys: list[str]) -> list[str]:
        for index, text in enumerate(keys):
            try:
                raw = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ValueError(f"cloud_keys[{index}] is not base64") from exc
            if len(raw) != 32:
                raise ValueError(f"cloud_keys[{index}] is {len(raw)} bytes, an Ed25519 key 32")
        return keys
