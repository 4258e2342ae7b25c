"""The order and customer pages: an order's state, money, pending approval and journal; a
customer's notes (what to read before taking their next order) and timeline. Costs show
only to people with the cost field, as in the API.

The order page acts too: fire a transition, record a payment, add a note or message, approve
or refuse the step a transition waits for (whoever holds its role), each a
form posted with the page's CSRF token (by htmx, which swaps the page's main part; a plain
post without script gets the whole page). They call the API's own functions, so the same
roles, guards and approvals apply, and a refusal shows its reason on the page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from cloud.api.decisions import Verdict
from cloud.orders.customers import customer_profile
from cloud.orders.notifications import notifications_for
from cloud.orders.records import (
    Conn,
    OrderRefused,
    Place,
    order_view,
    place_of,
    without_costs,
)
from cloud.orders.taking import PaymentKind, pay, write_note
from cloud.orders.transitions import decide, fire
from cloud.web.access import site_page
from cloud.web.pages import Viewer, render
from cloud.web.session import check_csrf

router = APIRouter(prefix="/ui/sites/{site}")
Reader = Annotated[Viewer, Depends(site_page("stock.read"))]
Editor = Annotated[Viewer, Depends(site_page("stock.adjust"))]
Csrf = Annotated[str, Form(max_length=100)]
Act = Callable[[Conn, Place], Awaitable[Any]]


@router.get("/orders/{order}", response_class=HTMLResponse, summary="Order page")
async def order_page(order: str, seen: Reader) -> HTMLResponse:
    return await _order_page(seen, order)


@router.post("/orders/{order}/transitions/{name}", response_class=HTMLResponse,
             summary="Fire a transition from the order page")  # fmt: skip
async def fire_transition(
    request: Request, order: str, name: str, seen: Editor, csrf: Csrf
) -> HTMLResponse:
    check_csrf(request, csrf)

    async def act(conn: Conn, place: Place) -> Any:
        return await fire(conn, place, order, name, seen.principal)

    return await _acting(seen, order, act, seen.speaker.t("ord.fired", transition=name))


@router.post("/orders/{order}/payments", response_class=HTMLResponse,
             summary="Record a payment from the order page")  # fmt: skip
async def record_payment(
    request: Request, order: str, seen: Editor, csrf: Csrf,
    kind: Annotated[PaymentKind, Form()],
    amount: Annotated[Decimal, Form(gt=0, allow_inf_nan=False, max_digits=18)],
) -> HTMLResponse:  # fmt: skip
    check_csrf(request, csrf)

    async def act(conn: Conn, place: Place) -> Any:
        return await pay(conn, place, order, kind, amount, seen.principal.name)

    done = seen.speaker.t("ord.paid_done", kind=seen.speaker.t(f"ord.pay_{kind}"), amount=amount)
    return await _acting(seen, order, act, done)


@router.post("/orders/{order}/notes", response_class=HTMLResponse,
             summary="Add a note or message from the order page")  # fmt: skip
async def add_note(
    request: Request, order: str, seen: Editor, csrf: Csrf,
    text: Annotated[str, Form(min_length=1, max_length=1000)],
    kind: Annotated[Literal["note", "message"], Form()] = "note",
) -> HTMLResponse:  # fmt: skip
    check_csrf(request, csrf)

    async def act(conn: Conn, place: Place) -> Any:
        return await write_note(conn, place, "", text, seen.principal.name, order_id=order,
                                kind=kind)  # fmt: skip

    return await _acting(seen, order, act, seen.speaker.t("ord.noted"))


@router.post("/orders/{order}/decision", response_class=HTMLResponse,
             summary="Approve or refuse the step the order waits for, from its page")  # fmt: skip
async def decide_from_page(
    request: Request, order: str, seen: Reader, csrf: Csrf,
    verdict: Annotated[Verdict, Form()],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:  # fmt: skip
    check_csrf(request, csrf)
    approve = verdict == "approve"

    async def act(conn: Conn, place: Place) -> Any:
        return await decide(conn, place, order, seen.principal, approve, note.strip() or None)

    return await _acting(seen, order, act, seen.speaker.t(f"ord.decided_{verdict}"))


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


async def _acting(seen: Viewer, order: str, act: Act, done: str) -> HTMLResponse:
    """Do ``act`` in one transaction; the page with what was done, or why it was refused.

    A refusal answers with its own status, except to htmx, which swaps no 4xx answer: it gets
    the same page with 200, the reason shown where the person looks."""
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn, conn.transaction():
            await act(conn, await place_of(conn, seen.site))
    except OrderRefused as refused:
        status = 200 if seen.request.headers.get("HX-Request") else refused.status
        return await _order_page(seen, order, status=status, refused=refused)
    return await _order_page(seen, order, done=done)


async def _order_page(
    seen: Viewer, order: str, *, status: int = 200, refused: OrderRefused | None = None,
    done: str | None = None,
) -> HTMLResponse:  # fmt: skip
    assert seen.site is not None
    try:
        async with seen.state.pool.connection() as conn:
            view = await order_view(conn, seen.site, order)
            place = await place_of(conn, seen.site)
            notified = [n for n in await notifications_for(conn, place, seen.principal)
                        if n.order_id == order]  # fmt: skip
    except OrderRefused as missing:
        return _refused(seen, missing)
    if not seen.may("field.cost_price"):
        view = without_costs(view)
    return render(seen, "order.html", status=status, order=view, refused=refused, done=done,
                  notified=notified, may_edit=seen.may("stock.adjust"))  # fmt: skip


def _refused(seen: Viewer, refused: OrderRefused) -> HTMLResponse:
    return render(seen, "refused.html", status=refused.status, code=refused.status,
                  message=refused.message)  # fmt: skip
