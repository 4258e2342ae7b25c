"""The agent's configuration file, validated once at load."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Self, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    HttpUrl,
    Tag,
    field_validator,
    model_validator,
)

from domain.coldchain.mkt import DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL
from domain.coldchain.rule import ExcursionRule, Trigger
from domain.kitchen.clocks.rules import ClockRules
from domain.masterdata import MasterData
from domain.payloads import Name
from domain.quantity import Unit
from domain.rules.model import Role
from edge_agent.adapters.ble.config import BleTagConfig, refuse_duplicates
from edge_agent.adapters.camera.config import CameraConfig
from edge_agent.adapters.modbus.config import ModbusDeviceConfig, check_shared_lines
from edge_agent.adapters.mqtt.config import MqttBusConfig, MqttDeviceConfig
from edge_agent.adapters.opcua.config import OpcUaLineConfig
from edge_agent.pipeline.coldchain import Signal, WatchedLocation
from edge_agent.pipeline.readings import ReadingPolicy
from edge_agent.pipeline.rules import DEFAULT_RULES, rule_file
from edge_agent.pipeline.scale import ScaleBinding
from edge_agent.syncer import SyncPolicy
from edge_agent.writer import GroupCommit
from edge_agent.yaml_config import ConfigError, load_model


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentIdentity(_Section):
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
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r} (an IANA name: Europe/Paris)") from exc
        return zone


class ClockConfig(_Section):
    """For demos and replays only: run the agent's clock ``speed`` times faster, starting
    ``behind`` in the past (see ``edge_agent.clock``). Leave it out in production."""

    speed: Annotated[float, Field(gt=0, le=10_000)] = 1.0
    behind: timedelta = timedelta(0)


class GroupCommitConfig(_Section):
    max_events: Annotated[int, Field(ge=1, le=100_000)] = 2000
    max_delay_ms: Annotated[float, Field(ge=0, le=1000)] = 2.0
    queue_size: Annotated[int, Field(ge=1)] = 10_000


class StoreConfig(_Section):
    path: Path = Path("edgestock-agent.db")
    retention_after_ack: timedelta | None = Field(
        default=timedelta(days=7),
        description="How long acknowledged events stay on the agent; null keeps them.",
    )
    group_commit: GroupCommitConfig = GroupCommitConfig()


class CloudConfig(_Section):
    url: HttpUrl
    key: Path = Field(
        default=Path("agent.key"),
        description="the agent's Ed25519 private key (mode 0600), written by "
        "`edgestock provision enroll`; relative to this file",
    )
    batch_max_events: Annotated[int, Field(ge=1, le=50_000)] = 2000
    batch_max_delay_ms: Annotated[float, Field(ge=0, le=60_000)] = 200.0
    timeout_s: Annotated[float, Field(gt=0)] = 10.0
    backoff_initial_s: Annotated[float, Field(gt=0)] = 0.5
    backoff_max_s: Annotated[float, Field(gt=0)] = 30.0


class ScaleBindingConfig(_Section):
    device: Name
    item: Name
    location: Name
    unit: Unit = Unit.G
    min_change: Annotated[Decimal, Field(gt=0)] = Decimal(2)
    shelf_life_days: Annotated[int, Field(ge=0)] | None = None

    def binding(self) -> ScaleBinding:
        return ScaleBinding(**self.model_dump())


class ReadingsConfig(_Section):
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


class SignalConfig(_Section):
    device: Name
    metric: Name

    def signal(self) -> Signal:
        return Signal(self.device, self.metric)


class ExcursionRuleConfig(_Section):
    """A location's alarm rule; durations as seconds or ISO 8601 (``PT30M``)."""

    high_c: Decimal | None = None
    low_c: Decimal | None = None
    trigger: Trigger = Trigger.CONTINUOUS_TIME
    delay: timedelta = timedelta(minutes=30)
    readings: Annotated[int, Field(ge=1)] = 1
    period: timedelta | None = None
    latching: bool = True
    escalate_after: timedelta | None = timedelta(hours=1)
    activation_energy_kj_per_mol: Annotated[Decimal, Field(gt=0)] = (
        DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL
    )

    @model_validator(mode="after")
    def _valid(self) -> Self:
        self.rule()  # ExcursionRuleInvalid is a ValueError: it names the field at fault
        return self

    def rule(self) -> ExcursionRule:
        return ExcursionRule(**self.model_dump())


