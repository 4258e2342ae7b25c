-- Cold chain in the cloud: holds on stock and excursions, folded at ingest.

-- The last word on each stock key's hold, folded from lot.blocked / lot.released with
-- domain.holds.hold_changes (the edge's fold). A release keeps its row (held = false) and
-- every row keeps the time of the event it came from, so when two agents' batches arrive
-- out of time order (a tablet's release before the block it lifts), the later event wins.
CREATE TABLE lot_holds (
    site       text        NOT NULL,
    item       text        NOT NULL,
    lot        text        NOT NULL,
    location   text        NOT NULL,
    held       boolean     NOT NULL,
    reason     text,
    cause      text,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (site, item, lot, location),
    CHECK (held = (reason IS NOT NULL))
);

-- One row per excursion, folded from excursion.* events. Each column keeps the last word of
-- the events on it except opened_at and escalated_at (the first), so an upsert of a batch's
-- merged changes needs no read first.
CREATE TABLE excursions (
    site              text        NOT NULL,
    location          text        NOT NULL,
    number            integer     NOT NULL CHECK (number >= 1),
    opened_at         timestamptz,
    closed_at         timestamptz,
    status            text        NOT NULL
        GENERATED ALWAYS AS (CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END) STORED,
    escalated_at      timestamptz,
    acknowledged_at   timestamptz,
    acknowledged_by   text,
    corrective_action text,
    back_in_range     boolean,
    figures           jsonb,
    agent             text        NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (site, location, number)
);

CREATE INDEX excursions_site_opened_at ON excursions (site, opened_at);

-- What an excursion set off (lot.blocked, safety_stock.raised, purchase.suggested name it as
-- their cause) and the releases of held lots, found by the excursion list without a scan.
CREATE INDEX events_site_cause ON events (site, (data ->> 'cause'))
    WHERE type IN ('lot.blocked', 'safety_stock.raised', 'purchase.suggested');
CREATE INDEX events_site_lot_releases ON events (site, (data ->> 'lot'), at)
    WHERE type = 'lot.released';
