"""The agent's copy of the documents it has fetched and verified (table ``downlink_inbox``).

Kept before they are applied, so what was fetched is applied after a cloud outage or a
restart without asking again; kept after, so the transfer documents stay for the screens
that will act on them. Its own connection to the store's file (SQLite serialises the
writes); how far documents are applied is not here but in the store's ``downlink``
checkpoint, written with the events they produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from domain.downlink import SignedDocument
from domain.events import format_at
from edge_agent.store.sqlite_file import SqliteFile

_SELECT = "SELECT seq, kind, body, kid, signature, received_at FROM downlink_inbox"


@dataclass(frozen=True, slots=True)
class KeptDocument:
    signed: SignedDocument
    kind: str
    received_at: str


class DownlinkInbox:
    """Verified documents of the site, by number (the store's migrations made the table)."""

    def __init__(self, store_path: Path) -> None:
        self._file = SqliteFile(store_path)

    def keep(self, documents: list[tuple[SignedDocument, str]]) -> None:
        """Keep (signed document, kind) pairs; one already kept stays as it was."""
        now = format_at(datetime.now(UTC))
        with self._file.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO downlink_inbox (seq, kind, body, kid, signature,"
                " received_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(d.seq, kind, d.body, d.kid, d.signature, now) for d, kind in documents],
            )

    def after(self, seq: int, limit: int = 100) -> list[KeptDocument]:
        """Kept documents numbered after ``seq``, in order."""
        return self._kept("seq > ? ORDER BY seq LIMIT ?", (seq, limit))

    def of_kind(self, kind: str) -> list[KeptDocument]:
        """Every kept document of ``kind`` (``transfer.ship`` …), oldest first."""
        return self._kept("kind = ? ORDER BY seq", (kind,))

    def _kept(self, where: str, params: tuple[object, ...]) -> list[KeptDocument]:
        # ``where`` is one of the constants above, never input
        rows = self._file.rows(f"{_SELECT} WHERE {where}", params)
        return [
            KeptDocument(SignedDocument(seq=s, kid=kid, body=body, signature=sig), kind, at)
            for s, kind, body, kid, sig, at in rows
        ]

    def last_kept(self) -> int:
        row = self._file.one("SELECT COALESCE(MAX(seq), 0) FROM downlink_inbox")
        return int(row[0]) if row else 0

    def close(self) -> None:
        self._file.close()
