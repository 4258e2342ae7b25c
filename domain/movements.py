"""Whether a movement may be recorded, given the holds and owners of the stock it moves.

The ledger's fold never refuses a movement for these reasons: an event is a fact, and the
cloud must fold what an agent sealed. So the rules are checked where a movement is decided,
before it is sealed (at the edge, in the writer or the route that records it), and a
refused movement is answered with why, never written.

- A held lot may not leave the site or its owner's hands: ``transfer.shipped`` and
  ``stock.issued`` from a held (item, lot, location) are refused.
- A held lot may be moved within the site only to a location where it is held too (a
  quarantine cell blocked first), so a move can never carry stock out of its hold.
- A move within the site between locations of two legal entities is refused: stock changes
  owner only through a transfer between organisations (``transfer.shipped`` with
  ``to_org``), which gives both sides their documents.
"""

from __future__ import annotations

from collections.abc import Callable

from domain.ledger import StockKey
from domain.owners import OwnerBook
from domain.payloads import Payload, StockIssued, StockMoved, TransferShipped

IsHeld = Callable[[StockKey], bool]
"""Whether stock at a key is held now (the holds projection's ``held``)."""


def movement_refusal(
    payload: Payload, is_held: IsHeld, book: OwnerBook | None = None
) -> str | None:
    """Why ``payload`` may not be recorded now, or None if it may (see the module's rules)."""
    if not isinstance(payload, StockMoved | TransferShipped | StockIssued):
        return None
    source = StockKey(payload.item, payload.lot, payload.location)
    what = f"{payload.item} lot {payload.lot} at {payload.location}"
    if isinstance(payload, StockMoved):
        target = StockKey(payload.item, payload.lot, payload.to_location)
        if is_held(source) and not is_held(target):
            return (
                f"{what} is held: it may move only to a location where it is held too "
                f"(block it at {payload.to_location} first), or be released"
            )
        if book is not None:
            owner, new_owner = book.owner_of(payload.location), book.owner_of(payload.to_location)
            if owner != new_owner:
                return (
                    f"{payload.location} belongs to {owner} and {payload.to_location} to "
                    f"{new_owner}: ship it as a transfer to_org {new_owner}, not a move"
                )
        return None
    if is_held(source):
        leaving = "shipped" if isinstance(payload, TransferShipped) else "issued"
        return f"{what} is held and may not be {leaving} until it is released"
    return None
