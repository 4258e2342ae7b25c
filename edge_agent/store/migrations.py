"""The edge store's schema, as the ordered list of steps that build it.

A store records in ``PRAGMA user_version`` the last step applied; opening it applies the rest
(``migrate.py``). Never edit a step once released: a store that has applied it will not run
it again. Add a new one instead.
"""

from __future__ import annotations

from edge_agent.store.migrate import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial",
        # The schema every store had before migrations existed (peewee wrote it, with these
        # names), so that a store from then and a new one start from the same shape.
        """
        CREATE TABLE IF NOT EXISTS "events" (
            "seq" INTEGER NOT NULL PRIMARY KEY, "id" TEXT NOT NULL, "type" TEXT NOT NULL,
            "at" TEXT NOT NULL, "body" BLOB NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS "events_id" ON "events" ("id");
        CREATE INDEX IF NOT EXISTS "events_at" ON "events" ("at");
        CREATE TABLE IF NOT EXISTS "chain_head" (
            "id" INTEGER NOT NULL PRIMARY KEY, "seq" INTEGER NOT NULL, "hash" TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS "sync_cursor" (
            "id" INTEGER NOT NULL PRIMARY KEY, "acked_seq" INTEGER NOT NULL,
            "acked_at" TEXT, "last_error" TEXT);
        CREATE TABLE IF NOT EXISTS "ledger" (
            "item" TEXT NOT NULL, "lot" TEXT NOT NULL, "location" TEXT NOT NULL,
            "qty" TEXT NOT NULL, "unit" TEXT NOT NULL, "updated_seq" INTEGER NOT NULL,
            PRIMARY KEY ("item", "lot", "location"));
        CREATE TABLE IF NOT EXISTS "lots" (
            "lot" TEXT NOT NULL PRIMARY KEY, "item" TEXT NOT NULL, "expires_on" DATE,
            "received_seq" INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS "latest_readings" (
            "device" TEXT NOT NULL, "metric" TEXT NOT NULL, "value" TEXT NOT NULL,
            "unit" TEXT NOT NULL, "at" TEXT NOT NULL, "seq" INTEGER NOT NULL,
            PRIMARY KEY ("device", "metric"));
        CREATE TABLE IF NOT EXISTS "quarantine" (
            "id" INTEGER NOT NULL PRIMARY KEY, "at" TEXT NOT NULL, "source" TEXT NOT NULL,
            "reason" TEXT NOT NULL, "payload" TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS "lot_holds" (
            "item" TEXT NOT NULL, "lot" TEXT NOT NULL, "location" TEXT NOT NULL,
            "reason" TEXT NOT NULL, "cause" TEXT, "seq" INTEGER NOT NULL,
            PRIMARY KEY ("item", "lot", "location"));
        CREATE INDEX IF NOT EXISTS "lot_holds_cause" ON "lot_holds" ("cause");
        CREATE TABLE IF NOT EXISTS "checkpoints" (
            "name" TEXT NOT NULL PRIMARY KEY, "state" BLOB NOT NULL, "seq" INTEGER NOT NULL);
        """,
    ),
    Migration(
        2,
        "lots_by_item",
        # A lot is (item, lot): two suppliers may print the same code. Keyed by lot alone, the
        # table kept the first item of a shared code; the receipts of the others come back
        # from the events still stored (those already pruned were synced, and the cloud has
        # them right).
        """
        CREATE TABLE "lots_by_item" (
            "item" TEXT NOT NULL, "lot" TEXT NOT NULL, "expires_on" DATE,
            "received_seq" INTEGER NOT NULL, PRIMARY KEY ("item", "lot"));
        INSERT INTO "lots_by_item" (item, lot, expires_on, received_seq)
            SELECT item, lot, expires_on, received_seq FROM "lots";
        INSERT OR IGNORE INTO "lots_by_item" (item, lot, expires_on, received_seq)
            SELECT json_extract(CAST(body AS TEXT), '$.data.item'),
                   json_extract(CAST(body AS TEXT), '$.data.lot'),
                   json_extract(CAST(body AS TEXT), '$.data.expires_on'),
                   seq
            FROM "events" WHERE type IN ('lot.received', 'stock.produced') ORDER BY seq;
        DROP TABLE "lots";
        ALTER TABLE "lots_by_item" RENAME TO "lots";
        """,
    ),
    Migration(
        3,
        "retention_cursor",
        # Retention prunes from where it last stopped, oldest first, a bounded seq range per
        # ack (``EdgeStore.ack``): it no longer searches events by time, so the ``at`` index,
        # paid for on every append, goes.
        """
        ALTER TABLE "sync_cursor" ADD COLUMN "pruned_seq" INTEGER NOT NULL DEFAULT 0;
        UPDATE "sync_cursor" SET "pruned_seq" = COALESCE(
            (SELECT MIN(seq) - 1 FROM "events"), (SELECT seq FROM "chain_head" WHERE id = 1), 0);
        DROP INDEX IF EXISTS "events_at";
        """,
    ),
    Migration(
        4,
        "one_fold",
        # Lots and holds follow the domain's rules (``domain.projections``), as the cloud's do:
        # a lot keeps the earliest expiry any receipt names and the time of its first receipt;
        # a hold's last word by time stands and a release keeps its row (held = 0). The times
        # come from the events still stored; a row whose event was pruned keeps its seq and
        # an empty time, which sorts before any event's.
        """
        ALTER TABLE "lots" ADD COLUMN "received_at" TEXT NOT NULL DEFAULT '';
        UPDATE "lots" SET "received_at" = COALESCE(
            (SELECT at FROM "events" WHERE events.seq = lots.received_seq), '');
        UPDATE "lots" SET "expires_on" = (
            SELECT MIN(d) FROM (
                SELECT lots.expires_on AS d
                UNION ALL
                SELECT json_extract(CAST(body AS TEXT), '$.data.expires_on') FROM "events"
                WHERE type IN ('lot.received', 'stock.produced')
                  AND json_extract(CAST(body AS TEXT), '$.data.item') = lots.item
                  AND json_extract(CAST(body AS TEXT), '$.data.lot') = lots.lot));
        CREATE TABLE "holds_by_word" (
            "item" TEXT NOT NULL, "lot" TEXT NOT NULL, "location" TEXT NOT NULL,
            "held" INTEGER NOT NULL, "reason" TEXT, "cause" TEXT,
            "at" TEXT NOT NULL, "seq" INTEGER NOT NULL,
            PRIMARY KEY ("item", "lot", "location"), CHECK ("held" = ("reason" IS NOT NULL)));
        INSERT INTO "holds_by_word" (item, lot, location, held, reason, cause, at, seq)
            SELECT item, lot, location, 1, reason, cause,
                   COALESCE((SELECT at FROM "events" WHERE events.seq = lot_holds.seq), ''), seq
            FROM "lot_holds";
        DROP TABLE "lot_holds";
        ALTER TABLE "holds_by_word" RENAME TO "lot_holds";
        CREATE INDEX "lot_holds_cause" ON "lot_holds" ("cause") WHERE "held";
        """,
    ),
    Migration(
        5,
        "downlink_inbox",
        # The cloud's documents for this site (edge_agent.downlink), kept once their signature
        # verifies and before they are applied, so a document fetched survives an outage of
        # the cloud and a restart. How far they are applied is the ``downlink`` checkpoint,
        # written in the transaction of the events a document produces.
        """
        CREATE TABLE "downlink_inbox" (
            "seq" INTEGER NOT NULL PRIMARY KEY, "kind" TEXT NOT NULL, "body" TEXT NOT NULL,
            "kid" TEXT NOT NULL, "signature" TEXT NOT NULL, "received_at" TEXT NOT NULL);
        """,
    ),
    Migration(
        6,
        "in_transit",
        # Transfer lines between sites (``domain.transit``): the sums of this site's half of
        # each line, shipments sent from here or receipts taken in here; amounts are decimal
        # text in the line's base unit, as the ledger keeps them.
        """
        CREATE TABLE "in_transit" (
            "transfer" TEXT NOT NULL, "item" TEXT NOT NULL, "lot" TEXT NOT NULL,
            "from_site" TEXT NOT NULL, "to_site" TEXT NOT NULL, "unit" TEXT NOT NULL,
            "shipped" TEXT NOT NULL, "received" TEXT NOT NULL, "damaged" TEXT NOT NULL,
            "receipts" INTEGER NOT NULL, "expected_at" TEXT, "to_org" TEXT,
            PRIMARY KEY ("transfer", "item", "lot", "from_site", "to_site", "unit"));
        """,
    ),
    Migration(
        7,
        "reservations",
        # Stock promised to a reference (``domain.reservations``): the sums of this site's
        # reservation lines, keyed by reference, item and base unit; amounts are decimal
        # text as the ledger keeps them; an end keeps its word (seq, time) and reason.
        """
        CREATE TABLE "reservations" (
            "reference" TEXT NOT NULL, "item" TEXT NOT NULL, "unit" TEXT NOT NULL,
            "reserved" TEXT NOT NULL, "consumed" TEXT NOT NULL,
            "lot" TEXT, "location" TEXT, "until" TEXT,
            "ended_seq" INTEGER, "ended_at" TEXT, "ended_reason" TEXT,
            PRIMARY KEY ("reference", "item", "unit"),
            CHECK (("ended_seq" IS NULL) = ("ended_reason" IS NULL)));
        CREATE INDEX "reservations_item" ON "reservations" ("item") WHERE "ended_seq" IS NULL;
        """,
    ),
    Migration(
        8,
        "open_reservations",
        # A line is kept for every reference stock left against, reserved or not (its
        # reservation may come later), so most lines of a busy site promise nothing: the
        # index a decision reads leaves out those and the lines consumed in full. Amounts
        # are decimal text; as REAL they compare closely enough to tell "some left" apart.
        """
        DROP INDEX "reservations_item";
        CREATE INDEX "reservations_open" ON "reservations" ("item")
            WHERE "ended_seq" IS NULL AND CAST("reserved" AS REAL) > CAST("consumed" AS REAL);
        """,
    ),
    Migration(
        9,
        "kitchen_rows",
        # The kitchen's open tickets and recent ids (orders, closed tickets, voids, made
        # steps, counts) become rows (``edge_agent.kitchen.stored_rows``), so a write stores
        # what changed instead of the whole state. The ``kitchen`` checkpoint is carried
        # over: from its two stored forms (``{"live", "recent"}`` and the whole state
        # before it) its ids and tickets go to the rows, oldest first, and the blob keeps
        # the rest. A blob of neither form is left as it is.
        """
        CREATE TABLE "kitchen_tickets" (
            "ticket_id" TEXT NOT NULL PRIMARY KEY, "body" TEXT NOT NULL);
        CREATE TABLE "kitchen_recent" (
            "ord" INTEGER NOT NULL PRIMARY KEY, "kind" TEXT NOT NULL, "key" TEXT NOT NULL,
            "value" TEXT, UNIQUE ("kind", "key"));
        CREATE TEMP TABLE "kitchen_old" AS
            SELECT CAST(state AS TEXT) AS doc,
                   CASE WHEN json_type(CAST(state AS TEXT), '$.live') = 'object'
                        THEN '$.live' ELSE '$' END AS live,
                   CASE WHEN json_type(CAST(state AS TEXT), '$.recent') = 'object'
                        THEN '$.recent' ELSE '$' END AS recent
            FROM "checkpoints"
            WHERE name = 'kitchen' AND json_valid(CAST(state AS TEXT))
              AND (json_type(CAST(state AS TEXT), '$.live') = 'object'
                   OR json_type(CAST(state AS TEXT), '$.tickets') = 'object');
        INSERT INTO "kitchen_tickets" (ticket_id, body)
            SELECT j.key, j.value FROM "kitchen_old" o, json_each(o.doc, o.live || '.tickets') j
            ORDER BY j.id;
        INSERT INTO "kitchen_recent" (kind, key, value)
            SELECT kind, key, value FROM (
                SELECT 1 AS part, j.id AS id, 'order' AS kind, j.value AS key, NULL AS value
                FROM "kitchen_old" o, json_each(o.doc, o.recent || '.orders') j
                UNION ALL
                SELECT 2, j.id, 'closed', j.value, NULL
                FROM "kitchen_old" o, json_each(o.doc, o.recent || '.closed') j
                UNION ALL
                SELECT 3, j.id, 'void', j.value, NULL
                FROM "kitchen_old" o, json_each(o.doc, o.recent || '.voids') j
                UNION ALL
                SELECT 4, j.id, 'made', j.key, j.value
                FROM "kitchen_old" o, json_each(o.doc, o.recent || '.made') j
                UNION ALL
                SELECT 5, j.id, 'count', j.key, j.value
                FROM "kitchen_old" o, json_each(o.doc, o.live || '.counts') j)
            ORDER BY part, id;
        UPDATE "checkpoints" SET state = (
            SELECT CAST(json_remove(json_extract(o.doc, o.live), '$.tickets', '$.counts',
                                    '$.orders', '$.closed', '$.made', '$.voids') AS BLOB)
            FROM "kitchen_old" o)
            WHERE name = 'kitchen' AND EXISTS (SELECT 1 FROM "kitchen_old");
        DROP TABLE "kitchen_old";
        """,
    ),
    Migration(
        10,
        "live_balances",
        # A decision picks only from lots with stock left, but the ledger keeps a row for
        # every lot a place ever had: used-up ones pile up through the day, and each
        # decision read them all. This index holds the live rows alone; the decision's read
        # names its exact term (``reserved_stock.LIVE``). Balances are decimal text; as REAL
        # they tell "some left" apart closely enough, and what FEFO judges empty (a residue
        # below the ledger's quantum) it still skips itself.
        """
        CREATE INDEX "ledger_live" ON "ledger" ("item", "location")
            WHERE CAST("qty" AS REAL) > 0;
        """,
    ),
    Migration(
        11,
        "no_events_id_index",
        # No query at the edge reads an event by its id: the outbox and retention go by
        # seq, which identifies an event in its chain here and in the cloud. Ids are unique
        # by how they are made (``sealing.EventIds``). The index cost every append about
        # 0.7 µs of CPU per event, a fifth of the insert, and its pages on the card.
        """
        DROP INDEX IF EXISTS "events_id";
        """,
    ),
)
