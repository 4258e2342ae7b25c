"""What one running app holds: built in the lifespan, reached through dependencies."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool

from cloud.auth.passwords import PasswordChecks
from cloud.auth.tokens import TokenKeyring
from cloud.ingest.partitions import ReadingPartitions
from cloud.migrate import StorageMode
from cloud.settings import CloudSettings


@dataclass(frozen=True, slots=True)
class CloudState:
    settings: CloudSettings
    pool: AsyncConnectionPool
    storage_mode: StorageMode
    partitions: ReadingPartitions
    tenant_pool: AsyncConnectionPool
    """Connections as ``settings.app_role``, under row-level security (cloud.auth.scope)."""
    keyring: TokenKeyring
    """The token-signing keys in force, re-read every ``settings.token_keys_refresh_s``."""
    passwords: PasswordChecks
    """Password checks in threads, bounded: sign-ins never stall the event loop."""
