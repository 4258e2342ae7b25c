"""What the pages read of the lots that need no fold. A lot *settled* before a moment (its
last stock event came before it, and it was never counted out of time order: ``lot_order``)
stood at that moment, and every moment since, exactly as the ledger has it now, with the
expiry the ``lots`` table holds. A kitchen that leaves a month of lots unused has hundreds
of these; only the few lots that moved since, or were reordered, are folded from their
events (``lot_history.live_lot_events(settled_before=…)``), as before.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
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


_SETTLED_BALANCES = """
SELECT l.item, l.location, l.unit, sum(l.qty)
FROM ledger l
JOIN lot_order o ON o.site = l.site AND o.item = l.item AND o.lot = l.lot
WHERE l.site = %(site)s AND (%(item)s::text IS NULL OR l.item = %(item)s)
  AND NOT o.reordered AND o.last_at < %(settled_before)s
GROUP BY l.item, l.location, l.unit
"""


async def settled_balances(
    conn: Conn, site: str, *, settled_before: datetime, item: str | None = None
) -> list[tuple[str, str, str, Decimal]]:
    """(item, location, unit, on hand) summed over the lots settled before ``settled_before``:
    their stock then and ever since (a variance report's opening and closing alike)."""
    params = {"site": site, "item": item, "settled_before": settled_before}
    cur = await conn.execute(_SETTLED_BALANCES, params)
    rows = await cur.fetchall()
    return [(str(i), str(loc), str(unit), Decimal(qty)) for i, loc, unit, qty in rows]
