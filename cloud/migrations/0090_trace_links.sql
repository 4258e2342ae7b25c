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

CREATE FUNCTION trace_links_of(e events) RETURNS SETOF trace_links LANGUAGE sql IMMUTABLE AS $$
    SELECT e.site, 'produced', e.site, i ->> 'item', i ->> 'lot',
           e.site, e.data ->> 'item', e.data ->> 'lot', (i ->> 'qty')::numeric, i ->> 'unit',
           e.at, e.agent, e.seq
      FROM jsonb_array_elements(e.data -> 'inputs') AS i
     WHERE e.type = 'stock.produced'
    UNION ALL
    SELECT e.site, 'shipped', e.site, e.data ->> 'item', e.data ->> 'lot',
           e.data ->> 'to_site', e.data ->> 'item', e.data ->> 'lot',
           (e.data ->> 'qty')::numeric, e.data ->> 'unit', e.at, e.agent, e.seq
     WHERE e.type = 'transfer.shipped'
    UNION ALL
    SELECT e.site, 'received', e.data ->> 'from_site', e.data ->> 'item', e.data ->> 'lot',
           e.site, e.data ->> 'item', e.data ->> 'lot',
           (e.data ->> 'qty')::numeric, e.data ->> 'unit', e.at, e.agent, e.seq
     WHERE e.type = 'transfer.received'
$$;

CREATE FUNCTION trace_links_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.type = 'lot.received' THEN
        INSERT INTO trace_receipts VALUES (
            NEW.site, NEW.data ->> 'item', NEW.data ->> 'lot', NEW.data ->> 'supplier',
            (NEW.data ->> 'qty')::numeric, NEW.data ->> 'unit', NEW.at, NEW.agent, NEW.seq);
    ELSE
        INSERT INTO trace_links SELECT * FROM trace_links_of(NEW);
    END IF;
    RETURN NULL;
END
$$;

-- Row triggers fire for ingest's COPY too; the WHEN clause keeps every other event free.
CREATE TRIGGER events_trace_links AFTER INSERT ON events FOR EACH ROW
    WHEN (NEW.type IN ('stock.produced', 'transfer.shipped', 'transfer.received',
                       'lot.received'))
    EXECUTE FUNCTION trace_links_keep();

INSERT INTO trace_links
SELECT l.* FROM events AS e, trace_links_of(e) AS l
 WHERE e.type IN ('stock.produced', 'transfer.shipped', 'transfer.received');

INSERT INTO trace_receipts
SELECT site, data ->> 'item', data ->> 'lot', data ->> 'supplier', (data ->> 'qty')::numeric,
       data ->> 'unit', at, agent, seq
  FROM events WHERE type = 'lot.received';

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
