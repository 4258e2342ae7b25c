"""The PDA's Receiving page: the deliveries the site expects, a scan of a package's SSCC label
(the phone's camera or a hardware scanner typing into the code field), the package's lots
offered as announced for the person to correct, and the receipt: what differs from the
notice, where to put each lot away, and its label files (ZPL for the thermal printer, PDF).

Receipts go through the agent's ``ReceivingDesk`` (``edge_agent.purchasing``); a refusal is
shown with why. The page's words are its own (English and Simplified Chinese) so that the
shared word list is not edited for one page.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from domain.gs1 import Gs1Error
from edge_agent.purchasing.receiving import CountedLot, ReceiptRefused, ReceivingDesk
from edge_agent.web.pda_form import read_label
from edge_agent.web.pda_transfers import FormRefused, arrived_lots
from edge_agent.web.rendering import Pages

Text = Annotated[str, Form()]
Texts = Annotated[list[str], Form()]
LABEL_FILE = re.compile(r"^[A-Za-z0-9._-]{1,120}\.(zpl|pdf)$")

WORDS = {
    "en": {
        "receiving": "Receiving", "expected": "Expected deliveries", "none": "Nothing expected.",
        "scan": "Scan the package's SSCC", "code": "Code", "find": "Find package",
        "location": "Received at", "operator": "Operator", "po": "Order", "supplier": "Supplier",
        "package": "Package", "done": "received", "waiting": "to receive", "not_shipped":
        "not shipped yet", "item": "Item", "lot": "Lot", "accepted": "Accepted",
        "damaged": "Damaged", "expires": "Expires", "receive": "Receive", "received": "Received",
        "differences": "Differences", "no_differences": "As announced.", "putaway": "Put away",
        "labels": "Labels", "refused": "Refused", "no_receiving": "This agent does not receive "
        "purchase orders.", "short": "short", "over": "over", "wrong_lot": "wrong lot",
        "not_ordered": "not ordered", "expected_qty": "expected", "came": "came",
    },
    "zh-CN": {
        "receiving": "收货", "expected": "待收货", "none": "没有待收货。",
        "scan": "扫描包装的 SSCC", "code": "条码", "find": "查找包装", "location": "收货位置",
        "operator": "操作员",
        "po": "采购单", "supplier": "供应商", "package": "包装", "done": "已收货",
        "waiting": "待收货", "not_shipped": "尚未发货", "item": "物料", "lot": "批次",
        "accepted": "合格数", "damaged": "破损", "expires": "到期", "receive": "收货",
        "received": "已收货",
        "differences": "差异", "no_differences": "与通知一致。", "putaway": "上架",
        "labels": "标签", "refused": "已拒绝", "no_receiving": "此代理不处理采购收货。",
        "short": "短缺", "over": "超收", "wrong_lot": "批次不符", "not_ordered": "未订购",
        "expected_qty": "应到", "came": "实到",
    },
}  # fmt: skip


def router(pages: Pages) -> APIRouter:
    """The Receiving page's routes (404 when the agent has no receiving desk)."""
    routes = APIRouter(prefix="/pda/receiving")

    def render(request: Request, template: str, status: int = 200, **context: object
               ) -> HTMLResponse:  # fmt: skip
        words = WORDS[pages.words(request).lang]
        return pages.render(request, template, status, w=words, **context)

    def desk_of(request: Request) -> ReceivingDesk | HTMLResponse:
        desk = pages.sources.receiving
        if desk is None:
            return pages.render(request, "missing.html", 404, why="no_receiving")
        return desk

    @routes.get("", response_class=HTMLResponse)
    async def page(request: Request) -> HTMLResponse:
        """The deliveries expected, each package with whether it was received."""
        desk = desk_of(request)
        if isinstance(desk, HTMLResponse):
            return desk
        deliveries = [
            (d, [(p, desk.is_received(p)) for p in d.asn.packages] if d.asn else [])
            for d in desk.expected()
        ]
        return render(request, "pda_receiving.html", deliveries=deliveries)

    @routes.post("/scan", response_class=HTMLResponse)
    async def scan(request: Request, code: Text = "") -> HTMLResponse:
        """The package a scanned label names, its lots offered as announced."""
        desk = desk_of(request)
        if isinstance(desk, HTMLResponse):
            return desk
        try:
            delivery, package = desk.find(sscc_of(code))
        except (ValueError, Gs1Error) as exc:
            return render(request, "pda_receiving_result.html", 422, refusal=str(exc))
        return render(request, "pda_receiving_package.html", delivery=delivery, package=package)

    @routes.post("/receive", response_class=HTMLResponse)
    async def receive(
        request: Request,
        sscc: Text = "",
        location: Text = "",
        operator: Text = "",
        item: Texts = [],  # noqa: B006 - FastAPI reads the form's repeated fields
        lot: Texts = [],  # noqa: B006
        accepted: Texts = [],  # noqa: B006
        damaged: Texts = [],  # noqa: B006
        expires: Texts = [],  # noqa: B006
    ) -> HTMLResponse:
        """Record what came of the package ``sscc``, row by row."""
        desk = desk_of(request)
        if isinstance(desk, HTMLResponse):
            return desk
        try:
            for name, value in (("location", location), ("operator", operator)):
                if not value.strip():
                    raise FormRefused(f"{name}: missing")
            counted = counted_lots(item, lot, accepted, damaged, expires)
            receipt = await desk.receive(sscc, counted, location.strip(), operator.strip())
        except (FormRefused, ReceiptRefused) as exc:
            return render(request, "pda_receiving_result.html", 422, refusal=str(exc))
        return render(request, "pda_receiving_result.html", receipt=receipt)

    @routes.get("/labels/{name}")
    async def label(request: Request, name: str) -> Response:
        """A label file written by a receipt (ZPL as text, PDF as PDF)."""
        desk = desk_of(request)
        if isinstance(desk, HTMLResponse):
            return desk
        path = desk.labels / name
        if not LABEL_FILE.match(name) or not path.is_file():
            return Response(f"no label {name!r}", status_code=404, media_type="text/plain")
        kind = "application/pdf" if name.endswith(".pdf") else "text/plain; charset=utf-8"
        return FileResponse(path, media_type=kind, filename=name)

    return routes


def sscc_of(code: str) -> str:
    """The SSCC (AI 00) of what the scanner typed or the camera read."""
    label = read_label(code)
    if label is None:
        raise FormRefused("code: scan the package's SSCC label")
    sscc = dict(label.elements).get("00")
    if sscc is None:
        raise FormRefused("code: this label has no SSCC (AI 00): scan the package's label")
    return sscc


def counted_lots(
    items: list[str], lots: list[str], accepted: list[str], damaged: list[str],
    expires: list[str],
) -> list[CountedLot]:  # fmt: skip
    """The form's rows as counted lots (read as the Transfers page reads its receipts: a row
    without a lot and an amount is left out; ``FormRefused`` says which row is wrong)."""
    return [
        CountedLot(row.item, row.lot, row.accepted + row.damaged, row.damaged, row.expires_on)
        for row in arrived_lots(items, lots, accepted, damaged, expires)
    ]
