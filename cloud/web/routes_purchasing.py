"""The purchasing pages: a site's purchase orders and their states, one order with its
lines, every change (who, when, as which role), what came in and how it differed, and a
supplier's lead-time history (each delivery's order-to-receipt days, mean and σ)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from cloud.orgs.tree import node_of_site, root_of
from cloud.purchasing.orders import PurchaseRefused, orders_of_site
from cloud.purchasing.receipts import lead_time_stats, receipt_of, refresh_receipts, refresh_site
from cloud.purchasing.receipts import supplier_history as history_of
from cloud.web.access import PageRefused, site_page
from cloud.web.pages import Viewer, render

router = APIRouter(prefix="/ui/sites/{site}")
Reader = Annotated[Viewer, Depends(site_page("stock.read"))]
Lister = Annotated[Viewer, Depends(site_page("stock.read", names=False))]
"""A page that names no item (the list of orders, a supplier's deliveries)."""


def state_words(t: Callable[..., str]) -> dict[str, str]:
    """Each order state in the viewer's language."""
    return {
        "draft": t("po.draft"), "awaiting_approval": t("po.awaiting_approval"),
        "sent": t("po.sent"), "confirmed": t("po.confirmed"), "shipped": t("po.shipped"),
        "partly_received": t("po.partly_received"), "received": t("po.received"),
        "closed": t("po.closed"), "refused": t("po.refused"), "cancelled": t("po.cancelled"),
    }  # fmt: skip


def kind_words(t: Callable[..., str]) -> dict[str, str]:
    """Each kind of discrepancy in the viewer's language."""
    return {
        "short": t("po.short"), "over": t("po.over"), "wrong_lot": t("po.wrong_lot"),
        "damaged": t("po.damaged"), "not_ordered": t("po.not_ordered"),
    }  # fmt: skip


@router.get("/purchase-orders", response_class=HTMLResponse, summary="Purchase orders page")
async def orders_page(seen: Lister) -> HTMLResponse:
    assert seen.site is not None
    async with seen.state.pool.connection() as conn, conn.transaction():
        await refresh_site(conn, seen.site)
        rows = await orders_of_site(conn, seen.site)
    return render(seen, "purchase_orders.html", rows=rows, states=state_words(seen.speaker.t))


@router.get("/purchase-orders/{po}", response_class=HTMLResponse, summary="Purchase order page")
async def order_page(po: str, seen: Reader) -> HTMLResponse:
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn, conn.transaction():
            record = await refresh_receipts(conn, seen.site, po)
            receipt = await receipt_of(conn, record)
    except PurchaseRefused as refused:
        raise PageRefused(refused.status, refused.message) from refused
    t = seen.speaker.t
    return render(seen, "purchase_order.html", record=record, receipt=receipt,
                  states=state_words(t), kinds=kind_words(t))  # fmt: skip


@router.get("/suppliers/{supplier}", response_class=HTMLResponse, summary="Supplier lead time")
async def supplier_page(supplier: str, seen: Lister) -> HTMLResponse:
    assert seen.site is not None
    async with seen.state.pool.connection() as conn, conn.transaction():
        node_id = await node_of_site(conn, seen.site)
        assert node_id is not None  # site_page answered 404 otherwise
        org_id = await root_of(conn, node_id)
        stats = await lead_time_stats(conn, supplier, org_id=org_id)
        deliveries = await history_of(conn, supplier, org_id=org_id)
    return render(seen, "supplier.html", supplier=supplier, stats=stats, deliveries=deliveries)