class WatchedLocationConfig(_Section):
    """A cold room, fridge or freezer whose temperature is watched for excursions."""

    location: Name
    temperature: SignalConfig
    rule: ExcursionRuleConfig
    door: SignalConfig | None = None
    door_grace: timedelta = timedelta(minutes=15)
    defrost: SignalConfig | None = None
    defrost_grace: timedelta = timedelta(minutes=45)
    compressor: SignalConfig | None = Field(
        default=None, description="the compressor relay: lets the anomaly model see cooling"
    )
    block_lots: bool = Field(
        default=True, description="put the stock at this location on hold when an alarm opens"
    )

    def watched(self) -> WatchedLocation:
        return WatchedLocation(
            location=self.location,
            rule=self.rule.rule(),
            temperature=self.temperature.signal(),
            door=self.door.signal() if self.door else None,
            door_grace=self.door_grace,
            defrost=self.defrost.signal() if self.defrost else None,
            defrost_grace=self.defrost_grace,
            compressor=self.compressor.signal() if self.compressor else None,
            block_lots=self.block_lots,
        )


class AnomalyConfig(_Section):
    """The cold-room anomaly model run on the watched locations (``edge_agent.inference``)."""

    enabled: bool = True
    model: Path | None = Field(default=None, description="a .tflite; default: the packaged one")
    rules_only: bool = Field(default=False, description="skip the model, use the rules")


_D = TypeVar("_D", bound=BaseModel)


def _device_kind(value: object) -> str:
    """Devices without ``kind`` are Modbus devices, as in configs written before other kinds."""
    if isinstance(value, dict):
        return str(value.get("kind", "modbus"))
    return str(getattr(value, "kind", "modbus"))


DeviceConfig = Annotated[
    Annotated[ModbusDeviceConfig, Tag("modbus")]
    | Annotated[BleTagConfig, Tag("ble_tag")]
    | Annotated[CameraConfig, Tag("camera")]
    | Annotated[MqttDeviceConfig, Tag("mqtt")]
    | Annotated[OpcUaLineConfig, Tag("opcua_line")],
    Discriminator(
        _device_kind,
        custom_error_type="device_kind",
        custom_error_message=(
            "unknown device kind; known kinds: modbus, ble_tag, camera, mqtt, opcua_line"
        ),
    ),
]
"""One entry of ``devices:``; ``kind`` says which adapter serves it."""


KITCHEN_CLOCKS = (
    Path(__file__).resolve().parents[1] / "firmware_configs" / "kitchen" / "clocks.yaml"
)


class StationScaleConfig(_Section):
    """A portion scale at a kitchen station: what it weighs of ``item`` wins over the recipe."""

    device: Name
    station: Name
    item: Name


class ProbeConfig(_Section):
    """A food probe: its readings are clock evidence for the lots at ``location`` (thawing
    within its limit, cooked food cooling in time)."""

    device: Name
    metric: Name
    location: Name


class KitchenConfig(_Section):
    """The kitchen flow (edge_agent.kitchen): orders and taps on the site bus, PDAs and
    station scales among ``devices``; items and recipes from ``masterdata:``."""

    clocks: Path = Field(
        default=KITCHEN_CLOCKS,
        description="lot clock rules per item class (relative: to this file)",
    )
    pdas: list[Name] = Field(default=[], description="devices whose messages are PDA scans")
    scales: list[StationScaleConfig] = []
    probes: list[ProbeConfig] = []


