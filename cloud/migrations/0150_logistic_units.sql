-- Logistic units (issue 12): what a supplier packed in each SSCC, as its advance shipping
-- notice says, so a trace by SSCC opens the package and EPCIS shows AggregationEvents (ADD
-- when the supplier shipped it, DELETE when the site received its lots).
--
-- One row per lot on a package of a purchase order's notice. ``site`` is the receiving site
-- (the row-level security wall, as for the order itself). Kept by a trigger on
-- ``purchase_orders.asn``, so the purchasing code needs no call of ours: a notice replaced
-- replaces its rows.
CREATE TABLE trace_packs (
    site       text        NOT NULL,
    sscc       text        NOT NULL CHECK (sscc ~ '^[0-9]{18}$'),
    item       text        NOT NULL,
    lot        text        NOT NULL,
    qty        numeric     NOT NULL,
    unit       text        NOT NULL,
    supplier   text        NOT NULL,
    po         text        NOT NULL,
    asn        text        NOT NULL,
    shipped_at timestamptz NOT NULL,
    PRIMARY KEY (site, po, sscc, item, lot)
);

CREATE INDEX trace_packs_sscc ON trace_packs (sscc);
CREATE INDEX trace_packs_lot ON trace_packs (item, lot);

CREATE FUNCTION trace_packs_of(target_site text, target_po text) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM trace_packs WHERE site = target_site AND po = target_po;
    INSERT INTO trace_packs (site, sscc, item, lot, qty, unit, supplier, po, asn, shipped_at)
    SELECT o.site, p ->> 'sscc', l ->> 'item', l ->> 'lot', (l ->> 'qty')::numeric,
           l ->> 'unit', o.supplier, o.po, o.asn ->> 'asn', (o.asn ->> 'shipped_at')::timestamptz
      FROM purchase_orders AS o,
           jsonb_array_elements(o.asn -> 'packages') AS p,
           jsonb_array_elements(p -> 'lots') AS l
     WHERE o.site = target_site AND o.po = target_po AND o.asn IS NOT NULL
    ON CONFLICT (site, po, sscc, item, lot) DO UPDATE SET qty = trace_packs.qty + EXCLUDED.qty;
$$;

CREATE FUNCTION trace_packs_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR OLD.asn IS DISTINCT FROM NEW.asn THEN
        PERFORM trace_packs_of(NEW.site, NEW.po);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER purchase_orders_trace_packs AFTER INSERT OR UPDATE OF asn ON purchase_orders
    FOR EACH ROW EXECUTE FUNCTION trace_packs_keep();

-- The notices stored before the trigger existed.
SELECT trace_packs_of(site, po) FROM purchase_orders WHERE asn IS NOT NULL;

ALTER TABLE trace_packs ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON trace_packs USING (site = ANY (app_sites()));
GRANT SELECT ON trace_packs TO edgestock_app;
