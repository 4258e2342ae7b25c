"""Record a recall and send its holds down, in one transaction.

``affected`` is pure: the lots of a forward trace, once each, in a stable order. ``record``
stores the recall and issues one signed ``hold`` document per affected lot to the site that
has (or had, or is being sent) it, through the down-channel's outbox, in the caller's
transaction: either the recall and every hold commit, or none of them does. Each hold's
reason starts with ``recall <id>``: what the consumer page reads as "recalled" once an edge
has applied it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast

from psycopg import AsyncConnection

from cloud.downlink import outbox
from cloud.trace.tree import LotAt, TraceNode
from domain.downlink import HoldOrder

Conn = AsyncConnection[tuple[object, ...]]

HoldCause = Literal["recall", "arrival"]
"""Why a recall's hold was sent: with the recall, or because stock arrived after it."""

MAX_AFFECTED = 2000
"""Lots one recall holds at most (each is a document): a larger one is refused, not cut."""


class RecallTooLarge(ValueError):
    """A forward trace reached more lots than one recall may hold."""


@dataclass(frozen=True, slots=True)
class IssuedHold:
    """One affected lot at a site and the number of the hold document sent there."""

    lot: LotAt
    seq: int


@dataclass(frozen=True, slots=True)
class Recorded:
    """A recall as stored: its id, when it was made, and the holds it issued."""

    id: int
    created_at: datetime
    holds: tuple[IssuedHold, ...]

    @property
    def sites(self) -> list[str]:
        """The sites a hold was sent to, sorted."""
        return sorted({hold.lot.site for hold in self.holds})


def affected(roots: Sequence[TraceNode]) -> list[LotAt]:
    """Every lot at every site of a forward trace (the recalled lot's own roots included),
    once each, sorted by site, item and lot. Raises ``RecallTooLarge`` past
    ``MAX_AFFECTED`` or when the trace itself was cut (a partial recall would be wrong)."""
    lots = sorted({node.lot for root in roots for _, node in root.walk()})
    cut = any(node.truncated for root in roots for _, node in root.walk())
    if cut or len(lots) > MAX_AFFECTED:
        raise RecallTooLarge(
            f"the forward trace reaches more than {MAX_AFFECTED} lots or was cut at its depth"
            " limit: split the recall by lot"
        )
    return lots


def hold_reason(recall_id: int, reason: str) -> str:
    """The reason a recall's holds carry: ``recall <id>: <reason>``, within a hold's 500."""
    return f"recall {recall_id}: {reason}"[:500]


async def record(
    conn: Conn, item: str, lot: str, reason: str, lots: Sequence[LotAt], issued_by: str
) -> Recorded:
    """Store the recall of ``lot`` of ``item`` and issue a hold for each of ``lots``; run in
    the caller's transaction."""
    sites = sorted({at.site for at in lots})
    cur = await conn.execute(
        "INSERT INTO recalls (item, lot, reason, sites, created_by) VALUES (%s, %s, %s, %s, %s)"
        " RETURNING id, created_at",
        (item, lot, reason, sites, issued_by),
    )
    row = await cur.fetchone()
    assert row is not None  # an INSERT … RETURNING returns its row
    recall_id, created_at = cast(int, row[0]), cast(datetime, row[1])
    holds = await hold(conn, recall_id, reason, lots, issued_by, "recall")
    return Recorded(recall_id, created_at, tuple(holds))


async def hold(
    conn: Conn, recall_id: int, reason: str, lots: Sequence[LotAt], issued_by: str,
    cause: HoldCause,
) -> list[IssuedHold]:  # fmt: skip
    """Issue a hold of recall ``recall_id`` for each of ``lots`` to its site, and list it in
    ``recall_holds`` with its ``cause``; run in the caller's transaction."""
    text = hold_reason(recall_id, reason)
    holds: list[IssuedHold] = []
    for at in lots:
        order = HoldOrder(action="hold", item=at.item, lot=at.lot, reason=text)
        signed = await outbox.issue(conn, at.site, "hold", order.model_dump(mode="json"),
                                    issued_by)  # fmt: skip
        await conn.execute(
            "INSERT INTO recall_holds (recall, site, item, lot, seq, cause)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (recall_id, at.site, at.item, at.lot, signed.seq, cause),
        )
        holds.append(IssuedHold(at, signed.seq))
    return holds
