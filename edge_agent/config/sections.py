"""The agent's own sections of its config file: who it is, where it stores, how it syncs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from domain.payloads import Name
from domain.quantity import Unit
from edge_agent.yaml_config import ConfigPath


class Section(BaseModel):
    """A part of the config file: unknown keys are refused, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentIdentity(Section):
    id: Name
    site: Name
    zone: str = Field(
        default="UTC",
        description="the site's time zone (IANA): a date mark's days end at its midnight",
    )

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "America" is a folder
            raise ValueError(f"unknown time zone {zone!r} (an IANA name: Europe/Paris)") from exc
        return zone


class ClockConfig(Section):
    """For demos and replays only: run the agent's clock ``speed`` times faster, starting
    ``behind`` in the past (see ``edge_agent.clock``). Leave it out in production."""

    speed: Annotated[float, Field(gt=0, le=10_000)] = 1.0
    behind: timedelta = timedelta(0)


class GroupCommitConfig(Section):
    max_events: Annotated[int, Field(ge=1, le=100_000)] = 2000
    max_delay_ms: Annotated[float, Field(ge=0, le=1000)] = 2.0
    queue_size: Annotated[int, Field(ge=1)] = 10_000


class StoreConfig(Section):
    path: ConfigPath = Field(default=Path("edgestock-agent.db"), validate_default=True)
    retention_after_ack: timedelta | None = Field(
        default=timedelta(days=7),
        description="How long acknowledged events stay on the agent; null keeps them.",
    )
    group_commit: GroupCommitConfig = GroupCommitConfig()


class CloudConfig(Section):
    url: HttpUrl
    key: ConfigPath = Field(
        default=Path("agent.key"),
        validate_default=True,
        description="the agent's Ed25519 private key (mode 0600), written by "
        "`edgestock provision enroll`; relative to this file",
    )
    batch_max_events: Annotated[int, Field(ge=1, le=50_000)] = 2000
    batch_max_delay_ms: Annotated[float, Field(ge=0, le=60_000)] = Field(
        default=200.0,
        description="how long a batch that is not full waits for more events while the "
        "cloud answers quickly",
    )
    batch_busy_delay_ms: Annotated[float, Field(ge=0, le=60_000)] = Field(
        default=1000.0,
        description="how long a batch that is not full may wait for more events while the "
        "cloud's acks are slow or it turns requests away busy (fewer, fuller requests from a "
        "fleet); at least batch_max_delay_ms",
    )
    timeout_s: Annotated[float, Field(gt=0)] = 10.0
    backoff_initial_s: Annotated[float, Field(gt=0)] = 0.5
    backoff_max_s: Annotated[float, Field(gt=0)] = 30.0


class ScaleBindingConfig(Section):
    """A stock scale: what it weighs is the stock of ``item`` at ``location``."""

    device: Name
    item: Name
    location: Name
    unit: Unit = Unit.G
    min_change: Annotated[Decimal, Field(gt=0)] = Decimal(2)
    shelf_life_days: Annotated[int, Field(ge=0)] | None = None


class ReadingsConfig(Section):
    """When a sensor's value is worth an event (see ``edge_agent.pipeline.readings``)."""

    heartbeat_s: Annotated[float, Field(gt=0, description="record a steady value this often")] = (
        300.0
    )
    deadband: dict[Name, Annotated[Decimal, Field(ge=0)]] = Field(
        default_factory=dict, description="per metric: a smaller change is not recorded"
    )
    locations: dict[Name, Name] = Field(
        default_factory=dict, description="device id -> the location its readings describe"
    )
    calibration: dict[Name, dict[Name, Decimal]] = Field(
        default_factory=dict,
        description="device id -> metric -> offset added to what the probe reports",
    )
    ignore: list[Name] = Field(
        default=["packet_id", "counter", "sequence", "mac"],
        description="metrics never recorded: a frame's bookkeeping, not a measurement",
    )


class AnomalyConfig(Section):
    """The cold-room anomaly model run on the watched locations (``edge_agent.inference``)."""

    enabled: bool = True
    model: ConfigPath | None = Field(
        default=None, description="a .tflite; default: the packaged one"
    )
    rules_only: bool = Field(default=False, description="skip the model, use the rules")
