"""Pipeline state stored with the events it led to: a blob, or rows a pipeline writes itself.

Most pipelines store their state as one checkpoint blob by name. A pipeline whose state is
large and changes a little at a time (the kitchen's recent orders and open tickets) hands
the store a ``StateWrite`` under its name instead, which writes only what changed, in the
same transaction as the events.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Protocol


class StateWrite(Protocol):
    """A change to a pipeline's stored state, written on the store's transaction."""

    def write(self, conn: sqlite3.Connection, seq: int) -> None:
        """Store the change (``seq``: the chain head the state goes with)."""


Checkpoint = bytes | StateWrite
"""What a pipeline stores under its name: its whole state, or a change to its rows."""


def store_checkpoints(conn: sqlite3.Connection, states: Mapping[str, Checkpoint], seq: int) -> None:
    """Write ``states`` (name -> checkpoint) on ``conn``'s transaction, at chain head ``seq``."""
    blobs = [(name, state, seq) for name, state in states.items() if isinstance(state, bytes)]
    if blobs:
        conn.executemany(
            "INSERT OR REPLACE INTO checkpoints (name, state, seq) VALUES (?, ?, ?)", blobs
        )
    for state in states.values():
        if not isinstance(state, bytes):
            state.write(conn, seq)
