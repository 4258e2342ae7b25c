"""The example restaurant of firmware_configs/kitchen, loaded as the agent loads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from domain.kitchen.clocks.rules import ClockRules
from domain.masterdata import MasterData
from edge_agent.yaml_config import load_model

KITCHEN = Path(__file__).resolve().parents[3] / "firmware_configs" / "kitchen"
SITE = timezone(timedelta(hours=1), "CET")
"""The site's local zone: days end at its midnight."""


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A site-local moment in November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SITE)


def utc(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="session")
def master() -> MasterData:
    return load_model(KITCHEN / "masterdata.yaml", MasterData)


@pytest.fixture(scope="session")
def rules() -> ClockRules:
    return load_model(KITCHEN / "clocks.yaml", ClockRules)
