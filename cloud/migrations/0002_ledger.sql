-- On-hand by item, lot and location: the fold of stock events (domain.ledger.fold).
-- qty is kept in the base unit of its dimension (g, ml, each), as the fold keeps it.
CREATE TABLE ledger (
    site          text        NOT NULL,
    item          text        NOT NULL,
    lot           text        NOT NULL,
    location      text        NOT NULL,
    qty           numeric     NOT NULL,
    unit          text        NOT NULL,
    updated_agent text        NOT NULL,
    updated_seq   bigint      NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site, item, lot, location)
);

-- Lot master data carried by lot.received events.
CREATE TABLE lots (
    site        text        NOT NULL,
    lot         text        NOT NULL,
    item        text        NOT NULL,
    expires_on  date,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (site, lot, item)
);

CREATE INDEX lots_site_expires_on ON lots (site, expires_on);
