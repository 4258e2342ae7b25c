-- Closing a transfer (domain.transit_close): what was still in transit is lost, with the
-- reason, who closed it and when. "lost" keeps the lines written off at the close
-- ([{item, lot, to_site, unit, qty}], base units) as history; readers take a line as lost
-- while it still has no receipt. Seen from either end, as in_transit is.
CREATE TABLE transfer_closures (
    from_site text        NOT NULL,
    transfer  text        NOT NULL,
    to_site   text        NOT NULL,
    reason    text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    closed_by text        NOT NULL,
    closed_at timestamptz NOT NULL DEFAULT now(),
    lost      jsonb       NOT NULL,
    PRIMARY KEY (from_site, transfer)
);

ALTER TABLE transfer_closures ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON transfer_closures
    USING (from_site = ANY (app_sites()) OR to_site = ANY (app_sites()));
GRANT SELECT ON transfer_closures TO edgestock_app;
