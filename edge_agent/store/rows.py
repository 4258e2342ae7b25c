"""What the edge store's reads return, as frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class QuarantinedInput:
    """Input kept instead of dropped: who sent it, why it was refused, what it was, and when."""

    source: str
    reason: str
    raw: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Durability:
    """How the file is journalled: ``wal`` and ``synchronous=2`` (FULL) survive a power cut."""

    journal_mode: str
    synchronous: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    last_seq: int
    acked_seq: int
    stored_events: int
    quarantined: int
    last_sync_error: str | None

    @property
    def pending(self) -> int:
        return self.last_seq - self.acked_seq
