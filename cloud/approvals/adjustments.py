"""Stock adjustments asked for in the cloud: within the org's threshold they go to the site at
once, over it they wait for the ``stock.adjust`` approval steps (tables ``stock_adjustments``
and ``stock_adjustment_approvals``, migration 0160).

Going to the site means a signed ``stock.adjust`` down-channel document, numbered in the same
transaction that marks the adjustment sent, so an adjustment is sent once; the site's agent
applies the document once, through its writer, as a ``stock.adjusted`` event. Each decision
on a step is a row with who, when, the role and the note, never changed afterwards. Over the
threshold with no step in force, the adjustment is refused: nobody could approve it, and
sending it would make the threshold mean nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from cloud.approvals.refusal import Refused
from cloud.approvals.steps import approval_roles
from cloud.approvals.threshold import over_threshold
from cloud.approvals.waiting import Decision, Waiting, decide_step
from cloud.auth.principal import Principal
from cloud.downlink import outbox
from cloud.orgs.costs import costs_in_force
from cloud.orgs.settings import in_force
from cloud.orgs.tree import ancestry, node_of_site
from domain.downlink import Kind
from domain.payloads import StockAdjusted

Conn = AsyncConnection[tuple[object, ...]]
State = Literal["awaiting_approval", "sent", "refused"]
ACTION = "stock.adjust"
KIND: Kind = "stock.adjust"


class AdjustmentRefused(Refused):
    """An adjustment or a decision on it refused, with its reason."""


@dataclass(frozen=True, slots=True)
class AdjustmentRecord:
    site: str
    adjustment: str
    adjusted: StockAdjusted
    over: str | None
    """Why it waits for approval; None when it was within the threshold."""
    steps: tuple[str, ...]
    state: State
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    downlink_seq: int | None
    decisions: tuple[Decision, ...]

    @property
    def waiting(self) -> Waiting:
        """Where its approval stands, for ``decide_step``."""
        what = f"adjustment {self.adjustment!r}"
        return Waiting.in_state(
            what, self.steps, len(self.decisions), self.requested_by, self.state
        )


async def request_adjustment(
    conn: Conn, site: str, adjustment: str, adjusted: StockAdjusted, by: str
) -> AdjustmentRecord:
    """Record ``adjusted`` at ``site``: sent at once within the threshold, else waiting for
    the approval steps; run in a transaction."""
    node_id = await node_of_site(conn, site)
    if node_id is None:
        raise AdjustmentRefused(404, "unknown_site", f"site {site!r} is unknown")
    settings = in_force(node.settings for node in await ancestry(conn, node_id))
    cost = (await costs_in_force(conn, node_id)).get(adjusted.item)
    over = over_threshold(settings.get("adjustment_threshold"), adjusted.quantity, cost)
    steps = await approval_roles(conn, site, ACTION) if over is not None else ()
    if over is not None and not steps and settings.get("adjustment_threshold"):
        message = f"{over}, and no approval step for {ACTION} is in force at {site!r}"
        raise AdjustmentRefused(409, "no_approver", message)
    if not steps:
        over = None  # no threshold and no step: nothing gates adjustments here
    content = {"adjustment": adjustment, "adjusted": adjusted.model_dump(mode="json")}
    cur = await conn.execute(
        "INSERT INTO stock_adjustments (site, adjustment, content, over, steps, state,"
        " requested_by) VALUES (%s, %s, %s, %s, %s, 'awaiting_approval', %s)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        (site, adjustment, Jsonb(content), over, list(steps), by),
    )
    if await cur.fetchone() is None:
        message = f"adjustment {adjustment!r} of {site!r} exists: give a new id"
        raise AdjustmentRefused(409, "adjustment_exists", message)
    if not steps:
        await _send(conn, site, adjustment, content, by)
    return await read_adjustment(conn, site, adjustment)


async def decide(
    conn: Conn, site: str, adjustment: str, principal: Principal, approve: bool, note: str | None
) -> AdjustmentRecord:
    """Approve or refuse the step the adjustment waits for; the last approval sends it."""
    record = await read_adjustment(conn, site, adjustment, lock=True)
    decided = await decide_step(conn, site, record.waiting, principal, approve)
    await conn.execute(
        "INSERT INTO stock_adjustment_approvals (site, adjustment, step, role, approved,"
        " decided_by, note) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (site, adjustment, decided.step, decided.role, approve, principal.name, note),
    )
    if not approve:
        await conn.execute(
            "UPDATE stock_adjustments SET state = 'refused' WHERE (site, adjustment) = (%s, %s)",
            (site, adjustment),
        )
    elif decided.last:
        content = {"adjustment": adjustment, "adjusted": record.adjusted.model_dump(mode="json")}
        await _send(conn, site, adjustment, content, principal.name)
    return await read_adjustment(conn, site, adjustment)


async def _send(conn: Conn, site: str, adjustment: str, content: dict[str, Any], by: str) -> None:
    signed = await outbox.issue(conn, site, KIND, content, by)
    await conn.execute(
        "UPDATE stock_adjustments SET state = 'sent', sent_at = now(), downlink_seq = %s"
        " WHERE (site, adjustment) = (%s, %s)",
        (signed.seq, site, adjustment),
    )


_READ = (
    "SELECT content, over, steps, state, requested_by, requested_at, sent_at, downlink_seq"
    " FROM stock_adjustments WHERE (site, adjustment) = (%s, %s)"
)


async def read_adjustment(
    conn: Conn, site: str, adjustment: str, *, lock: bool = False
) -> AdjustmentRecord:
    """The adjustment and its decisions (404 ``AdjustmentRefused`` when unknown here)."""
    cur = await conn.execute(_READ + (" FOR UPDATE" if lock else ""), (site, adjustment))
    row = await cur.fetchone()
    if row is None:
        message = f"no adjustment {adjustment!r} at {site!r}"
        raise AdjustmentRefused(404, "unknown_adjustment", message)
    content, over, steps, state, requested_by, requested_at, sent_at, seq = row
    cur = await conn.execute(
        "SELECT step, role, approved, decided_by, decided_at, note"
        " FROM stock_adjustment_approvals WHERE (site, adjustment) = (%s, %s) ORDER BY step",
        (site, adjustment),
    )
    decisions = tuple(Decision(*cast(tuple[Any, ...], d)) for d in await cur.fetchall())
    return AdjustmentRecord(
        site=site,
        adjustment=adjustment,
        adjusted=StockAdjusted.model_validate(cast(dict[str, Any], content)["adjusted"]),
        over=cast(str | None, over),
        steps=tuple(cast(list[str], steps)),
        state=cast(State, state),
        requested_by=str(requested_by),
        requested_at=cast(datetime, requested_at),
        sent_at=cast(datetime | None, sent_at),
        downlink_seq=cast(int | None, seq),
        decisions=decisions,
    )
