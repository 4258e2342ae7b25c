"""Running a stored dataset for a caller: the sites they may read, the columns they may see,
then the rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import AsyncConnection

from cloud.approvals.refusal import Refused
from cloud.auth.grants import sites_with
from cloud.auth.principal import Principal
from cloud.orgs.tree import node_of_site, root_of
from cloud.reports.query import Window, run
from cloud.reports.store import get_dataset
from domain.reports import SOURCES, Dataset

Conn = AsyncConnection[tuple[object, ...]]


class ReportRefused(Refused):
    """A report that cannot be run as asked, with the reason."""


@dataclass(frozen=True, slots=True)
class Result:
    dataset: Dataset
    columns: list[str]
    hidden: list[str]
    rows: list[dict[str, Any]]
    sites: tuple[str, ...]


async def readable_sites(conn: Conn, principal: Principal, site: str | None) -> tuple[str, ...]:
    """The sites the report reads: ``site`` if the caller may read it, else all they may."""
    if principal.kind == "anonymous":
        if site is None:
            raise ReportRefused(422, "site_needed", "site: name one (no caller to scope by)")
        return (site,)
    mine = await sites_with(conn, principal, "stock.read")
    if site is None:
        if not mine:
            raise ReportRefused(403, "no_sites", f"{principal.name} may read no site")
        return tuple(sorted(mine))
    if site not in mine:
        raise ReportRefused(403, "not_your_site", f"{principal.name} lacks stock.read at {site!r}")
    return (site,)


async def run_report(
    conn: Conn, principal: Principal, name: str, site: str | None, start: date | None,
    end: date | None,
) -> Result:  # fmt: skip
    """Run the caller's organisation's dataset ``name`` over the sites they may read."""
    sites = await readable_sites(conn, principal, site)
    node_id = await node_of_site(conn, sites[0])
    if node_id is None:
        raise ReportRefused(404, "unknown_site", f"site {sites[0]!r} is unknown")
    dataset = await get_dataset(conn, await root_of(conn, node_id), name)
    if dataset is None:
        raise ReportRefused(404, "unknown_report", f"no report {name!r} in this organisation")
    unseen = await _unseen_gates(conn, principal, dataset, sites)
    fields = SOURCES[dataset.source]
    for rule in dataset.filters:
        gate = fields[rule.field].gate
        if gate in unseen:
            message = f"the report filters on {rule.field}, which only {gate} may see"
            raise ReportRefused(403, "gated_filter", message)
    hidden = [column for column, gate in dataset.gates().items() if gate in unseen]
    rows = await run(conn, dataset, Window(sites, start, end))
    columns = [c for c in dataset.columns() if c not in hidden]
    shown = [{c: row[c] for c in columns} for row in rows]
    return Result(dataset, columns, hidden, shown, sites)


async def _unseen_gates(
    conn: Conn, principal: Principal, dataset: Dataset, sites: tuple[str, ...]
) -> set[str]:
    """The gates of the dataset the caller does not hold at every site it reads."""
    if principal.kind == "anonymous":
        return set()
    gates = {spec.gate for spec in SOURCES[dataset.source].values() if spec.gate}
    return {g for g in gates if not set(sites) <= set(await sites_with(conn, principal, g))}
