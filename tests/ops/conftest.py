"""Fixtures of the operations tests: a real PostgreSQL and the cloud over real HTTP."""

from __future__ import annotations

from tests.cloud.conftest import api_url, client, cloud_settings
from tests.pg import database_url, empty_database_url, migrated_template, postgres_server

__all__ = [
    "api_url",
    "client",
    "cloud_settings",
    "database_url",
    "empty_database_url",
    "migrated_template",
    "postgres_server",
]
