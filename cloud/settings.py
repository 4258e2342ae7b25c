"""Settings of the cloud API, read from the environment when an app is created."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

StorageChoice = Literal["auto", "timescale", "partitioned"]


class CloudSettings(BaseSettings):
    """What the API needs to run; ``DATABASE_URL`` (or ``EDGESTOCK_DATABASE_URL``) is required.

    Other fields read ``EDGESTOCK_<FIELD>``, e.g. ``EDGESTOCK_POOL_MAX_SIZE=20``.
    """

    model_config = SettingsConfigDict(env_prefix="EDGESTOCK_", extra="ignore", frozen=True)

    database_url: str = Field(
        validation_alias=AliasChoices("DATABASE_URL", "EDGESTOCK_DATABASE_URL", "database_url"),
        min_length=1,
    )
    pool_min_size: int = Field(default=2, ge=1)
    pool_max_size: int = Field(default=10, ge=1)
    pool_timeout_s: float = Field(default=30.0, gt=0)
    max_batch_bytes: int = Field(default=32 * 1024 * 1024, gt=0)
    """Largest compressed body accepted; beyond it the batch is refused with 413."""
    max_batch_decoded_bytes: int = Field(default=256 * 1024 * 1024, gt=0)
    """Largest decompressed body accepted; beyond it the batch is refused with 413."""
    migrate_on_start: bool = True
    storage_mode: StorageChoice = "auto"
    """``auto`` takes TimescaleDB when the server offers it; the first migration fixes it."""
    app_role: str = Field(default="edgestock_app", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    """The role the API's site reads run as (``SET ROLE`` on each pooled connection): it
    owns nothing and cannot bypass row-level security (docs/security.md)."""
    require_auth: bool = True
    """Off only for a transition: every caller is then an admin of every site."""
    access_token_ttl_s: int = Field(default=900, ge=30, le=86_400)
    refresh_token_ttl_s: int = Field(default=14 * 86_400, ge=60)
    token_keys_refresh_s: float = Field(default=10.0, gt=0, le=3600)
    """How long a replica trusts its copy of the token-signing keys: a key rotated in or
    retired in the database takes effect on every replica within this time."""
    max_request_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    """Largest body of any request but an agent's batch (``max_batch_bytes``): 413 beyond."""
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    """Password checks (argon2, ~50 ms of CPU each) run at once, in threads off the loop."""
    password_hash_queue: int = Field(default=64, ge=1)
    """Checks waiting beyond this are answered 503 at once instead of queueing for ever."""
    ingest_running: int = Field(default=4, ge=1, le=256)
    """Batches one worker ingests at once (``cloud.ingest.admission``)."""
    ingest_waiting: int = Field(default=32, ge=0, le=4096)
    """Batches queued beyond those (not yet read: cheap); the next is answered 503 with
    Retry-After, unread. Too few and the worker idles while refused agents wait out their
    Retry-After (docs/benchmarks.md, fleet ingest)."""
    ingest_queue_s: float = Field(default=2.0, gt=0, le=60)
    """The longest a queued batch is expected to wait for a running place (at the time batches
    have been taking); past it the next batch is refused too, so an admitted batch's ack
    stays well inside an agent's timeout whatever the batches' sizes."""
    opentelemetry: bool = False
    """FastAPI's own OpenTelemetry spans, metrics and logs, for a process whose operator
    configures an OpenTelemetry provider. Off by default: the cloud's metrics are
    Prometheus's (``/metrics``), and looking for a configured provider on every request
    costs an agent's batch about 3 % of its CPU."""
    sign_in_account_allowance: int = Field(default=5, ge=1)
    """Failed sign-ins to one account before each further failure doubles a delay."""
    sign_in_address_allowance: int = Field(default=20, ge=1)
    """Failed sign-ins from one client address (any accounts) before the delay starts."""
    sign_in_max_delay_s: int = Field(default=900, ge=1)
    """The delay after failures grows 1, 2, 4 … seconds up to this."""

    @field_validator("database_url")
    @classmethod
    def _libpq_url(cls, url: str) -> str:
        """Accept SQLAlchemy-style and ``postgres://`` URLs; libpq wants ``postgresql://``."""
        for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql://" + url[len(prefix) :]
        return url

    @field_validator("pool_max_size")
    @classmethod
    def _max_not_below_min(cls, size: int, info: ValidationInfo) -> int:
        if size < info.data.get("pool_min_size", 1):
            raise ValueError("pool_max_size must be at least pool_min_size")
        return size
