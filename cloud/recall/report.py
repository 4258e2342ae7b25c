"""Read a recall's report: per affected lot where its stock is, where it was shipped, who
consumed it; per site which agents have applied the holds, and when.

Runs in the caller's site scope (``cloud.auth.scope.site_scope``): row-level security keeps
every row of a site the caller may not see out of the report, and a recall none of whose
sites the caller may see is not found. Quantities are in the ledger's base units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, cast

from psycopg import AsyncConnection

from cloud.trace.tree import LotAt

Conn = AsyncConnection[tuple[object, ...]]

UseKind = Literal["consumed", "issued"]


@dataclass(frozen=True, slots=True)
class Stock:
    location: str
    qty: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class Shipment:
    """A transfer line of the lot out of its site: to whom, how much, how much arrived."""

    transfer: str
    to_site: str
    to_org: str | None
    shipped: Decimal
    received: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class Use:
    """The lot used up: by a recipe step of an order (``consumed``, ``dish`` is the recipe)
    or issued to an order's customer (``issued``)."""

    kind: UseKind
    order: str | None
    dish: str | None
    customer: str | None
    qty: Decimal
    unit: str
    at: datetime


@dataclass(slots=True)
class LotReport:
    """One affected lot at a site. ``hold_seq`` is its last hold; ``arrival_holds`` the
    holds the follower sent after the recall because more of it arrived (``reached_later``:
    the lot was not at the site at all when the recall was issued)."""

    lot: LotAt
    hold_seq: int
    arrival_holds: list[int] = field(default_factory=list)
    reached_later: bool = False
    stock: list[Stock] = field(default_factory=list)
    shipments: list[Shipment] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AgentHold:
    """How far an agent of the site has applied its documents, and when it first had every
    hold of the recall (``None``: not yet, it is offline or behind)."""

    agent: str
    acked_seq: int
    applied_at: datetime | None


@dataclass(frozen=True, slots=True)
class SiteHolds:
    site: str
    last_seq: int
    agents: tuple[AgentHold, ...]


@dataclass(frozen=True, slots=True)
class RecallReport:
    id: int
    item: str
    lot: str
    reason: str
    created_by: str
    created_at: datetime
    lots: tuple[LotReport, ...]
    sites: tuple[SiteHolds, ...]
    closure: Closure | None = None


@dataclass(frozen=True, slots=True)
class Closure:
    """When and by whom a recall was closed, why, and whether over unresolved stock."""

    closed_at: datetime
    closed_by: str
    reason: str
    overridden: bool


_TRIPLES = "unnest(%(sites)s::text[], %(items)s::text[], %(lots)s::text[]) AS k (site, item, lot)"
_STOCK = f"""
SELECT l.site, l.item, l.lot, l.location, l.qty, l.unit FROM {_TRIPLES}
  JOIN ledger AS l ON (l.site, l.item, l.lot) = (k.site, k.item, k.lot)
 WHERE l.qty <> 0 ORDER BY 1, 2, 3, 4
"""  # noqa: S608 (constant SQL)
_SHIPMENTS = f"""
SELECT t.from_site, t.item, t.lot, t.transfer, t.to_site, t.to_org, t.shipped, t.received, t.unit
  FROM {_TRIPLES}
  JOIN in_transit AS t ON (t.from_site, t.item, t.lot) = (k.site, k.item, k.lot)
 ORDER BY 1, 2, 3, 4, 5
"""  # noqa: S608 (constant SQL)
_USES = f"""
SELECT e.site, k.item, k.lot, e.type, e.data ->> 'order', e.data ->> 'recipe',
       e.data ->> 'customer', (e.data ->> 'qty')::numeric, e.data ->> 'unit', e.at
  FROM {_TRIPLES}
  JOIN events AS e ON e.site = k.site
 WHERE e.type IN ('stock.step_consumed', 'stock.issued')
   AND e.data ->> 'item' = k.item AND e.data ->> 'lot' = k.lot
 ORDER BY e.site, k.item, k.lot, e.at, e.agent, e.seq
"""  # noqa: S608 (constant SQL)
_AGENTS = """
SELECT g.site, g.agent, coalesce(d.seq, 0), a.applied_at
  FROM site_agents AS g
  LEFT JOIN downlink_acks AS d ON d.agent = g.agent
  LEFT JOIN recall_applied AS a ON a.recall = %(recall)s AND a.agent = g.agent
 WHERE g.site = ANY (%(site_list)s::text[])
 ORDER BY g.site, g.agent
"""


