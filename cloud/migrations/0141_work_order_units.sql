-- Plants (issue 14): the units built of each work order, kept by a trigger as events arrive
-- (as trace_links are), so that whether an order is finished is one indexed read instead
-- of a walk over the site's stock.produced events: the kitting board asks it of every
-- earlier open order, and under row-level security a condition on an event's JSON cannot
-- use an index. A unit is a serial made by a stock.produced naming the order (good or
-- scrap alike); a repair (step 'repair') is not a new unit.
CREATE TABLE work_order_units (
    site       text        NOT NULL,
    work_order text        NOT NULL,
    lot        text        NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (site, work_order, lot)
);

CREATE FUNCTION work_order_units_keeping(source text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
    SELECT format($sql$
        INSERT INTO work_order_units
        SELECT site, data ->> 'order', data ->> 'lot', min(at) FROM %1$I
         WHERE type = 'stock.produced' AND data ->> 'order' IS NOT NULL
           AND data ->> 'step' IS DISTINCT FROM 'repair'
         GROUP BY 1, 2, 3
        ON CONFLICT DO NOTHING
    $sql$, source)
$f$;

CREATE FUNCTION work_order_units_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE work_order_units_keeping('new_events');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_work_order_units AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT
    EXECUTE FUNCTION work_order_units_keep();

-- What was stored before the trigger existed.
DO $$ BEGIN EXECUTE work_order_units_keeping('events'); END $$;

-- The units built, now read from the kept rows; the index on the events' JSON is not needed.
CREATE OR REPLACE FUNCTION work_order_built(order_site text, work_order text) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM work_order_units AS u
    WHERE u.site = order_site AND u.work_order = work_order_built.work_order
$$;
DROP INDEX events_site_work_order;

ALTER TABLE work_order_units ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON work_order_units USING (site = ANY (app_sites()))
    WITH CHECK (site = ANY (app_sites()));
GRANT SELECT ON work_order_units TO edgestock_app;
