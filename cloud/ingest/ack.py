"""What ingest answers for a batch it stored (or already held)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class IngestAck:
    acked_seq: int
    stored: int
    duplicates: int
    unreadable: dict[int, str] = field(default_factory=dict)
    """Events of this batch stored but marked unreadable: seq -> reason."""
