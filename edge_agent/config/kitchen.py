"""The kitchen flow's section: its PDAs, station scales, food probes and clock rules."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from domain.payloads import Name
from edge_agent.config.sections import Section
from edge_agent.yaml_config import ConfigPath

KITCHEN_CLOCKS = (
    Path(__file__).resolve().parents[2] / "firmware_configs" / "kitchen" / "clocks.yaml"
)
"""The clock rules shipped with EdgeStock (thawing, marinating, date marks, cooling)."""


class StationScaleConfig(Section):
    """A portion scale at a kitchen station: what it weighs of ``item`` wins over the recipe."""

    device: Name
    station: Name
    item: Name


class ProbeConfig(Section):
    """A food probe: its readings are clock evidence for the lots at ``location`` (thawing
    within its limit, cooked food cooling in time)."""

    device: Name
    metric: Name
    location: Name


class KitchenConfig(Section):
    """The kitchen flow (edge_agent.kitchen): orders and taps on the site bus, PDAs and
    station scales among ``devices``; items and recipes from ``masterdata:``."""

    clocks: ConfigPath = Field(
        default=KITCHEN_CLOCKS,
        description="lot clock rules per item class (relative: to this file)",
    )
    pdas: list[Name] = Field(
        default_factory=list, description="devices whose messages are PDA scans"
    )
    scales: list[StationScaleConfig] = Field(default_factory=list)
    probes: list[ProbeConfig] = Field(default_factory=list)
