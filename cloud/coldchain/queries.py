"""SQL reads behind the cold-chain views; each returns the pure types of this package."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from psycopg import AsyncConnection

from cloud.coldchain.compliance import ExcursionSpan, Limits
from cloud.coldchain.excursions import Block, Release
from cloud.coldchain.rollup import CELSIUS_UNITS, HourSums
from domain.ledger import StockKey

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class ExcursionRow:
    """An excursion as stored in ``excursions``."""

    location: str
    number: int
    status: str
    opened_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    corrective_action: str | None
    back_in_range: bool | None
    figures: dict[str, Any] | None

    def span(self) -> ExcursionSpan:
        figures = self.figures or {}
        started = figures.get("started_at")
        return ExcursionSpan(
            number=self.number,
            status=self.status,
            side=figures.get("side"),
            limit_c=_decimal(figures.get("limit_c")),
            peak_c=_decimal(figures.get("peak_c")),
            started_at=None if started is None else datetime.fromisoformat(started),
            opened_at=self.opened_at,
            closed_at=self.closed_at,
            acknowledged_by=self.acknowledged_by,
            corrective_action=self.corrective_action,
        )


@dataclass(frozen=True, slots=True)
class Reaction:
    """A safety_stock.raised or purchase.suggested event an excursion set off."""

    type: str
    at: datetime
    data: dict[str, Any]


async def site_known(conn: Conn, site: str) -> bool:
    cur = await conn.execute("SELECT EXISTS (SELECT 1 FROM events WHERE site = %s)", (site,))
    row = await cur.fetchone()
    return bool(row and row[0])


async def location_known(conn: Conn, site: str, location: str) -> bool:
    """Whether the site has seen the location: in readings, excursions or stock."""
    cur = await conn.execute(
        "SELECT EXISTS (SELECT 1 FROM site_readings_hourly "
        "WHERE site = %(s)s AND location = %(l)s) "
        "OR EXISTS (SELECT 1 FROM excursions WHERE site = %(s)s AND location = %(l)s) "
        "OR EXISTS (SELECT 1 FROM ledger WHERE site = %(s)s AND location = %(l)s)",
        {"s": site, "l": location},
    )
    row = await cur.fetchone()
    return bool(row and row[0])


async def temperature_signals(conn: Conn, site: str, location: str) -> list[tuple[str, str]]:
    """(metric, unit) of the °C readings ever rolled up at the location."""
    cur = await conn.execute(
        "SELECT DISTINCT metric, unit FROM site_readings_hourly "
        "WHERE site = %s AND location = %s AND unit = ANY(%s) ORDER BY metric, unit",
        (site, location, sorted(CELSIUS_UNITS)),
    )
    return [(str(metric), str(unit)) for metric, unit in await cur.fetchall()]


async def hourly(
    conn: Conn, site: str, location: str, signal: tuple[str, str], start: datetime, end: datetime
) -> dict[datetime, HourSums]:
    cur = await conn.execute(
        "SELECT hour, min_value, max_value, sum_value, count, sum_arrhenius "
        "FROM site_readings_hourly WHERE site = %s AND location = %s AND metric = %s AND unit = %s "
        "AND hour >= %s AND hour < %s",
        (site, location, *signal, start, end),
    )
    return {
        cast(datetime, hour): HourSums(
            cast(Decimal, low),
            cast(Decimal, high),
            cast(Decimal, total),
            int(str(count)),
            cast(float | None, arrhenius),
        )
        for hour, low, high, total, count, arrhenius in await cur.fetchall()
    }


async def readings_of_day(
    conn: Conn, site: str, location: str, signal: tuple[str, str], start: datetime, end: datetime
) -> list[tuple[datetime, Decimal]]:
    """Raw readings of [start, end) in time order, after the last one of the day before
    (which holds into the day)."""
    where = "site = %(s)s AND location = %(l)s AND metric = %(m)s AND unit = %(u)s"
    cur = await conn.execute(
        f"(SELECT at, value FROM site_readings WHERE {where} "  # noqa: S608
        "AND at >= %(before)s AND at < %(start)s ORDER BY at DESC LIMIT 1)"
        f" UNION ALL (SELECT at, value FROM site_readings WHERE {where} "
        "AND at >= %(start)s AND at < %(end)s ORDER BY at)",
        {
            "s": site,
            "l": location,
            "m": signal[0],
            "u": signal[1],
            "before": start - timedelta(days=1),
            "start": start,
            "end": end,
        },
    )
    rows = [(cast(datetime, at), cast(Decimal, value)) for at, value in await cur.fetchall()]
    return sorted(rows)


async def limits_from_excursions(conn: Conn, site: str, location: str, end: datetime) -> Limits:
    """The limits the location's latest excursions before ``end`` were judged against."""
    cur = await conn.execute(
        "SELECT DISTINCT ON (figures ->> 'side') figures ->> 'side', figures ->> 'limit_c' "
        "FROM excursions WHERE site = %s AND location = %s AND figures IS NOT NULL "
        "AND opened_at < %s ORDER BY figures ->> 'side', opened_at DESC",
        (site, location, end),
    )
    limits = {str(side): Decimal(str(limit)) for side, limit in await cur.fetchall()}
    if not limits:
        return Limits()
    return Limits(limits.get("high"), limits.get("low"), "excursions")


