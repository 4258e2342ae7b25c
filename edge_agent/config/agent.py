"""The whole agent config file and the checks that span its sections."""

from __future__ import annotations

from typing import Self, TypeVar

from pydantic import BaseModel, Field, model_validator

from domain.payloads import Name
from domain.rules.model import Role
from edge_agent.adapters.ble.config import refuse_duplicates
from edge_agent.adapters.modbus.config import check_shared_lines
from edge_agent.config.coldchain import WatchedLocationConfig
from edge_agent.config.devices import (
    BleTagConfig,
    DeviceConfig,
    ModbusDeviceConfig,
    MqttBusConfig,
    MqttDeviceConfig,
    OpcUaLineConfig,
)
from edge_agent.config.downlink import DownlinkConfig
from edge_agent.config.kitchen import KitchenConfig
from edge_agent.config.metrics import MetricsConfig
from edge_agent.config.plant import PlantConfig, check_plant
from edge_agent.config.rules import DEFAULT_RULES, RuleFile
from edge_agent.config.sections import (
    AgentIdentity,
    AnomalyConfig,
    ClockConfig,
    CloudConfig,
    ReadingsConfig,
    ScaleBindingConfig,
    Section,
    StoreConfig,
)
from edge_agent.config.web import WebConfig
from edge_agent.yaml_config import ConfigPath

_D = TypeVar("_D", bound=BaseModel)


class AgentConfig(Section):
    agent: AgentIdentity
    store: StoreConfig = StoreConfig()
    cloud: CloudConfig
    mqtt: MqttBusConfig | None = Field(
        default=None, description="the site bus: sensor nodes, POS orders, kitchen screens"
    )
    devices: list[DeviceConfig] = Field(default_factory=list)
    scales: list[ScaleBindingConfig] = Field(default_factory=list)
    readings: ReadingsConfig = ReadingsConfig()
    clock: ClockConfig = ClockConfig()
    coldchain: list[WatchedLocationConfig] = Field(default_factory=list)
    rules: list[RuleFile] = Field(
        default=list(DEFAULT_RULES),
        validate_default=True,
        description="rule files: a name in firmware_configs/rules, or a .yaml path",
    )
    roles: dict[Role, list[Name]] = Field(
        default_factory=dict, description="who holds each role the rules notify"
    )
    anomaly: AnomalyConfig = AnomalyConfig()
    masterdata: ConfigPath | None = Field(
        default=None, description="YAML of items and suppliers, until master data syncs down"
    )
    kitchen: KitchenConfig | None = None
    web: WebConfig | None = Field(
        default=None, description="the kitchen display, PDA app and board (off without it)"
    )
    metrics: MetricsConfig | None = Field(
        default=None, description="Prometheus /metrics on a loopback port (off without it)"
    )
    plant: PlantConfig | None = Field(
        default=None, description="run the site's work orders on an OPC UA line (off without it)"
    )
    downlink: DownlinkConfig = Field(
        default=DownlinkConfig(),
        description="the cloud's signed documents for the site: holds, master data, transfers",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_reactions(cls, data: object) -> object:
        if isinstance(data, dict) and "store" not in data:
            data = {**data, "store": {}}  # validated, so its default path is the file's
        if isinstance(data, dict) and "reactions" in data:
            raise ValueError(
                "reactions: is now a rule file: copy firmware_configs/rules/coldchain.yaml, set"
                " the factor and days there, and name the copy under rules:"
            )
        return data

    @model_validator(mode="after")
    def _devices_are_known(self) -> Self:
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
        self._check_coldchain(known)
        if self.kitchen is not None:
            self._check_kitchen(self.kitchen, known)
        if self.plant is not None:
            check_plant(self.plant, known, self.devices_of(OpcUaLineConfig), self.scales)
        return self

    def _check_coldchain(self, known: list[str]) -> None:
        for watched in self.coldchain:
            for signal in watched.signals():
                if signal.device not in known:
                    raise ValueError(
                        f"coldchain {watched.location}: device {signal.device!r} is not among"
                        f" {known}"
                    )
        places = [w.location for w in self.coldchain]
        if len(set(places)) != len(places):
            raise ValueError(f"coldchain: each location once; got {places}")

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
