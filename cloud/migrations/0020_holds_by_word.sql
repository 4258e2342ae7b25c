-- A hold's last word is the one with the greatest (changed_at, changed_agent, changed_seq)
-- (domain.projections.Word): time first, then agent and seq, so two words of the same
-- microsecond still have one order, the one the agent's store uses. "C" collation compares
-- agent names by code point, as Python does.
ALTER TABLE lot_holds
    ADD COLUMN changed_agent text COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN changed_seq   bigint          NOT NULL DEFAULT 0;
