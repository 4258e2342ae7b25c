"""The transfer demo's stock at the edge: the kitchen's lots before its agent starts, what a
site's store has received from the down-channel, and a ledger as lines to print."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from edgestock.demos.console import say
from edgestock.demos.ledgers import Ledger
from edgestock.demos.stack import EnrolledAgent

COLD_ROOM = "cold-1"


def stock_the_kitchen(agent: EnrolledAgent, site: str) -> None:
    """20 kg of chicken received at 6.40 EUR/kg, and two lots of marinated chicken made from
    it (3 kg yesterday, expiring first; 11 kg this morning), written before the agent starts."""
    from domain.events import EventDraft
    from domain.payloads import LotInput, LotReceived, StockConsumed, StockProduced
    from edge_agent.store import EdgeStore

    now = datetime.now(UTC) - timedelta(hours=2)
    today = now.date()
    chicken = LotReceived(item="chicken-thigh", lot="C-0412", location=COLD_ROOM, qty="20",
                          unit="kg", unit_cost="6.40", currency="EUR", supplier="metro-poultry",
                          expires_on=today + timedelta(days=5))  # fmt: skip
    drafts = [EventDraft("lot.received", now, chicken)]
    for n, (lot, kg, days) in enumerate((("M-0411", "3", 1), ("M-0412", "11", 3)), start=1):
        used = LotInput(item="chicken-thigh", lot="C-0412", location=COLD_ROOM, qty=kg,
                        unit="kg")  # fmt: skip
        at = now + timedelta(minutes=10 * n)
        consumed = StockConsumed(item="chicken-thigh", lot="C-0412", location=COLD_ROOM, qty=kg,
                                 unit="kg")  # fmt: skip
        drafts.append(EventDraft("stock.consumed", at, consumed))
        made = StockProduced(item="chicken-marinated", lot=lot, location=COLD_ROOM, qty=kg,
                             unit="kg", inputs=[used], recipe="marinade", step="marinate",
                             expires_on=today + timedelta(days=days))  # fmt: skip
        drafts.append(EventDraft("stock.produced", at, made))
    store = EdgeStore(agent.store, agent=agent.id, site=site)
    try:
        store.append(drafts)
    finally:
        store.close()
    say(f"{site}: 20 kg chicken-thigh lot C-0412 at 6.40 EUR/kg; marinated lots M-0411 (3 kg,"
        " expires tomorrow) and M-0412 (11 kg) made from it")  # fmt: skip


def has_document(agent: EnrolledAgent, kind: str, transfer: str) -> bool:
    """Whether the agent's store has kept a ``kind`` document of ``transfer``."""
    from edge_agent.downlink.inbox import DownlinkInbox

    if not Path(agent.store).exists():
        return False
    inbox = DownlinkInbox(Path(agent.store))
    try:
        return any(f'"transfer":"{transfer}"' in kept.signed.body for kept in inbox.of_kind(kind))
    finally:
        inbox.close()


def describe_ledger(ledger: Ledger) -> list[str]:
    """One line per balance, in kg where the base unit is g."""
    lines = []
    for (item, lot, location), (qty, unit) in sorted(ledger.items()):
        shown = f"{qty / 1000} kg" if unit == "g" else f"{qty} {unit}"
        lines.append(f"{item:18} lot {lot:8} at {location:8} {shown}")
    return lines or ["(empty)"]