async def excursions(
    conn: Conn,
    site: str,
    *,
    location: str | None = None,
    status: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[ExcursionRow]:
    """Excursions of a site, optionally at one location, in one status, or overlapping
    [start, end) (open ones reach to now)."""
    cur = await conn.execute(
        "SELECT location, number, status, opened_at, closed_at, escalated_at, acknowledged_at, "
        "acknowledged_by, corrective_action, back_in_range, figures FROM excursions "
        "WHERE site = %(site)s "
        "AND (%(location)s::text IS NULL OR location = %(location)s) "
        "AND (%(status)s::text IS NULL OR status = %(status)s) "
        "AND (%(end)s::timestamptz IS NULL OR opened_at < %(end)s) "
        "AND (%(start)s::timestamptz IS NULL OR closed_at IS NULL OR closed_at >= %(start)s) "
        "ORDER BY opened_at, location, number",
        {"site": site, "location": location, "status": status, "start": start, "end": end},
    )
    return [ExcursionRow(*row) for row in await cur.fetchall()]  # type: ignore[arg-type]


async def reactions(
    conn: Conn, site: str, causes: Sequence[str]
) -> tuple[dict[str, list[Block]], dict[str, list[Reaction]]]:
    """Blocks and other reactions (safety stock, purchases) by the cause they name."""
    cur = await conn.execute(
        # The type list is spelled as in the partial index events_site_cause, so it is used.
        "SELECT type, at, data FROM events WHERE site = %s "
        "AND type IN ('lot.blocked', 'safety_stock.raised', 'purchase.suggested') "
        "AND data ->> 'cause' = ANY(%s) ORDER BY at, agent, seq",
        (site, list(causes)),
    )
    blocks: dict[str, list[Block]] = {}
    others: dict[str, list[Reaction]] = {}
    for kind, at, raw in await cur.fetchall():
        data = cast(dict[str, Any], raw)
        moment = cast(datetime, at)
        if kind == "lot.blocked":
            block = Block(_key(data), moment, data["reason"], data["cause"])
            blocks.setdefault(data["cause"], []).append(block)
        else:
            others.setdefault(data["cause"], []).append(Reaction(str(kind), moment, data))
    return blocks, others


async def releases(conn: Conn, site: str, keys: Sequence[StockKey]) -> list[Release]:
    """The lot.released events of the given stock keys."""
    cur = await conn.execute(
        "SELECT at, data FROM events WHERE site = %s AND type = 'lot.released' "
        "AND data ->> 'lot' = ANY(%s) ORDER BY at, agent, seq",
        (site, sorted({key.lot for key in keys})),
    )
    wanted = set(keys)
    found = []
    for at, raw in await cur.fetchall():
        data = cast(dict[str, Any], raw)
        key = _key(data)
        if key in wanted:
            found.append(Release(key, cast(datetime, at), data["disposition"], data["reason"],
                                 data["operator"]))  # fmt: skip
    return found


def _key(data: dict[str, Any]) -> StockKey:
    return StockKey(data["item"], data["lot"], data["location"])


def _decimal(text: object) -> Decimal | None:
    return None if text is None else Decimal(str(text))
