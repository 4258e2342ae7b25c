-- Purchasing (issue 13, build 6): purchase orders to suppliers, every state they went
-- through with who and when, the suppliers' API keys and endpoints, and the down-channel
-- kind that tells a site what delivery to expect.

ALTER TABLE downlink_documents DROP CONSTRAINT downlink_documents_kind_check;
ALTER TABLE downlink_documents ADD CONSTRAINT downlink_documents_kind_check
    CHECK (kind IN ('hold', 'masterdata', 'transfer.expect', 'transfer.ship', 'workorder',
                    'purchase.expect'));

-- A supplier of an organisation: where its API takes orders, and the hash of the key it
-- authenticates with when it answers (confirmations, shipping notices). The key itself is
-- shown once, when made; a new one replaces the old.
CREATE TABLE suppliers (
    org_id     bigint      NOT NULL REFERENCES org_nodes (id),
    supplier   text        NOT NULL CHECK (length(supplier) BETWEEN 1 AND 200),
    endpoint   text        CHECK (endpoint ~ '^https?://'),
    key_hash   bytea       NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text        NOT NULL,
    PRIMARY KEY (org_id, supplier)
);

CREATE TABLE purchase_orders (
    site         text        NOT NULL REFERENCES org_nodes (site),
    po           text        NOT NULL CHECK (length(po) BETWEEN 1 AND 200),
    supplier     text        NOT NULL,
    document     jsonb       NOT NULL,   -- domain.purchasing.PurchaseOrder
    steps        text[]      NOT NULL,   -- the roles that approve, in order
    state        text        NOT NULL CHECK (state IN (
                     'draft', 'awaiting_approval', 'sent', 'confirmed', 'shipped',
                     'partly_received', 'received', 'closed', 'refused', 'cancelled')),
    requested_by text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,            -- approved and handed to the supplier
    promised_on  date,                   -- the supplier's confirmation
    asn          jsonb,                  -- domain.purchasing.Asn, once shipped
    delivered_at timestamptz,            -- the supplier's API took the order (HTTP 2xx)
    PRIMARY KEY (site, po)
);

CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier, state);

-- Every change of an order: the state it entered (or stayed in, for an approval step that is
-- not the last), who did it, when, as which role for an approval, and any note. Append-only.
CREATE TABLE purchase_order_history (
    site      text        NOT NULL,
    po        text        NOT NULL,
    n         integer     NOT NULL CHECK (n >= 1),
    state     text        NOT NULL,
    by_whom   text        NOT NULL,
    at        timestamptz NOT NULL DEFAULT now(),
    role      text,                      -- set for an approval decision
    approved  boolean,
    note      text        CHECK (length(note) <= 1000),
    PRIMARY KEY (site, po, n),
    FOREIGN KEY (site, po) REFERENCES purchase_orders (site, po),
    CHECK ((role IS NULL) = (approved IS NULL))
);

-- What came in against an order, read from the site's lot.received events (attributed once,
-- by the event's id): the order-to-receipt time of each is a supplier's lead time.
CREATE TABLE purchase_receipts (
    event_id  uuid        PRIMARY KEY,
    site      text        NOT NULL,
    po        text        NOT NULL,
    supplier  text        NOT NULL,
    item      text        NOT NULL,
    lot       text        NOT NULL,
    qty       numeric     NOT NULL,
    unit      text        NOT NULL,
    at        timestamptz NOT NULL,
    lead_days numeric     NOT NULL,
    FOREIGN KEY (site, po) REFERENCES purchase_orders (site, po)
);

CREATE INDEX purchase_receipts_supplier ON purchase_receipts (supplier, at);

ALTER TABLE purchase_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON purchase_orders USING (site = ANY (app_sites()));
ALTER TABLE purchase_order_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON purchase_order_history USING (site = ANY (app_sites()));
ALTER TABLE purchase_receipts ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON purchase_receipts USING (site = ANY (app_sites()));
GRANT SELECT ON purchase_orders, purchase_order_history, purchase_receipts TO edgestock_app;
