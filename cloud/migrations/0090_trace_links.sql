-- Genealogy (issue 12): the links between lots and their receipts from suppliers, kept by a
-- trigger as events arrive, so a trace walks indexed tables instead of every event's JSON.
--   produced  an input lot -> the lot a step made of it (stock.produced, one row per input)
--   shipped   a lot at the sending site -> the same lot at the receiving site (transfer.shipped)
--   received  the same link, recorded by the receiving site (transfer.received)
-- ``site`` is the site of the event that made the link: the row-level security wall.
CREATE TABLE trace_links (
    site      text        NOT NULL,
    kind      text        NOT NULL CHECK (kind IN ('produced', 'shipped', 'received')),
    from_site text        NOT NULL,
    from_item text        NOT NULL,
    from_lot  text        NOT NULL,
    to_site   text        NOT NULL,
    to_item   text        NOT NULL,
    to_lot    text        NOT NULL,
    qty       numeric,
    unit      text,
    at        timestamptz NOT NULL,
    agent     text        NOT NULL,
    seq       bigint      NOT NULL
);

CREATE INDEX trace_links_from ON trace_links (from_item, from_lot);
CREATE INDEX trace_links_to ON trace_links (to_item, to_lot);

-- Where a lot entered the organisation from a supplier (the leaves of a backward trace), in
-- plain columns: under row-level security only leakproof conditions reach an index, and a
-- condition on ``data ->> 'item'`` is not one (the policy would be checked on every receipt).
CREATE TABLE trace_receipts (
    site     text        NOT NULL,
    item     text        NOT NULL,
    lot      text        NOT NULL,
    supplier text,
    qty      numeric     NOT NULL,
    unit     text        NOT NULL,
    at       timestamptz NOT NULL,
    agent    text        NOT NULL,
    seq      bigint      NOT NULL
);

CREATE INDEX trace_receipts_lot ON trace_receipts (item, lot);

-- The two INSERTs that keep trace_links and trace_receipts from a set of events, as SQL over
-- a relation named by the caller: the trigger runs them over the rows a statement inserted,
-- the backfill below over every stored event. One definition, and set-wise: a row trigger
-- calling a function per event cost ingest 68 us for each receipt or production, these
-- about 9 us (benchmarks/trace_trigger.py).
CREATE FUNCTION trace_keeping(source text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
    SELECT format($sql$
        INSERT INTO trace_receipts
        SELECT site, data ->> 'item', data ->> 'lot', data ->> 'supplier',
               (data ->> 'qty')::numeric, data ->> 'unit', at, agent, seq
          FROM %1$I WHERE type = 'lot.received';
        INSERT INTO trace_links
        SELECT e.site, 'produced', e.site, i ->> 'item', i ->> 'lot', e.site,
               e.data ->> 'item', e.data ->> 'lot', (i ->> 'qty')::numeric, i ->> 'unit',
               e.at, e.agent, e.seq
          FROM %1$I AS e, jsonb_array_elements(e.data -> 'inputs') AS i
         WHERE e.type = 'stock.produced'
        UNION ALL
        SELECT site, 'shipped', site, data ->> 'item', data ->> 'lot', data ->> 'to_site',
               data ->> 'item', data ->> 'lot', (data ->> 'qty')::numeric, data ->> 'unit',
               at, agent, seq
          FROM %1$I WHERE type = 'transfer.shipped'
        UNION ALL
        SELECT site, 'received', data ->> 'from_site', data ->> 'item', data ->> 'lot', site,
               data ->> 'item', data ->> 'lot', (data ->> 'qty')::numeric, data ->> 'unit',
               at, agent, seq
          FROM %1$I WHERE type = 'transfer.received'
    $sql$, source)
$f$;

-- One statement trigger with the statement's new rows as a table: ingest writes a batch with
-- one COPY, and the links of the whole batch are two set-wise INSERTs.
CREATE FUNCTION trace_links_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE trace_keeping('new_events');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_trace_links AFTER INSERT ON events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT
    EXECUTE FUNCTION trace_links_keep();

-- What was stored before the trigger existed.
DO $$ BEGIN EXECUTE trace_keeping('events'); END $$;

-- Captured EPCIS events (POST /epcis/capture): the eventID of each, so a document sent
-- twice is recorded once, and the receipt it became.
CREATE TABLE epcis_captured (
    site     text        NOT NULL,
    event_id text        NOT NULL,
    agent    text        NOT NULL,
    seq      bigint      NOT NULL,
    captured_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, event_id)
);

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['trace_links', 'trace_receipts', 'epcis_captured'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', name);
        EXECUTE format(
            'CREATE POLICY site_scope ON %I USING (site = ANY (app_sites())) '
            'WITH CHECK (site = ANY (app_sites()))', name);
        EXECUTE format('GRANT SELECT ON %I TO edgestock_app', name);
    END LOOP;
END
$$;
