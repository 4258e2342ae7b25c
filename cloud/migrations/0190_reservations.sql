-- Reservations (domain.reservations): stock promised to a reference (a work order, a
-- customer order, a transfer). One line per site, reference, item and base unit keeps sums
-- (reserved, consumed by stock taken against the reference), the widest "until" and the
-- earliest end by word, merged as batches arrive in any order. Lot and location narrow a
-- reservation; two that disagree settle on the smaller code ("C" collation compares as
-- Python does).
CREATE TABLE reservations (
    site         text        NOT NULL,
    reference    text        NOT NULL,
    item         text        NOT NULL,
    unit         text        NOT NULL,
    reserved     numeric     NOT NULL CHECK (reserved >= 0),
    consumed     numeric     NOT NULL CHECK (consumed >= 0),
    lot          text        COLLATE "C",
    location     text        COLLATE "C",
    until        timestamptz,
    ended_at     timestamptz,
    ended_agent  text        COLLATE "C",
    ended_seq    bigint,
    ended_reason text        CHECK (ended_reason IN ('consumed', 'cancelled', 'expired')),
    PRIMARY KEY (site, reference, item, unit),
    CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);

-- ATP and the pages read a site's open lines of one item.
CREATE INDEX reservations_open ON reservations (site, item) WHERE ended_at IS NULL;

ALTER TABLE reservations ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON reservations USING (site = ANY (app_sites()))
    WITH CHECK (site = ANY (app_sites()));
GRANT SELECT, INSERT, UPDATE ON reservations TO edgestock_app;

-- A reservation made in the cloud goes down to its site as a signed 'reservation' document
-- that the agent turns into stock.reserved / stock.unreserved in its writer.
ALTER TABLE downlink_documents DROP CONSTRAINT downlink_documents_kind_check;
ALTER TABLE downlink_documents ADD CONSTRAINT downlink_documents_kind_check
    CHECK (kind IN ('hold', 'masterdata', 'transfer.expect', 'transfer.ship', 'workorder',
                    'purchase.expect', 'stock.adjust', 'reservation'));
