"""Views of a site: on-hand stock by item, lot and location, with the holds on it and, for
those who may see it, the cost price in force; as JSON or a CSV export."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from cloud.api.deps import StateDep
from cloud.api.schemas import CostPricePublic, HoldPublic, SiteStockPublic, StockLinePublic
from cloud.auth.deps import Principal, require
from cloud.auth.fields import hidden_fields, without
from cloud.auth.scope import site_scope
from cloud.http.disposition import attachment
from cloud.orgs.costs import CostPrice, costs_in_force
from cloud.state import CloudState

router = APIRouter(prefix="/v1/sites", tags=["sites"])

_QUERY = (
    "SELECT l.item, l.lot, l.location, l.qty, l.unit, h.reason, h.cause FROM ledger AS l "
    "LEFT JOIN lot_holds AS h ON h.held AND (h.site, h.item, h.lot, h.location) = "
    "(l.site, l.item, l.lot, l.location) WHERE l.site = %s AND (%s::text IS NULL OR l.item = %s) "
    "ORDER BY l.item, l.lot, l.location"
)

_CSV = {200: {"content": {"text/csv": {}}, "description": "the stock, as JSON or CSV"}}


@router.get(
    "/{site}/stock",
    response_model=SiteStockPublic,
    responses=_CSV,
    summary="On-hand stock of a site (cost price only for holders of field.cost_price)",
)
async def get_stock(
    site: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    item: str | None = Query(default=None, description="only this item"),
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    hidden = hidden_fields(principal)
    lines = await stock_lines(state, principal, site, item)
    if format == "csv":
        return _csv(site, lines, hidden)
    body = SiteStockPublic(site=site, lines=lines).model_dump(mode="json")
    # a line without a cost price in force has none to show either: absent, like a hidden one
    body["lines"] = [
        without(line, hidden if line["cost_price"] else hidden | {"cost_price"})
        for line in body["lines"]
    ]
    return JSONResponse(body)


async def stock_lines(
    state: CloudState, principal: Principal, site: str, item: str | None = None
) -> list[StockLinePublic]:
    """The site's on-hand lines with their holds, and the cost price in force where
    ``principal`` may see it (None otherwise): what the API and the stock page show."""
    costs: dict[str, CostPrice] = {}
    if "cost_price" not in hidden_fields(principal) and principal.node_id is not None:
        async with state.pool.connection() as conn:
            costs = await costs_in_force(conn, principal.node_id)
    async with site_scope(state.tenant_pool, [site]) as conn:
        cur = await conn.execute(_QUERY, (site, item, item))
        rows = await cur.fetchall()
    return [_line(row, costs.get(str(row[0]))) for row in rows]


def _line(row: tuple[Any, ...], cost: CostPrice | None) -> StockLinePublic:
    item, lot, location, qty, unit, reason, cause = row
    return StockLinePublic(
        item=item,
        lot=lot,
        location=location,
        qty=str(qty),
        unit=unit,
        held=None if reason is None else HoldPublic(reason=reason, cause=cause),
        cost_price=None if cost is None else CostPricePublic(
            amount=str(cost.amount), currency=cost.currency, per_unit=cost.per_unit
        ),
    )  # fmt: skip


def _csv(site: str, lines: list[StockLinePublic], hidden: frozenset[str]) -> Response:
    """The export: the columns of the JSON lines, flattened, with hidden fields absent."""
    rows = []
    for line in lines:
        held, cost = line.held, line.cost_price
        rows.append(without({
            "item": line.item, "lot": line.lot, "location": line.location, "qty": line.qty,
            "unit": line.unit, "held_reason": held and held.reason,
            "held_cause": held and held.cause,
            "cost_price": cost and f"{cost.amount} {cost.currency}/{cost.per_unit}",
        }, hidden))  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(without(_COLUMNS, hidden)), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"stock-{site}.csv")},
    )


_COLUMNS = dict.fromkeys(
    ("item", "lot", "location", "qty", "unit", "held_reason", "held_cause", "cost_price")
)
