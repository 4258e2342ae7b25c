"""``edgestock demo --scenario orders`` end to end, as a user runs it: a made-to-order studio
with no stock takes two orders through the lifecycle in examples/, deposits and balances,
a finance approval, the customer's earlier note on the new order, and a report from YAML.
A story that did not happen names what is missing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from edgestock.demos.orders import NOTE, OrdersSummary
from edgestock.processes import edgestock_argv

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_the_orders_story_plays(tmp_path: Path, database_url: str) -> None:
    argv = edgestock_argv("demo", "--scenario", "orders", "--workdir", str(tmp_path / "demo"))
    argv += ["--database-url", database_url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=280, check=False)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for line in (
        "deposit_received with nothing paid: refused: 409 guard: needs 30 % paid, 0.0 %"
        " received (0 of 2400)",
        "deposit 720 CNY: paid 720, balance due 1680",
        "deposit_received: deposit_paid; then action create_order, kind production, note make"
        " the sample, status done, work_orders ['A-1001-wo",
        "sales@demo.example is notified (sales): 'sample on its way: ask the customer'",
        "customer_confirmed: waits for finance (org settings)",
        "refused: 403 four_eyes",
        "approved by finance@demo.example at ",
        "ship with the balance unpaid: refused: 409 guard: balance due 1680 is over 0",
        "ship: shipped; then action reserve_stock, status not_needed",
        f"A-1002 opened: note from an earlier order of Lin Atelier: {NOTE!r}",
        "photography 600 CNY shared by order total: A-1001 400.00, A-1002 200.00",
        "order_type,month,currency,orders,total,paid,margin",
    ):
        assert line in out, (line, out)
    (row,) = [r for r in out.splitlines() if r.startswith("made-to-order,")]
    assert row.endswith(",CNY,2,3600,2400,3000")
    assert "missing:" not in out


def test_a_story_that_did_not_happen_is_named_step_by_step() -> None:
    nothing = OrdersSummary(interrupted="SIGINT after 3 s").missing()
    assert nothing[0] == "the run was cut short (SIGINT after 3 s)"
    assert "A-1001 approved by finance: did not happen" in nothing
    assert "the earlier note shown on the new order: did not happen" in nothing
    assert "the report printed: did not happen" in nothing
    assert "the sample's work order released: did not happen" in nothing
    assert len(nothing) == 11
