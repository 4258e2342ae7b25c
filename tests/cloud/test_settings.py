"""Settings: read from the environment when an app is made, validated, exportable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cloud.app import settings_environment
from cloud.settings import CloudSettings


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/stock")
    monkeypatch.setenv("EDGESTOCK_POOL_MAX_SIZE", "20")

    settings = CloudSettings()

    assert settings.database_url == "postgresql://u@db:5432/stock"
    assert settings.pool_max_size == 20


def test_sqlalchemy_style_urls_are_normalised() -> None:
    settings = CloudSettings(database_url="postgresql+psycopg://u@db/stock")

    assert settings.database_url == "postgresql://u@db/stock"


def test_a_missing_database_url_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("EDGESTOCK_DATABASE_URL", raising=False)

    with pytest.raises(ValidationError, match="DATABASE_URL"):
        CloudSettings()


def test_a_pool_smaller_than_its_minimum_is_refused() -> None:
    with pytest.raises(ValidationError, match="pool_max_size"):
        CloudSettings(database_url="postgresql://x", pool_min_size=5, pool_max_size=2)


def test_settings_survive_the_trip_through_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = CloudSettings(database_url="postgresql://x/y", max_batch_bytes=1234)

    for name, value in settings_environment(settings).items():
        monkeypatch.setenv(name, value)

    assert CloudSettings() == settings
