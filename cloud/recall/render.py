"""A recall report as JSON (per lot, per site) and CSV (one sortable row per fact)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from cloud.recall.report import LotReport, RecallReport, SiteHolds

CSV_COLUMNS = (
    "site", "item", "lot", "fact", "location", "qty", "unit", "to_site", "to_org", "transfer",
    "order", "dish", "customer", "agent", "at",
)  # fmt: skip
"""``fact``: ``stock`` (on hand at ``location``), ``shipped`` (a transfer line; ``qty`` is
what was shipped), ``consumed`` / ``issued`` (an order used it), ``hold`` (an agent of the
site; ``at`` is when it had applied the recall's holds, empty while it has not)."""


def recall_json(report: RecallReport) -> dict[str, Any]:
    """The report as a JSON-ready object."""
    return {
        "id": report.id, "item": report.item, "lot": report.lot, "reason": report.reason,
        "created_by": report.created_by, "created_at": report.created_at.isoformat(),
        "lots": [_lot(lot) for lot in report.lots],
        "sites": [_site(site, report.created_at) for site in report.sites],
        "status": "open" if report.closure is None else "closed",
        "closed": None if report.closure is None else {
            "at": report.closure.closed_at.isoformat(), "by": report.closure.closed_by,
            "reason": report.closure.reason, "overridden": report.closure.overridden},
    }  # fmt: skip


def _lot(report: LotReport) -> dict[str, Any]:
    return {
        "site": report.lot.site, "item": report.lot.item, "lot": report.lot.lot,
        "hold_seq": report.hold_seq, "arrival_holds": report.arrival_holds,
        "reached_after_recall": report.reached_later,
        "stock": [{"location": s.location, "qty": _num(s.qty), "unit": s.unit}
                  for s in report.stock],
        "shipped": [{"transfer": s.transfer, "to_site": s.to_site, "to_org": s.to_org,
                     "shipped": _num(s.shipped), "received": _num(s.received), "unit": s.unit}
                    for s in report.shipments],
        "used": [{"kind": u.kind, "order": u.order, "dish": u.dish, "customer": u.customer,
                  "qty": _num(u.qty), "unit": u.unit, "at": u.at.isoformat()}
                 for u in report.uses],
    }  # fmt: skip


def _site(site: SiteHolds, since: datetime) -> dict[str, Any]:
    return {
        "site": site.site, "last_hold_seq": site.last_seq,
        "applied": bool(site.agents) and all(a.applied_at for a in site.agents),
        "agents": [{
            "agent": a.agent, "acked_seq": a.acked_seq,
            "applied_at": a.applied_at.isoformat() if a.applied_at else None,
            "seconds_after_recall":
                None if a.applied_at is None else round((a.applied_at - since).total_seconds(), 3),
        } for a in site.agents],
    }  # fmt: skip


def recall_csv(report: RecallReport) -> str:
    """One row per fact, sorted by site, item and lot: what a spreadsheet sorts and filters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    row = dict.fromkeys(CSV_COLUMNS, "")
    for lot in report.lots:
        key = row | {"site": lot.lot.site, "item": lot.lot.item, "lot": lot.lot.lot}
        facts = [
            key | {"fact": "stock", "location": s.location, "qty": _num(s.qty), "unit": s.unit}
            for s in lot.stock
        ]
        facts += [
            key
            | {
                "fact": "shipped",
                "qty": _num(s.shipped),
                "unit": s.unit,
                "to_site": s.to_site,
                "to_org": s.to_org or "",
                "transfer": s.transfer,
            }
            for s in lot.shipments
        ]
        facts += [key | {"fact": u.kind, "qty": _num(u.qty), "unit": u.unit,
                         "order": u.order or "", "dish": u.dish or "",
                         "customer": u.customer or "", "at": u.at.isoformat()}
                  for u in lot.uses]  # fmt: skip
        writer.writerows([list(fact.values()) for fact in facts])
    for site in report.sites:
        for agent in site.agents:
            at = agent.applied_at.isoformat() if agent.applied_at else ""
            writer.writerow(
                list(
                    (
                        row | {"site": site.site, "fact": "hold", "agent": agent.agent, "at": at}
                    ).values()
                )
            )
    return buffer.getvalue()


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def recall_text(report: RecallReport) -> str:
    """The report for people: each lot with its stock, shipments and uses, then the holds."""
    lines = [f"recall {report.id} of {report.item} / {report.lot}: {report.reason}",
             f"  by {report.created_by} at {report.created_at.isoformat()}"]  # fmt: skip
    if report.closure is not None:
        c = report.closure
        lines.append(f"  closed by {c.closed_by} at {c.closed_at.isoformat()}: {c.reason}"
                     + (" (over unresolved stock)" if c.overridden else ""))  # fmt: skip
    for lot in report.lots:
        lines.append(f"{lot.lot.item} / {lot.lot.lot} @ {lot.lot.site} (hold #{lot.hold_seq})")
        if lot.arrival_holds:
            came = "reached the site after the recall" if lot.reached_later else "more arrived"
            seqs = ", ".join(f"#{seq}" for seq in lot.arrival_holds)
            lines.append(f"  {came}: held on arrival by {seqs}")
        lines += [f"  on hand {_num(s.qty)} {s.unit} at {s.location}" for s in lot.stock]
        lines += [f"  shipped {_num(s.shipped)} {s.unit} to {s.to_site} ({s.transfer}),"
                  f" {_num(s.received)} received" for s in lot.shipments]  # fmt: skip
        lines += [f"  {u.kind} {_num(u.qty)} {u.unit} by order {u.order or '-'}"
                  f" ({u.dish or u.customer or '-'}) at {u.at.isoformat()}"
                  for u in lot.uses]  # fmt: skip
    for site in report.sites:
        if not site.agents:
            lines.append(f"site {site.site}: no agent has reported yet")
        for agent in site.agents:
            when = (
                f"held {(agent.applied_at - report.created_at).total_seconds():.2f} s after"
                " the recall"
                if agent.applied_at
                else f"not yet (applied up to #{agent.acked_seq}, holds end at #{site.last_seq})"
            )
            lines.append(f"site {site.site}, agent {agent.agent}: {when}")  # fmt: skip
    return "\n".join(lines) + "\n"


def applied_everywhere(report: RecallReport) -> bool:
    """Whether every agent of every site the recall reached has applied its holds."""
    return all(site.agents and all(a.applied_at for a in site.agents) for site in report.sites)