async def read_report(conn: Conn, recall_id: int) -> RecallReport | None:
    """The report of recall ``recall_id`` as the caller's sites show it; ``None`` if none
    of its sites is the caller's (or it does not exist). Agents are those of the sites
    bound to the transaction (``cloud.auth.scope.bind_sites``)."""
    cur = await conn.execute(
        "SELECT item, lot, reason, created_by, created_at, closed_at, closed_by, close_reason,"
        " overridden FROM recalls WHERE id = %s",
        (recall_id,),
    )
    head = await cur.fetchone()
    if head is None:
        return None
    cur = await conn.execute(
        "SELECT site, item, lot, seq, cause FROM recall_holds WHERE recall = %s"
        " ORDER BY 1, 2, 3, 4",
        (recall_id,),
    )
    lots: dict[LotAt, LotReport] = {}
    for site, item, lot, seq, cause in await cur.fetchall():
        at = _at(site, item, lot)
        report = lots.setdefault(at, LotReport(at, cast(int, seq), reached_later=True))
        report.hold_seq = cast(int, seq)
        if cause == "arrival":
            report.arrival_holds.append(cast(int, seq))
        else:
            report.reached_later = False
    await _fill(conn, lots)
    sites = await _site_holds(conn, recall_id, list(lots.values()))
    item, lot, reason, created_by, created_at, closed_at, closed_by, why, overridden = head
    closure = None if closed_at is None else Closure(
        cast(datetime, closed_at), str(closed_by), str(why), bool(overridden))  # fmt: skip
    return RecallReport(
        recall_id, str(item), str(lot), str(reason), str(created_by),
        cast(datetime, created_at), tuple(lots.values()), sites, closure,
    )  # fmt: skip


async def _fill(conn: Conn, lots: dict[LotAt, LotReport]) -> None:
    keys = _keys(list(lots))
    cur = await conn.execute(_STOCK, keys)
    for site, item, lot, location, qty, unit in await cur.fetchall():
        lots[_at(site, item, lot)].stock.append(Stock(str(location), _dec(qty), str(unit)))
    cur = await conn.execute(_SHIPMENTS, keys)
    for site, item, lot, transfer, to_site, to_org, shipped, received, unit in await cur.fetchall():
        lots[_at(site, item, lot)].shipments.append(Shipment(
            str(transfer), str(to_site), None if to_org is None else str(to_org),
            _dec(shipped), _dec(received), str(unit),
        ))  # fmt: skip
    cur = await conn.execute(_USES, keys)
    for site, item, lot, kind, order, dish, customer, qty, unit, at in await cur.fetchall():
        lots[_at(site, item, lot)].uses.append(Use(
            "consumed" if kind == "stock.step_consumed" else "issued", _opt(order),
            _opt(dish), _opt(customer), _dec(qty), str(unit), cast(datetime, at),
        ))  # fmt: skip


async def _site_holds(
    conn: Conn, recall_id: int, lots: Sequence[LotReport]
) -> tuple[SiteHolds, ...]:
    last: dict[str, int] = {}
    for report in lots:
        last[report.lot.site] = max(last.get(report.lot.site, 0), report.hold_seq)
    cur = await conn.execute(_AGENTS, {"recall": recall_id, "site_list": sorted(last)})
    agents: dict[str, list[AgentHold]] = {site: [] for site in last}
    for site, agent, seq, applied_at in await cur.fetchall():
        # the first time it had every hold; a hold sent later on arrival is not applied yet
        # until its ack reaches it
        done = applied_at is not None and cast(int, seq) >= last[str(site)]
        agents[str(site)].append(AgentHold(
            str(agent), cast(int, seq), cast(datetime, applied_at) if done else None
        ))  # fmt: skip
    return tuple(SiteHolds(site, last[site], tuple(agents[site])) for site in sorted(last))


def _keys(lots: Sequence[LotAt]) -> dict[str, list[str]]:
    return {
        "sites": [at.site for at in lots],
        "items": [at.item for at in lots],
        "lots": [at.lot for at in lots],
    }


def _at(site: object, item: object, lot: object) -> LotAt:
    return LotAt(str(site), str(item), str(lot))


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