class AgentConfig(_Section):
    agent: AgentIdentity
    store: StoreConfig = StoreConfig()
    cloud: CloudConfig
    mqtt: MqttBusConfig | None = Field(
        default=None, description="the site bus: sensor nodes, POS orders, kitchen screens"
    )
    devices: list[DeviceConfig] = []
    scales: list[ScaleBindingConfig] = []
    readings: ReadingsConfig = ReadingsConfig()
    clock: ClockConfig = ClockConfig()
    coldchain: list[WatchedLocationConfig] = []
    rules: list[Name] = Field(
        default=list(DEFAULT_RULES),
        description="rule files: a name in firmware_configs/rules, or a .yaml path",
    )
    roles: dict[Role, list[Name]] = Field(
        default_factory=dict, description="who holds each role the rules notify"
    )
    anomaly: AnomalyConfig = AnomalyConfig()
    masterdata: Path | None = Field(
        default=None, description="YAML of items and suppliers, until master data syncs down"
    )
    kitchen: KitchenConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_reactions(cls, data: object) -> object:
        if isinstance(data, dict) and "reactions" in data:
            raise ValueError(
                "reactions: is now a rule file: copy firmware_configs/rules/coldchain.yaml, set"
                " the factor and days there, and name the copy under rules:"
            )
        return data

    @model_validator(mode="after")
    def _scales_name_devices(self) -> Self:
        known = [device.id for device in self.devices]
        duplicates = {name for name in known if known.count(name) > 1}
        if duplicates:
            raise ValueError(f"device ids must be unique; repeated: {sorted(duplicates)}")
        if self.mqtt is None and self.devices_of(MqttDeviceConfig):
            raise ValueError("devices of kind mqtt need the mqtt: section (the site's broker)")
        check_shared_lines(self.devices_of(ModbusDeviceConfig))
        refuse_duplicates(self.devices_of(BleTagConfig))
        for scale in self.scales:
            if scale.device not in known:
                raise ValueError(f"scales: device {scale.device!r} is not among devices {known}")
        for section, devices in (
            ("locations", self.readings.locations),
            ("calibration", self.readings.calibration),
        ):
            for device in devices:
                if device not in known:
                    raise ValueError(f"readings.{section}: device {device!r} is not among {known}")
        for watched in self.coldchain:
            for signal in (watched.temperature, watched.door, watched.defrost, watched.compressor):
                if signal is not None and signal.device not in known:
                    raise ValueError(
                        f"coldchain {watched.location}: device {signal.device!r} is not among"
                        f" {known}"
                    )
        if self.kitchen is not None:
            self._check_kitchen(self.kitchen, known)
        places = [w.location for w in self.coldchain]
        if len(set(places)) != len(places):
            raise ValueError(f"coldchain: each location once; got {places}")
        return self

    def _check_kitchen(self, kitchen: KitchenConfig, known: list[str]) -> None:
        if self.masterdata is None:
            raise ValueError("kitchen: needs masterdata: (its items, recipes and menu)")
        named = [*kitchen.pdas, *(scale.device for scale in kitchen.scales)]
        for device in named:
            if device not in known:
                raise ValueError(f"kitchen: device {device!r} is not among devices {known}")
        stock_scales = {scale.device for scale in self.scales}
        if stock_scales & set(named):
            raise ValueError(f"kitchen: {sorted(stock_scales & set(named))} also under scales:")

    def devices_of(self, kind: type[_D]) -> list[_D]:
        return [device for device in self.devices if isinstance(device, kind)]

    def reading_policy(self) -> ReadingPolicy:
        r = self.readings
        calibration = {
            (device, metric): offset
            for device, offsets in r.calibration.items()
            for metric, offset in offsets.items()
        }
        return ReadingPolicy(
            r.heartbeat_s, dict(r.deadband), dict(r.locations), frozenset(r.ignore), calibration
        )

    def sync_policy(self) -> SyncPolicy:
        return SyncPolicy(
            url=str(self.cloud.url),
            key=self.cloud.key,
            max_events=self.cloud.batch_max_events,
            max_delay_ms=self.cloud.batch_max_delay_ms,
            timeout_s=self.cloud.timeout_s,
            retention=self.store.retention_after_ack,
        )

    def group_commit(self) -> GroupCommit:
        return GroupCommit(**self.store.group_commit.model_dump())


def load_agent_config(path: Path | str) -> AgentConfig:
    """Load an agent config; relative paths in it are relative to the file."""
    path = Path(path)
    config = load_model(path, AgentConfig)
    store_path = config.store.path
    if not store_path.is_absolute():
        store = config.store.model_copy(update={"path": path.parent / store_path})
        config = config.model_copy(update={"store": store})
    if config.masterdata is not None and not config.masterdata.is_absolute():
        config = config.model_copy(update={"masterdata": path.parent / config.masterdata})
    if not config.cloud.key.is_absolute():
        cloud = config.cloud.model_copy(update={"key": path.parent / config.cloud.key})
        config = config.model_copy(update={"cloud": cloud})
    if config.kitchen is not None and not config.kitchen.clocks.is_absolute():
        kitchen = config.kitchen.model_copy(update={"clocks": path.parent / config.kitchen.clocks})
        config = config.model_copy(update={"kitchen": kitchen})
    rules = [str(rule_file(name, path.parent)) for name in config.rules]
    config = config.model_copy(update={"rules": rules})
    model = config.anomaly.model
    if model is not None and not model.is_absolute():
        anomaly = config.anomaly.model_copy(update={"model": path.parent / model})
        config = config.model_copy(update={"anomaly": anomaly})
    return config


def load_masterdata(config: AgentConfig) -> MasterData:
    """The items and suppliers the agent's rules use (none when no file is configured)."""
    if config.masterdata is None:
        return MasterData()
    return load_model(config.masterdata, MasterData)


def load_clock_rules(kitchen: KitchenConfig, master: MasterData) -> ClockRules:
    """The kitchen's clock rules, every item's ``clock_class`` among them."""
    rules = load_model(kitchen.clocks, ClockRules)
    problems = rules.problems(master)
    if problems:
        raise ConfigError(kitchen.clocks, [f"{kitchen.clocks}: {p}" for p in problems])
    return rules
