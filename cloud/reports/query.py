"""A dataset as one SQL statement: identifiers only from the catalogue (quoted by psycopg),
every value a parameter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import AsyncConnection, sql

from cloud.reports.catalogue import RELATIONS
from domain.reports import Dataset, Measure

Conn = AsyncConnection[tuple[object, ...]]

_OPS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_AGGS = {"sum": "sum", "avg": "avg", "min": "min", "max": "max", "count": "count"}


@dataclass(frozen=True, slots=True)
class Window:
    """The report's parameters: the sites it reads and its date range (``to`` excluded)."""

    sites: tuple[str, ...]
    start: date | None = None
    end: date | None = None


def statement(dataset: Dataset, window: Window) -> tuple[sql.Composed, dict[str, Any]]:
    """The SELECT for ``dataset`` over ``window`` and its parameters."""
    params: dict[str, Any] = {"sites": list(window.sites)}
    where: list[sql.Composable] = [sql.SQL("r.site = ANY(%(sites)s)")]
    if window.start is not None:
        where.append(sql.SQL("r.at >= (%(start)s::date AT TIME ZONE 'UTC')"))
        params["start"] = window.start
    if window.end is not None:
        where.append(sql.SQL("r.at < (%(end)s::date AT TIME ZONE 'UTC')"))
        params["end"] = window.end
    for index, rule in enumerate(dataset.filters):
        column = sql.SQL("r.{}").format(sql.Identifier(rule.field))
        key = f"f{index}"
        if rule.op == "in":
            values = rule.value if isinstance(rule.value, list) else [rule.value]
            params[key] = [str(v) for v in values]
            where.append(sql.SQL("{}::text = ANY({})").format(column, sql.Placeholder(key)))
        else:
            params[key] = str(
                rule.value
            )  # an untyped literal: PostgreSQL reads it as the column's type
            op = sql.SQL(_OPS[rule.op])
            where.append(sql.SQL("{} {} {}").format(column, op, sql.Placeholder(key)))
    groups = [sql.SQL("r.{}").format(sql.Identifier(g)) for g in dataset.group_by]
    selected = [
        sql.SQL("{} AS {}").format(g, sql.Identifier(n))
        for g, n in zip(groups, dataset.group_by, strict=True)
    ]
    selected += [
        sql.SQL("{} AS {}").format(_measure(m), sql.Identifier(m.name)) for m in dataset.measures
    ]
    query = sql.SQL("SELECT {} FROM ({}) AS r WHERE {}").format(
        sql.SQL(", ").join(selected),
        sql.SQL(RELATIONS[dataset.source]),  # constant text from the catalogue
        sql.SQL(" AND ").join(where),
    )
    if groups:
        order = sql.SQL(", ").join(groups)
        query = sql.SQL("{} GROUP BY {} ORDER BY {}").format(query, order, order)
    return query, params


def _measure(measure: Measure) -> sql.Composable:
    if measure.field is None:
        return sql.SQL("count(*)")
    column = sql.SQL("r.{}").format(sql.Identifier(measure.field))
    if measure.agg == "count_distinct":
        return sql.SQL("count(DISTINCT {})").format(column)
    return sql.SQL("{}({})").format(sql.SQL(_AGGS[measure.agg]), column)


async def run(conn: Conn, dataset: Dataset, window: Window) -> list[dict[str, Any]]:
    """The dataset's rows over ``window``, as column → value."""
    query, params = statement(dataset, window)
    cur = await conn.execute(query, params)
    names = dataset.columns()
    return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]
