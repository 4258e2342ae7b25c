"""The SQL behind each source of ``domain.reports.SOURCES``: one constant relation per
source whose columns are named as the fields, plus ``at`` (the time the report's date range
applies to). A report names fields; only these texts reach the database. Days, weeks
(from Monday) and months are UTC's, whatever the database session's zone."""

from __future__ import annotations

from collections.abc import Mapping

# The cost price in force at each site is found once per site, item and unit (the nearest
# node above the site that sets one), not once per event: per event it was 2.8 s for 20
# sites of 10,000 events each, against 0.28 s this way (docs/reports.md).
_LOSSES = """
WITH site_costs AS (
    SELECT DISTINCT ON (n.site, ic.item, ic.per_unit) n.site, ic.item, ic.per_unit,
           ic.cost_price
    FROM org_nodes AS n
    CROSS JOIN LATERAL org_ancestors(n.id) AS a
    JOIN item_costs AS ic ON ic.node_id = a.id
    WHERE n.site IS NOT NULL
    ORDER BY n.site, ic.item, ic.per_unit, a.depth
)
SELECT e.site, e.at, (e.at AT TIME ZONE 'UTC')::date AS day,
       date_trunc('week', e.at AT TIME ZONE 'UTC')::date AS week,
       e.data->>'item' AS item, e.data->>'lot' AS lot, e.data->>'location' AS location,
       coalesce(e.data->>'code', '') AS code, e.data->>'reason' AS reason,
       e.data->>'unit' AS unit, -(e.data->>'qty')::numeric AS qty_lost,
       -(e.data->>'qty')::numeric * cost.cost_price AS value_lost
FROM events AS e
LEFT JOIN site_costs AS cost  -- in the unit of the loss, else no value
    ON (cost.site, cost.item, cost.per_unit) = (e.site, e.data->>'item', e.data->>'unit')
WHERE e.type = 'stock.adjusted' AND (e.data->>'qty')::numeric < 0
"""

# The lots received into the room before the excursion ended: what was (or may have been)
# in it. A lot moved out before the excursion began still counts: the events say where a
# lot arrived, and tracing every move is the trace API's work, not a report's.
_EXCURSION_LOTS = """
SELECT x.site, x.opened_at AS at, (x.opened_at AT TIME ZONE 'UTC')::date AS day,
       date_trunc('week', x.opened_at AT TIME ZONE 'UTC')::date AS week, x.location,
       x.location || ' #' || x.number AS excursion,
       coalesce(l.data->>'supplier', '(unknown)') AS supplier,
       l.data->>'item' AS item, l.data->>'lot' AS lot,
       round((extract(epoch FROM coalesce(x.closed_at, now()) - x.opened_at) / 60)::numeric, 1)
           AS minutes
FROM excursions AS x
JOIN events AS l ON l.site = x.site AND l.type = 'lot.received'
                AND l.data->>'location' = x.location AND l.at <= coalesce(x.closed_at, now())
WHERE x.opened_at IS NOT NULL
"""

_ORDERS = """
SELECT o.site, o.created_at AS at, (o.created_at AT TIME ZONE 'UTC')::date AS day,
       date_trunc('week', o.created_at AT TIME ZONE 'UTC')::date AS week,
       date_trunc('month', o.created_at AT TIME ZONE 'UTC')::date AS month, o.order_id AS "order",
       o.order_type, o.customer, o.state, o.currency, o.total,
       coalesce(money.paid, 0) AS paid, coalesce(money.cost, 0) AS cost_of_goods,
       o.total - coalesce(money.cost, 0) AS margin
FROM orders AS o
LEFT JOIN LATERAL (
    SELECT sum(CASE j.kind WHEN 'payment.received' THEN (j.data->>'amount')::numeric
                           WHEN 'payment.refunded' THEN -(j.data->>'amount')::numeric END)
               AS paid,
           sum(CASE j.kind WHEN 'cost.booked' THEN (j.data->>'amount')::numeric END) AS cost
    FROM order_journal AS j WHERE (j.site, j.order_id) = (o.site, o.order_id)
) AS money ON true
"""

RELATIONS: Mapping[str, str] = {
    "stock_losses": _LOSSES,
    "excursion_lots": _EXCURSION_LOTS,
    "orders": _ORDERS,
}
