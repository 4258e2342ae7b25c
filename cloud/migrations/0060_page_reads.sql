-- What the food-safety board, the stock page and the variance report read, without scanning
-- a site's events from its first day.
--
-- Readings are most of the events table and none of these reads want them, so both indexes
-- leave them out (the queries repeat the predicate so the planner may use them).
CREATE INDEX events_site_type_at ON events (site, type, at)
    WHERE type <> 'reading.recorded';
-- A lot's own events (stock movements, clocks), for the few lots a page asks about.
CREATE INDEX events_site_lot_at ON events (site, (data ->> 'lot'), at)
    WHERE (data ->> 'lot') IS NOT NULL AND type <> 'reading.recorded';

-- Each lot's clock (thawing, opened, cooling...) with its latest event (by at, agent, seq, as
-- the board folds them) and whether that event left it open: the board of a day needs only
-- the clocks open now or moved since the day began. Kept by cloud/ingest/fold.py.
CREATE TABLE lot_clocks (
    site       text        NOT NULL,
    item       text        NOT NULL,
    lot        text        NOT NULL,
    location   text        NOT NULL,
    clock      text        NOT NULL,
    last_at    timestamptz NOT NULL,
    last_agent text        COLLATE "C" NOT NULL,
    last_seq   bigint      NOT NULL,
    open       boolean     NOT NULL,
    PRIMARY KEY (site, item, lot, location, clock)
);

CREATE INDEX lot_clocks_open ON lot_clocks (site) WHERE open;
CREATE INDEX lot_clocks_site_last_at ON lot_clocks (site, last_at);

-- The clocks of the events already held. Closed: completed, expired, or ready with no
-- deadline left (a thawed lot; a ready marinade still runs to its maximum), as
-- domain.foodsafety.clock_closes says.
INSERT INTO lot_clocks (site, item, lot, location, clock, last_at, last_agent, last_seq, open)
SELECT DISTINCT ON (site, data ->> 'item', data ->> 'lot', data ->> 'location', data ->> 'clock')
       site, data ->> 'item', data ->> 'lot', data ->> 'location', data ->> 'clock',
       at, agent, seq,
       NOT (type IN ('clock.completed', 'clock.expired')
            OR (type = 'clock.ready' AND data ->> 'due_at' IS NULL))
FROM events
WHERE type LIKE 'clock.%' AND type <> 'reading.recorded'
ORDER BY site, data ->> 'item', data ->> 'lot', data ->> 'location', data ->> 'clock',
         at DESC, agent COLLATE "C" DESC, seq DESC;

-- A site's clocks are its own, as its events are: the tenant role reads them through the
-- same wall (ingest writes as the owner).
ALTER TABLE lot_clocks ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON lot_clocks USING (site = ANY (app_sites()));
GRANT SELECT ON lot_clocks TO edgestock_app;

-- Whether a lot's ledger balance can be trusted to be its stock in the order events happened.
-- The ledger folds events as they arrive; additions commute, but a count sets the balance,
-- so a count that arrived out of time order (a PDA's batch after the line's, a count dated
-- earlier) may leave the ledger at zero where time order does not, or the reverse. Such a
-- lot stays "reordered" for good and is always read (cloud.kitchen.lot_history). Kept by
-- cloud/ingest/fold.py.
CREATE TABLE lot_order (
    site       text        NOT NULL,
    item       text        NOT NULL,
    lot        text        NOT NULL,
    last_at    timestamptz NOT NULL,
    last_agent text        COLLATE "C" NOT NULL,
    last_seq   bigint      NOT NULL,
    counted    boolean     NOT NULL,
    reordered  boolean     NOT NULL,
    PRIMARY KEY (site, item, lot)
);

CREATE INDEX lot_order_reordered ON lot_order (site) WHERE reordered;

-- The lots already held; arrival order is not known for them, so a counted lot is taken as
-- reordered (read always, as before this migration).
INSERT INTO lot_order (site, item, lot, last_at, last_agent, last_seq, counted, reordered)
SELECT DISTINCT ON (site, data ->> 'item', data ->> 'lot')
       site, data ->> 'item', data ->> 'lot', at, agent, seq,
       bool_or(type = 'stock.counted') OVER w, bool_or(type = 'stock.counted') OVER w
FROM events
WHERE type IN ('lot.received', 'stock.produced', 'stock.consumed', 'stock.step_consumed',
               'stock.adjusted', 'stock.counted', 'stock.moved', 'transfer.shipped',
               'transfer.received', 'stock.issued', 'stock.returned')
WINDOW w AS (PARTITION BY site, data ->> 'item', data ->> 'lot')
ORDER BY site, data ->> 'item', data ->> 'lot', at DESC, agent COLLATE "C" DESC, seq DESC;

ALTER TABLE lot_order ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON lot_order USING (site = ANY (app_sites()));
GRANT SELECT ON lot_order TO edgestock_app;
