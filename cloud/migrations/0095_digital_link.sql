-- GS1 Digital Link (issue 12 build 4): which organisation's master data claims a GTIN is read
-- on every scan, so the items' GTINs are reachable by index (containment on the items array).
CREATE INDEX site_masterdata_items ON site_masterdata
    USING gin ((document -> 'items') jsonb_path_ops);

-- Documents attached to a lot by quality staff (test reports, certificates). ``public`` ones
-- are shown on the consumer page; the others only to signed-in readers of the site.
CREATE TABLE lot_documents (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site        text        NOT NULL REFERENCES org_nodes (site),
    item        text        NOT NULL,
    lot         text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('test_report', 'certificate')),
    title       text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    media_type  text        NOT NULL
                CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    body        bytea       NOT NULL CHECK (length(body) BETWEEN 1 AND 10485760),
    public      boolean     NOT NULL,
    uploaded_by text        NOT NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX lot_documents_lot ON lot_documents (item, lot);

ALTER TABLE lot_documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON lot_documents USING (site = ANY (app_sites()))
    WITH CHECK (site = ANY (app_sites()));
GRANT SELECT, INSERT ON lot_documents TO edgestock_app;
