"""The movement rules (``domain.movements``) checked where the writer seals a movement.

A ``stock.moved``, ``stock.issued`` or ``transfer.shipped`` is checked against the holds as
they stand in the writer's transaction, after every draft sealed before it (so a hold in
the same batch counts), and refused (``MovementRefused``, a ``ValueError``: only its
producer hears it, nothing of its batch is written) when it would carry held stock out of
its hold. Owners are not checked here: the edge store does not know which legal entity
owns each location; the cloud does (``domain.owners``).
"""

from __future__ import annotations

import sqlite3

from domain.events import EventDraft
from domain.ledger import StockKey
from domain.movements import movement_refusal

MOVEMENTS = frozenset({"stock.moved", "stock.issued", "transfer.shipped"})
"""The drafts ``movement_refusal`` may refuse."""


class MovementRefused(ValueError):
    """A movement the rules refuse, with why."""


def check_movement(conn: sqlite3.Connection, draft: EventDraft) -> None:
    """Refuse ``draft`` if it moves held stock out of its hold (see the module)."""

    def is_held(key: StockKey) -> bool:
        row = conn.execute(
            "SELECT 1 FROM lot_holds WHERE held AND item = ? AND lot = ? AND location = ?",
            (key.item, key.lot, key.location),
        ).fetchone()
        return row is not None

    refusal = movement_refusal(draft.payload, is_held)
    if refusal is not None:
        raise MovementRefused(f"{draft.type} refused: {refusal}")
