"""The agent's configuration: pydantic models validated once at load, and nothing else.

Importing this package imports no adapter runtime, no protocol library and no model runtime:
a config can be checked on a machine that has none of them. The runtime turns these models
into its own objects (``edge_agent.agent``).
"""

from edge_agent.config.agent import AgentConfig
from edge_agent.config.kitchen import KITCHEN_CLOCKS, KitchenConfig
from edge_agent.config.load import load_agent_config, load_clock_rules, load_masterdata

__all__ = [
    "KITCHEN_CLOCKS",
    "AgentConfig",
    "KitchenConfig",
    "load_agent_config",
    "load_clock_rules",
    "load_masterdata",
]
