-- Transfer orders (issue 10, builds 3 and 7): what the cloud asked one site to ship to
-- another, the approvals it waited for, and when it sent the order down to both sites.
-- The stock itself moves by the sites' own events (transfer.shipped / transfer.received,
-- folded into in_transit); this is the paperwork around them.
CREATE TABLE transfer_orders (
    from_site    text        NOT NULL REFERENCES org_nodes (site),
    transfer     text        NOT NULL CHECK (length(transfer) BETWEEN 1 AND 200),
    to_site      text        NOT NULL REFERENCES org_nodes (site),
    to_org       text,
    document     jsonb       NOT NULL,
    steps        text[]      NOT NULL,   -- the roles that approve, in order
    state        text        NOT NULL CHECK (state IN ('awaiting_approval', 'sent', 'refused')),
    requested_by text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    PRIMARY KEY (from_site, transfer),
    CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);

CREATE INDEX transfer_orders_to_site ON transfer_orders (to_site);

-- One row per decision on an order: who (with the role they approved as), when, and why.
CREATE TABLE transfer_approvals (
    from_site  text        NOT NULL,
    transfer   text        NOT NULL,
    step       integer     NOT NULL CHECK (step >= 0),
    role       text        NOT NULL,
    approved   boolean     NOT NULL,
    decided_by text        NOT NULL,
    decided_at timestamptz NOT NULL DEFAULT now(),
    note       text        CHECK (length(note) <= 1000),
    PRIMARY KEY (from_site, transfer, step),
    FOREIGN KEY (from_site, transfer) REFERENCES transfer_orders (from_site, transfer)
);

-- Either end of a transfer sees it, behind the same wall as the ledger.
ALTER TABLE transfer_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON transfer_orders
    USING (from_site = ANY (app_sites()) OR to_site = ANY (app_sites()));
ALTER TABLE transfer_approvals ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON transfer_approvals USING (
    EXISTS (SELECT 1 FROM transfer_orders AS o
            WHERE (o.from_site, o.transfer) = (transfer_approvals.from_site,
                                               transfer_approvals.transfer)
              AND (o.from_site = ANY (app_sites()) OR o.to_site = ANY (app_sites()))));
GRANT SELECT ON transfer_orders, transfer_approvals TO edgestock_app;
