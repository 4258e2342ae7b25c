"""The PDA's Transfers page: what the site is to ship and to receive, a Ship button per
order, and a receive form per expected order.

The receiver has the order only (not what was shipped): each order line offers a row filled
with the order's quantity, and an empty row for a second lot, and the person corrects them
to what arrived (the lot from its label, accepted and damaged, its expiry). Rows without a
lot and without a quantity are left out. Shipping and receiving go through the agent's
``TransferDesk`` (``edge_agent.transfers``), as the site bus's commands do; a refusal is
shown with why.

A transfer closed in the cloud leaves both lists and is shown under Closed instead: who
closed it, on which day, what was written off as lost and why. The receiver may still record
a late receipt of it (the cloud takes one after the close, and the line is then received).
Closes older than ``CLOSED_SHOWN`` (two weeks) are no longer listed; a late receipt is
still taken whenever it comes.
The words of that part are the page's own (English and Simplified Chinese), so that the
shared word list is not edited for one part of one page.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from domain.payloads import TransferShipped
from edge_agent.transfers.desk import TransferDesk
from edge_agent.transfers.receiving import ArrivedLot
from edge_agent.web.rendering import Pages

Text = Annotated[str, Form()]
Texts = Annotated[list[str], Form()]


CLOSED_SHOWN = timedelta(days=14)
"""How long a closed transfer stays on the page after its close."""

WORDS = {
    "en": {
        "closed": "Closed", "none_closed": "No closed transfers.",
        "closed_line": "closed by {who} on {day}: {lost} written off as lost",
        "lost_lot": "{amount} of {item} lot {lot}", "reason": "Why",
        "late_receipt": "Late receipt",
        "late_note": "Late receipt: {transfer} was closed by {who} on {day}; what arrived is "
        "received, no longer lost.",
    },
    "zh-CN": {
        "closed": "已关闭", "none_closed": "没有已关闭的调拨。",
        "closed_line": "已由 {who} 于 {day} 关闭：{lost} 记为在途丢失",
        "lost_lot": "{item} 批次 {lot} {amount}", "reason": "原因",
        "late_receipt": "迟到收货",
        "late_note": "迟到收货：{transfer} 已由 {who} 于 {day} 关闭；"
        "实到部分记为已收货，不再记为丢失。",
    },
}  # fmt: skip


class FormRefused(ValueError):
    """A receive form that cannot be read: which row and field, and why."""


def router(pages: Pages) -> APIRouter:
    """The Transfers page's routes (404 when the agent has no transfer desk)."""
    sources = pages.sources
    routes = APIRouter(prefix="/pda/transfers")

    def words(request: Request) -> dict[str, str]:
        return WORDS[pages.words(request).lang]

    def checked(request: Request, operator: str, doing: str) -> TransferDesk | HTMLResponse:
        """The desk, or the page that says why nothing can be done (no desk, no operator)."""
        if sources.transfers is None:
            return pages.render(request, "missing.html", 404, why="no_transfers")
        if not operator.strip():
            return _refused(pages, request, f"operator: who {doing} it")
        return sources.transfers

    @routes.get("", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        """What to ship and what to receive, as the store and the inbox say now."""
        desk = sources.transfers
        if desk is None:
            return pages.render(request, "missing.html", 404, why="no_transfers")
        to_ship = [o for o in desk.to_ship() if not o.done and o.closed is None]
        to_receive = [o for o in desk.to_receive() if not o.received and o.closed is None]
        return pages.render(request, "pda_transfers.html", to_ship=to_ship,
                            to_receive=to_receive, closed=desk.closed(CLOSED_SHOWN),
                            w=words(request))  # fmt: skip

    @routes.post("/ship", response_class=HTMLResponse)
    async def ship(request: Request, transfer: Text = "", operator: Text = "") -> HTMLResponse:
        """Ship what is left of ``transfer``: the lots shipped, what was short."""
        desk = checked(request, operator, "ships")
        if isinstance(desk, HTMLResponse):
            return desk
        try:
            done = await desk.ship(transfer, operator.strip())
        except ValueError as exc:
            return _refused(pages, request, str(exc))
        shipped = [
            d.payload for d in done.shipment.drafts if isinstance(d.payload, TransferShipped)
        ]
        return pages.render(request, "pda_transfer_result.html", transfer=transfer,
                            shipped=shipped, short=done.shipment.short,
                            already=done.already_shipped)  # fmt: skip

    @routes.post("/receive", response_class=HTMLResponse)
    async def receive(
        request: Request,
        transfer: Text = "",
        operator: Text = "",
        item: Texts = [],  # noqa: B006 - FastAPI reads the form's repeated fields
        lot: Texts = [],  # noqa: B006
        accepted: Texts = [],  # noqa: B006
        damaged: Texts = [],  # noqa: B006
        expires: Texts = [],  # noqa: B006
    ) -> HTMLResponse:
        """Record what arrived of ``transfer``, row by row."""
        desk = checked(request, operator, "received")
        if isinstance(desk, HTMLResponse):
            return desk
        late = desk.late_receipt_of(transfer)
        try:
            arrived = arrived_lots(item, lot, accepted, damaged, expires)
            received = await desk.receive(transfer, arrived, operator.strip())
        except ValueError as exc:
            return _refused(pages, request, str(exc))
        return pages.render(request, "pda_transfer_result.html", transfer=transfer,
                            received=received, late=late, w=words(request))  # fmt: skip

    return routes


def arrived_lots(
    items: list[str], lots: list[str], accepted: list[str], damaged: list[str],
    expires: list[str],
) -> list[ArrivedLot]:  # fmt: skip
    """The form's rows as lots that arrived; empty rows left out (``FormRefused`` says which
    row is wrong and why)."""
    rows = []
    for n, item in enumerate(items):
        lot = _at(lots, n).strip()
        took, broke = _at(accepted, n).strip(), _at(damaged, n).strip()
        if not lot and not took and not broke:
            continue
        if not lot:
            raise FormRefused(f"row {n + 1} ({item}): the lot, from its label")
        day = _at(expires, n).strip()
        rows.append(ArrivedLot(item, lot, _amount(took, n, "accepted"),
                               _amount(broke, n, "damaged"),
                               expires_on=date.fromisoformat(day) if day else None))  # fmt: skip
    if not rows:
        raise FormRefused("nothing counted: give the lot and what arrived")
    return rows


def _at(values: list[str], n: int) -> str:
    return values[n] if n < len(values) else ""


def _amount(text: str, n: int, what: str) -> Decimal:
    if not text:
        return Decimal(0)
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise FormRefused(f"row {n + 1}: {what} {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise FormRefused(f"row {n + 1}: {what} {text!r} must be 0 or more")
    return value


def _refused(pages: Pages, request: Request, why: str) -> HTMLResponse:
    return pages.render(request, "pda_transfer_result.html", 422, refusal=why)
