"""The order and customer pages: an order's state, money, pending approval and journal; a
customer's notes (what to read before taking their next order) and timeline. Costs show
only to people with the cost field, as in the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from cloud.orders.customers import customer_profile
from cloud.orders.records import OrderRefused, order_view, place_of, without_costs
from cloud.web.access import site_page
from cloud.web.pages import Viewer, render

router = APIRouter(prefix="/ui/sites/{site}")
Reader = Annotated[Viewer, Depends(site_page("stock.read"))]


@router.get("/orders/{order}", response_class=HTMLResponse, summary="Order page")
async def order_page(order: str, seen: Reader) -> HTMLResponse:
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn:
            view = await order_view(conn, seen.site, order)
    except OrderRefused as refused:
        return _refused(seen, refused)
    if not seen.may("field.cost_price"):
        view = without_costs(view)
    return render(seen, "order.html", order=view)


@router.get("/customers/{customer}", response_class=HTMLResponse, summary="Customer page")
async def customer_page(customer: str, seen: Reader) -> HTMLResponse:
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn:
            profile = await customer_profile(conn, await place_of(conn, seen.site), customer)
    except OrderRefused as refused:
        return _refused(seen, refused)
    if not seen.may("field.cost_price"):
        profile = without_costs(profile)
    return render(seen, "customer.html", profile=profile)


def _refused(seen: Viewer, refused: OrderRefused) -> HTMLResponse:
    return render(seen, "refused.html", status=refused.status, code=refused.status,
                  message=refused.message)  # fmt: skip
