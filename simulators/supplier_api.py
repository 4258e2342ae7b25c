"""A supplier's order API: takes purchase orders over HTTP/JSON, and answers the buyer's cloud
as a real supplier would: a confirmation with a promised day, then an advance shipping notice
(ASN) with an SSCC per package, lots and expiry dates. What it does with each order (on time,
late, short) follows a plan drawn from a seed, so a run can be reproduced.

The supplier's side of the protocol:

- ``POST /orders`` takes a purchase order (``domain.purchasing.PurchaseOrder`` as JSON) and
  answers 202; the same order again is answered 200 and not acted on twice.
- It then calls the cloud, with its key in ``X-Supplier-Key``:
  ``POST {cloud}/v1/suppliers/{supplier}/confirmations`` and ``POST …/asn``.
- ``GET /orders/{po}`` says what it did with an order (``SupplierAnswer``).

``python -m simulators.supplier_api --cloud URL --supplier NAME --key KEY`` runs one.
Simulators may not import the agent or the cloud: the formats come from ``domain.purchasing``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx
from pydantic import ValidationError

from domain.gs1 import gs1_check_digit
from domain.purchasing import Asn, PurchaseOrder

log = logging.getLogger(__name__)

Outcome = Literal["on_time", "late", "short"]


@dataclass(frozen=True, slots=True)
class SupplierPlan:
    """How the supplier behaves: its usual lead time and how often it is late or short."""

    seed: int = 0
    lead_days: int = 2
    late_share: float = 0.2
    late_days: int = 3
    short_share: float = 0.1
    short_fraction: Decimal = Decimal("0.8")
    shelf_days: int = 10
    company_prefix: str = "0614141"

    def outcome(self, po: str) -> Outcome:
        """What happens to order ``po``: drawn from the seed and the id alone."""
        digest = hashlib.sha256(f"{self.seed}:{po}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        if draw < self.late_share:
            return "late"
        if draw < self.late_share + self.short_share:
            return "short"
        return "on_time"

    def sscc(self, serial: int) -> str:
        """An SSCC of this supplier: extension 0, company prefix, serial, check digit."""
        body = f"0{self.company_prefix}{serial:0{16 - len(self.company_prefix)}d}"
        return body + str(gs1_check_digit(body))


@dataclass(slots=True)
class SupplierAnswer:
    """What the supplier did with one order."""

    po: str
    outcome: Outcome
    promised_on: date
    asn: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)


def confirmation_and_asn(
    order: PurchaseOrder, plan: SupplierPlan, serial: int, now: datetime
) -> tuple[date, Asn]:
    """The promised day and the shipping notice for ``order`` (one package, one lot a line)."""
    outcome = plan.outcome(order.po)
    days = plan.lead_days + (plan.late_days if outcome == "late" else 0)
    promised = (now + timedelta(days=days)).date()
    lots = []
    for index, line in enumerate(order.lines, start=1):
        qty = line.qty
        if outcome == "short":
            qty = (qty * plan.short_fraction).quantize(Decimal("0.001"), rounding=ROUND_DOWN)
        lots.append({
            "item": line.item, "lot": f"{order.po}-L{index}", "qty": str(qty), "unit": line.unit,
            "expires_on": (promised + timedelta(days=plan.shelf_days)).isoformat(),
            "gtin": line.gtin,
        })  # fmt: skip
    asn = Asn.model_validate({
        "site": order.site, "po": order.po, "asn": f"asn-{order.po}", "shipped_at": now,
        "expected_at": datetime.combine(promised, datetime.min.time(), UTC),
        "packages": [{"sscc": plan.sscc(serial), "lots": lots}],
    })  # fmt: skip
    return promised, asn


class SupplierSimulator:
    """The supplier's API on 127.0.0.1, acting on each order in a worker thread."""

    def __init__(self, cloud_url: str, supplier: str, key: str, plan: SupplierPlan) -> None:
        self.cloud_url, self.supplier, self.key, self.plan = cloud_url, supplier, key, plan
        self.answers: dict[str, SupplierAnswer] = {}
        self.acted = threading.Condition()
        self._orders: queue.Queue[PurchaseOrder | None] = queue.Queue()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        """Where the API takes orders (the endpoint the cloud is given)."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        """Serve and act until ``stop``; the API's URL."""
        for target in (self._server.serve_forever, self._work):
            thread = threading.Thread(target=target, name=f"supplier-{self.supplier}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.url

    def stop(self) -> None:
        """Stop serving and acting; waits for both threads (bounded)."""
        self._server.shutdown()
        self._server.server_close()
        self._orders.put(None)
        for thread in self._threads:
            thread.join(timeout=30)

    def wait_for(self, po: str, timeout_s: float = 30.0) -> SupplierAnswer:
        """The answer to ``po`` once the supplier has shipped it (TimeoutError after that)."""
        with self.acted:
            if not self.acted.wait_for(lambda: _done(self.answers.get(po)), timeout_s):
                raise TimeoutError(f"supplier {self.supplier} did not act on {po} in {timeout_s}s")
            return self.answers[po]

    def take(self, order: PurchaseOrder) -> bool:
        """Queue ``order`` once; False when it was taken before."""
        with self.acted:
            if order.po in self.answers:
                return False
            self.answers[order.po] = SupplierAnswer(order.po, self.plan.outcome(order.po), date.min)
        self._orders.put(order)
        return True

    def _work(self) -> None:
        with httpx.Client(base_url=self.cloud_url, timeout=30) as cloud:
            serial = 1
            while (order := self._orders.get()) is not None:
                self._act(cloud, order, serial)
                serial += 1

    def _act(self, cloud: httpx.Client, order: PurchaseOrder, serial: int) -> None:
        promised, asn = confirmation_and_asn(order, self.plan, serial, datetime.now(UTC))
        headers = {"X-Supplier-Key": self.key}
        base = f"/v1/suppliers/{self.supplier}"
        confirmation = {"site": order.site, "po": order.po, "promised_on": promised.isoformat()}
        errors = []
        for path, body in ((f"{base}/confirmations", confirmation),
                           (f"{base}/asn", asn.model_dump(mode="json"))):  # fmt: skip
            try:
                reply = cloud.post(path, json=body, headers=headers)
                if reply.status_code != 200:
                    errors.append(f"{path}: {reply.status_code} {reply.text[:300]}")
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {exc!r}")
        with self.acted:
            answer = self.answers[order.po]
            answer.promised_on, answer.errors = promised, errors
            answer.asn = asn.model_dump(mode="json")
            self.acted.notify_all()
        log.info("order %s: %s, promised %s, errors %s", order.po, answer.outcome, promised, errors)


def _done(answer: SupplierAnswer | None) -> bool:
    return answer is not None and (answer.asn is not None or bool(answer.errors))


def _handler(simulator: SupplierSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/orders":
                self._send(404, {"error": "not_found", "message": f"no {self.path}"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                order = PurchaseOrder.model_validate_json(self.rfile.read(length))
            except ValidationError as exc:
                self._send(422, {"error": "bad_order", "message": str(exc)})
                return
            if order.supplier != simulator.supplier:
                message = f"this is {simulator.supplier!r}, not {order.supplier!r}"
                self._send(422, {"error": "other_supplier", "message": message})
                return
            taken = simulator.take(order)
            self._send(202 if taken else 200, {"po": order.po, "taken": taken})

        def do_GET(self) -> None:
            po = self.path.removeprefix("/orders/")
            with simulator.acted:
                answer = simulator.answers.get(po)
                body = asdict(answer) if answer else None
            if body is None:
                self._send(404, {"error": "unknown_order", "message": f"no order {po!r}"})
            else:
                self._send(200, body)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    return Handler


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m simulators.supplier_api``: one supplier's API until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m simulators.supplier_api")
    parser.add_argument("--cloud", required=True, help="the cloud API's base URL")
    parser.add_argument("--supplier", required=True)
    parser.add_argument("--key", required=True, help="the supplier's key the cloud made")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    simulator = SupplierSimulator(args.cloud, args.supplier, args.key, SupplierPlan(args.seed))
    log.info("supplier %s takes orders at %s/orders", args.supplier, simulator.start())
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    simulator.stop()


if __name__ == "__main__":
    main()
