-- Recalls that stay open (issue 12): while a recall is open, stock of a recalled lot (or of a
-- lot made from it) that reaches a site later gets a hold of its own, sent by the recall
-- follower (cloud/recall/follower.py); a recall is closed by a person, with why.

-- A lot at a site may now be held more than once by one recall: by the recall itself, then
-- again each time more of it arrived there after the last hold was issued.
ALTER TABLE recall_holds DROP CONSTRAINT recall_holds_pkey;
ALTER TABLE recall_holds ADD PRIMARY KEY (recall, site, item, lot, seq);
ALTER TABLE recall_holds
    ADD COLUMN cause text NOT NULL DEFAULT 'recall' CHECK (cause IN ('recall', 'arrival'));

ALTER TABLE recalls
    ADD COLUMN closed_at    timestamptz,
    ADD COLUMN closed_by    text,
    ADD COLUMN close_reason text CHECK (length(close_reason) BETWEEN 1 AND 1000),
    ADD COLUMN overridden   boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT recalls_closed_whole
        CHECK ((closed_at IS NULL) = (closed_by IS NULL) AND (closed_at IS NULL) = (close_reason IS NULL));

CREATE INDEX recalls_open ON recalls (id) WHERE closed_at IS NULL;

-- Wake the follower when a link or a receipt is stored while a recall is open: one cheap
-- check per ingest statement, nothing at all when every recall is closed. The follower also
-- looks on its own every few seconds, so a notification lost in a reconnect delays a hold,
-- it never loses one.
CREATE FUNCTION recall_followup_ring() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM recalls WHERE closed_at IS NULL) THEN
        PERFORM pg_notify('recall_followup', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER trace_links_recall_followup AFTER INSERT ON trace_links
    FOR EACH STATEMENT EXECUTE FUNCTION recall_followup_ring();
CREATE TRIGGER trace_receipts_recall_followup AFTER INSERT ON trace_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION recall_followup_ring();
