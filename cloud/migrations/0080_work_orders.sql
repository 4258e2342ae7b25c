-- Plants (issue 14): work orders sent to a site's line, their lines per operation, and
-- what is known about a lot beyond the ledger (serial range, firmware, batch, mould) so
-- that process constraints (domain.constraints) can be checked at kitting.

-- Work orders go down to the line's agent as 'workorder' documents.
ALTER TABLE downlink_documents DROP CONSTRAINT downlink_documents_kind_check;
ALTER TABLE downlink_documents ADD CONSTRAINT downlink_documents_kind_check
    CHECK (kind IN ('hold', 'masterdata', 'transfer.expect', 'transfer.ship', 'workorder'));

CREATE TABLE work_orders (
    site         text        NOT NULL REFERENCES org_nodes (site),
    work_order   text        NOT NULL CHECK (length(work_order) BETWEEN 1 AND 200),
    product      text        NOT NULL,
    revision     text,
    qty          integer     NOT NULL CHECK (qty >= 1),
    line         text,       -- the production line that runs it (its agent's OPC UA line)
    due_at       timestamptz,
    state        text        NOT NULL DEFAULT 'released'
                 CHECK (state IN ('released', 'closed')),
    document     jsonb       NOT NULL,  -- as sent down
    downlink_seq bigint      NOT NULL,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, work_order)
);

CREATE TABLE work_order_lines (
    site       text    NOT NULL,
    work_order text    NOT NULL,
    line       integer NOT NULL CHECK (line >= 1),
    operation  text    NOT NULL,
    item       text    NOT NULL,
    qty        numeric NOT NULL CHECK (qty > 0),
    unit       text    NOT NULL,  -- the base unit of its dimension (g, ml, each), as the ledger
    PRIMARY KEY (site, work_order, line),
    FOREIGN KEY (site, work_order) REFERENCES work_orders (site, work_order)
);

-- Earlier open orders reserve an item: read by (site, item) for every line of a board.
CREATE INDEX work_order_lines_item ON work_order_lines (site, item);

-- Attributes of a lot the process constraints speak about, as recorded at receipt.
CREATE TABLE lot_attributes (
    site        text        NOT NULL REFERENCES org_nodes (site),
    item        text        NOT NULL,
    lot         text        NOT NULL,
    attributes  jsonb       NOT NULL CHECK (jsonb_typeof(attributes) = 'object'),
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, item, lot)
);

ALTER TABLE work_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON work_orders USING (site = ANY (app_sites()));
ALTER TABLE work_order_lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON work_order_lines USING (site = ANY (app_sites()));
ALTER TABLE lot_attributes ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON lot_attributes USING (site = ANY (app_sites()));
GRANT SELECT ON work_orders, work_order_lines, lot_attributes TO edgestock_app;
