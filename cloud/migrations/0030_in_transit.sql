-- Transfer lines between sites (domain.transit): the sums of both halves of each line, the
-- sender's shipments and the receiver's receipts, merged as they arrive in any order (sums
-- add; the expected arrival is the latest any shipment names; to_org the least named).
-- Amounts are in the line's base unit (g, ml, each), which is part of the key.
CREATE TABLE in_transit (
    transfer    text        NOT NULL,
    item        text        NOT NULL,
    lot         text        NOT NULL,
    from_site   text        NOT NULL,
    to_site     text        NOT NULL,
    unit        text        NOT NULL,
    shipped     numeric     NOT NULL CHECK (shipped >= 0),
    received    numeric     NOT NULL CHECK (received >= 0),
    damaged     numeric     NOT NULL CHECK (damaged >= 0),
    receipts    integer     NOT NULL CHECK (receipts >= 0),
    expected_at timestamptz,
    to_org      text        COLLATE "C",
    PRIMARY KEY (transfer, item, lot, from_site, to_site, unit)
);

CREATE INDEX in_transit_to_site ON in_transit (to_site, item);
CREATE INDEX in_transit_from_site ON in_transit (from_site);

-- A line is seen by whoever may see either end of it, behind the same wall as the ledger.
ALTER TABLE in_transit ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON in_transit
    USING (from_site = ANY (app_sites()) OR to_site = ANY (app_sites()))
    WITH CHECK (from_site = ANY (app_sites()) OR to_site = ANY (app_sites()));
GRANT SELECT ON in_transit TO edgestock_app;
