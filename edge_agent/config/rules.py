"""Which rule files an agent follows: a shipped rule set by name, or a file of the site's own."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo

from domain.payloads import Name
from edge_agent.yaml_config import resolve

RULES_DIR = Path(__file__).resolve().parents[2] / "firmware_configs" / "rules"
DEFAULT_RULES = ("coldchain",)
"""What an agent follows when its config names no rules: today's cold-chain reactions."""


def rule_file(name: str, base: Path) -> Path:
    """``coldchain`` is ``firmware_configs/rules/coldchain.yaml``; a name ending in ``.yaml``
    or ``.yml`` is a file, relative to ``base`` (the agent's config folder)."""
    if name.endswith((".yaml", ".yml")):
        path = Path(name)
        return path if path.is_absolute() else base / path
    return RULES_DIR / f"{name}.yaml"


def _rule_path(name: str, info: ValidationInfo) -> Path:
    if name.endswith((".yaml", ".yml")):
        return resolve(Path(name), info)
    return rule_file(name, RULES_DIR)


RuleFile = Annotated[Name, AfterValidator(_rule_path)]
"""A rule set's name (``coldchain``) or a rule file's path, as the path of the file."""
