-- Events an agent sealed and signed that the cloud cannot use as parsed: a payload that fails
-- its schema (a NUL in a label, 1E+200000, the year 9999), an event type this cloud does not
-- know, a row PostgreSQL refuses. Refusing such an event would block every later event of
-- the agent's chain, so it is stored instead: its row in ``events`` has the type
-- 'event.unreadable' (no reader of a known type picks it up, the ledger fold skips it) and
-- the chain links (prev, hash) unchanged; the bytes the agent sealed are kept here, with why.
CREATE TABLE unreadable_events (
    agent       text        NOT NULL,
    seq         bigint      NOT NULL,
    site        text        NOT NULL,
    type        text        NOT NULL,
    reason      text        NOT NULL,
    body        bytea       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent, seq),
    FOREIGN KEY (agent, seq) REFERENCES events (agent, seq)
);

CREATE INDEX unreadable_events_site ON unreadable_events (site, agent, seq);

-- Operators read it through the tenant role, behind the same site wall as the events.
ALTER TABLE unreadable_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON unreadable_events USING (site = ANY (app_sites()))
    WITH CHECK (site = ANY (app_sites()));
GRANT SELECT ON unreadable_events TO edgestock_app;
