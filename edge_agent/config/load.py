"""Reading the agent's config file and the files it names."""

from __future__ import annotations

from pathlib import Path

from domain.kitchen.clocks.rules import ClockRules
from domain.masterdata import MasterData
from edge_agent.config.agent import AgentConfig
from edge_agent.config.kitchen import KitchenConfig
from edge_agent.yaml_config import ConfigError, load_model


def load_agent_config(path: Path | str) -> AgentConfig:
    """Load an agent config; relative paths in it are relative to the file."""
    return load_model(path, AgentConfig)


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
