-- When each recall hold was issued, as the clock read at its INSERT (after the recall
-- follower read what had arrived), not the transaction's start: the follower compares it with
-- the cloud's receipt of arriving stock (events.received_at), and the later the hold's time
-- (still before its commit), the fewer arrivals it takes for not covered and holds again.
ALTER TABLE recall_holds ADD COLUMN issued_at timestamptz;
UPDATE recall_holds AS h SET issued_at = d.created_at
  FROM downlink_documents AS d WHERE (d.site, d.seq) = (h.site, h.seq);
ALTER TABLE recall_holds
    ALTER COLUMN issued_at SET DEFAULT clock_timestamp(),
    ALTER COLUMN issued_at SET NOT NULL;
