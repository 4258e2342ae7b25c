-- Every agent's hash-chained events, exactly as sealed at the edge.
-- A plain table on purpose: UNIQUE (agent, seq) is what makes ingest idempotent, and a
-- hypertable or partitioned table would force the time column into every unique index.
CREATE TABLE events (
    agent       text        NOT NULL,
    seq         bigint      NOT NULL CHECK (seq > 0),
    id          uuid        NOT NULL,
    site        text        NOT NULL,
    type        text        NOT NULL,
    at          timestamptz NOT NULL,
    data        jsonb       NOT NULL,
    prev        text        NOT NULL,
    hash        text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent, seq)
);

CREATE INDEX events_site_at ON events (site, at);

-- Per-agent cursor: the last contiguous event held. Ingest locks this row FOR UPDATE, so
-- any API replica can take any batch and batches of one agent are applied one at a time.
CREATE TABLE agent_heads (
    agent      text        PRIMARY KEY,
    site       text,
    last_seq   bigint      NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    last_hash  text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
