-- Gated stock adjustments (issue 15): an adjustment asked for in the cloud goes down to the
-- site as a 'stock.adjust' document, at once when it is within the threshold of the org
-- settings, else once every approval step in force has approved it.

ALTER TABLE downlink_documents DROP CONSTRAINT downlink_documents_kind_check;
ALTER TABLE downlink_documents ADD CONSTRAINT downlink_documents_kind_check
    CHECK (kind IN ('hold', 'masterdata', 'transfer.expect', 'transfer.ship', 'workorder',
                    'purchase.expect', 'stock.adjust'));

CREATE TABLE stock_adjustments (
    site         text        NOT NULL REFERENCES org_nodes (site),
    adjustment   text        NOT NULL CHECK (length(adjustment) BETWEEN 1 AND 200),
    content      jsonb       NOT NULL,  -- the document's content, as it goes down
    over         text,                  -- why it waits for approval (null: within threshold)
    steps        text[]      NOT NULL,  -- the roles that approve it, in order
    state        text        NOT NULL CHECK (state IN ('awaiting_approval', 'sent', 'refused')),
    requested_by text        NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    downlink_seq bigint,
    PRIMARY KEY (site, adjustment),
    CHECK ((state = 'sent') = (downlink_seq IS NOT NULL))
);

-- Each decision on a step, with who and when; never changed afterwards.
CREATE TABLE stock_adjustment_approvals (
    site       text        NOT NULL,
    adjustment text        NOT NULL,
    step       integer     NOT NULL CHECK (step >= 0),
    role       text        NOT NULL,
    approved   boolean     NOT NULL,
    decided_by text        NOT NULL,
    decided_at timestamptz NOT NULL DEFAULT now(),
    note       text        CHECK (length(note) <= 1000),
    PRIMARY KEY (site, adjustment, step),
    FOREIGN KEY (site, adjustment) REFERENCES stock_adjustments (site, adjustment)
);

CREATE FUNCTION stock_adjustment_approvals_are_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_adjustment_approvals is append-only: a decision is never changed';
END $$;
CREATE TRIGGER stock_adjustment_approvals_kept BEFORE UPDATE OR DELETE
    ON stock_adjustment_approvals FOR EACH ROW EXECUTE FUNCTION stock_adjustment_approvals_are_kept();
