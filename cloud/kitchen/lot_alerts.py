"""The board's expired and near-expiry lots that need no fold: a lot *settled* before the
day ended (its last stock event came before the end, and it was never counted out of time
order: ``lot_order``) stood at the end of the day exactly as the ledger has it now, with the
expiry the ``lots`` table holds. A kitchen that leaves a month of lots unused has hundreds
of these; only the few lots that moved after the day, or were reordered, are folded from
their events (``lot_history.live_lot_events(settled_before=…)``), as before.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from cloud.kitchen.lot_history import Conn
from domain.foodsafety import LotAlert

_SETTLED_ALERTS = """
SELECT l.item, l.lot, l.location, lo.expires_on, l.qty, l.unit
FROM ledger l
JOIN lots lo ON lo.site = l.site AND lo.item = l.item AND lo.lot = l.lot
JOIN lot_order o ON o.site = l.site AND o.item = l.item AND o.lot = l.lot
WHERE l.site = %(site)s AND l.qty > 0 AND lo.expires_on <= %(expiring_by)s
  AND NOT o.reordered AND o.last_at < %(settled_before)s
"""


async def settled_lot_alerts(
    conn: Conn, site: str, day: date, *, expiring_by: date, settled_before: datetime
) -> list[LotAlert]:
    """The alerts of ``day`` (expired before it, or expiring by ``expiring_by``) of the lots
    settled before ``settled_before`` (the day's end), from the ledger."""
    params = {"site": site, "expiring_by": expiring_by, "settled_before": settled_before}
    cur = await conn.execute(_SETTLED_ALERTS, params)
    alerts = []
    for item, lot, location, expires_on, qty, unit in await cur.fetchall():
        status: Literal["expired", "near_expiry"] = "expired" if expires_on < day else "near_expiry"
        alerts.append(LotAlert(item, lot, location, expires_on, qty, unit, status))
    return alerts
