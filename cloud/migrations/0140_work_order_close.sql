-- Plants (issue 14): a work order is closed by the cloud (a close command, sent down to the
-- line as the order again with state 'closed'), or at the line when its last unit is built
-- (read from the site's stock.produced events: no column to keep in step). Who closed it,
-- when and why are kept with it.
ALTER TABLE work_orders ADD COLUMN closed_at timestamptz;
ALTER TABLE work_orders ADD COLUMN closed_by text;
ALTER TABLE work_orders ADD COLUMN closed_reason text CHECK (length(closed_reason) <= 500);

-- Units built per order: the site's productions that name it, read by (site, order) rather
-- than by walking every stock.produced of the site's JSON under row-level security.
CREATE INDEX events_site_work_order ON events (site, (data ->> 'order'))
    WHERE type = 'stock.produced';

-- Units the line has built of a work order (good and scrap; a repair is not a unit). Runs
-- with the caller's rights, so row-level security keeps other sites' events out.
CREATE FUNCTION work_order_built(order_site text, work_order text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT count(DISTINCT e.data ->> 'lot') FROM events AS e
    WHERE e.site = order_site AND e.type = 'stock.produced'
      AND (e.data ->> 'order') = work_order AND e.data ->> 'step' IS DISTINCT FROM 'repair'
$$;
