"""``edgestock demo --scenario transfer`` end to end, as a user runs it: a central kitchen
ships to two restaurants of another legal entity over real agents, site bus, cloud and
PostgreSQL, one restaurant offline while its transfer travels; the lots go first to expire
first, the offline restaurant receives once back, 0.2 kg short, the vouchers carry the
amounts, and every site's cloud stock equals its edge stock. A story that did not happen
names what is missing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from edgestock.demos.transfer import TransferSummary
from edgestock.processes import edgestock_argv

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_the_transfer_story_plays_and_both_sides_agree(tmp_path: Path, database_url: str) -> None:
    argv = edgestock_argv("demo", "--scenario", "transfer", "--workdir", str(tmp_path / "demo"))
    argv += ["--database-url", database_url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=280, check=False)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "t-bistro-1: shipped by the kitchen, first to expire first: 3 kg lot M-0411" in out
    assert "1 kg lot M-0412" in out
    assert "t-bistro-2: shipped by the kitchen, first to expire first: 5 kg lot M-0412" in out
    assert "in transit (cloud): t-bistro-2: 5 kg lot M-0412 to bistro-2" in out
    assert "bistro-2's agent is stopped" in out
    assert out.index("bistro-2's agent is back") > out.index("t-bistro-1: received at bistro-1")
    assert "t-bistro-2: received at bistro-2: 4.8 kg lot M-0412 (0.2 kg short)" in out
    vouchers = [
        "t-bistro-1 receivable in the books of Central Kitchen SA (to Bistro Franchise SARL):"
        " 39.20 EUR, claim 0.00, cost of goods 25.60 (fifo), margin 13.60",
        "t-bistro-2 payable in the books of Bistro Franchise SARL (to Central Kitchen SA):"
        " 47.04 EUR, claim 1.96",
    ]
    for line in vouchers:
        assert line in out, out
    for site in ("central-kitchen", "bistro-1", "bistro-2"):
        assert f"{site}: cloud stock equals edge stock: yes" in out
    seconds = [
        float(s) for s in re.findall(r"request to both ledgers and vouchers: ([\d.]+) s", out)
    ]
    assert len(seconds) == 2
    assert all(s < 180 for s in seconds)  # the target is 3 minutes
    assert "ATP after: bistro-1: 4000 g of chicken-marinated: can promise yes" in out


def test_a_story_that_did_not_happen_is_named_step_by_step() -> None:
    nothing = TransferSummary(interrupted="SIGINT after 3 s").missing()
    assert nothing[0] == "the run was cut short (SIGINT after 3 s)"
    assert "t-bistro-2 received: did not happen" in nothing
    assert "stock in transit shown by the cloud: did not happen" in nothing
    assert "cloud stock equals edge stock at bistro-2: did not happen" in nothing
    shipped_short = TransferSummary(
        shipped={"t-bistro-1": [{"lot": "M-0411"}]}, short_at_ship={"t-bistro-1": [{"qty": "1"}]}
    ).missing()
    assert "t-bistro-1 shipped by the kitchen in full: did not happen" in shipped_short
    refused = TransferSummary(failure="CloudRefused: POST /v1/sites/x/transfers: 403").missing()
    assert refused[0] == "the story stopped: CloudRefused: POST /v1/sites/x/transfers: 403"
