-- The down-channel (issue 10, build 4): per site, a numbered outbox of signed documents the
-- site's agents pull and apply once, and how far each agent has applied it.

-- The cloud's signing keys (Ed25519). The first app that needs one makes it
-- (cloud.downlink.keys), so every replica signs with the same key without configuration.
-- The newest key not retired signs; agents trust the public keys they were given at
-- enrolment. The private key never leaves the database; the tenant role cannot read it.
CREATE TABLE downlink_keys (
    kid         text        PRIMARY KEY,
    private_key bytea       NOT NULL CHECK (length(private_key) = 32),
    public_key  bytea       NOT NULL UNIQUE CHECK (length(public_key) = 32),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    retired_at  timestamptz
);

-- The last number given to each site's documents: the row is locked while a document is
-- numbered, so numbers are gapless and in the order documents were committed.
CREATE TABLE downlink_heads (
    site text   PRIMARY KEY REFERENCES org_nodes (site),
    seq  bigint NOT NULL CHECK (seq >= 0)
);

CREATE TABLE downlink_documents (
    site       text        NOT NULL REFERENCES org_nodes (site),
    seq        bigint      NOT NULL CHECK (seq >= 1),
    kind       text        NOT NULL
               CHECK (kind IN ('hold', 'masterdata', 'transfer.expect', 'transfer.ship')),
    body       text        NOT NULL,
    kid        text        NOT NULL REFERENCES downlink_keys (kid),
    signature  bytea       NOT NULL CHECK (length(signature) = 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text        NOT NULL,
    PRIMARY KEY (site, seq)
);

-- What each agent reported applied (its ack): the cloud's view of what landed where.
CREATE TABLE downlink_acks (
    agent      text        PRIMARY KEY REFERENCES agents (agent),
    site       text        NOT NULL REFERENCES org_nodes (site),
    seq        bigint      NOT NULL CHECK (seq >= 0),
    acked_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX downlink_acks_site ON downlink_acks (site);

-- Operators read a site's documents and acks through the tenant role, behind the site wall.
ALTER TABLE downlink_documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON downlink_documents USING (site = ANY (app_sites()));
ALTER TABLE downlink_acks ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON downlink_acks USING (site = ANY (app_sites()));
GRANT SELECT ON downlink_documents, downlink_acks TO edgestock_app;
