-- What each agent signed, kept as received: the evidence `edgestock verify` checks the
-- chains against. Hashes can be recomputed by anyone who can write the database; these
-- signatures only by whoever holds the agent's private key.

-- One row per stored batch (a batch whose events were all held already is not kept again).
-- The request's signature covers its method, path and Content-Digest (RFC 9421, profile in
-- domain.request_signature), and the digest covers the gzip body, so the body is kept
-- byte for byte: without it the signature proves nothing about the events.
CREATE TABLE batch_signatures (
    agent          text        NOT NULL,
    first_seq      bigint      NOT NULL,
    last_seq       bigint      NOT NULL,
    site           text        NOT NULL,
    keyid          text        NOT NULL,
    created        bigint      NOT NULL,
    nonce          text        NOT NULL,
    method         text        NOT NULL,
    path           text        NOT NULL,
    content_digest text        NOT NULL,
    signature      bytea       NOT NULL,
    body           bytea       NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent, last_seq),
    CHECK (first_seq BETWEEN 1 AND last_seq)
);

CREATE INDEX batch_signatures_site ON batch_signatures (site, agent, first_seq);

-- Events stored before this migration were never kept with their signatures: each agent's
-- evidence starts after the head it had then. verify names the seq it starts at.
CREATE TABLE evidence_start (
    agent            text   PRIMARY KEY,
    first_signed_seq bigint NOT NULL CHECK (first_signed_seq >= 1)
);

INSERT INTO evidence_start (agent, first_signed_seq)
SELECT agent, last_seq + 1 FROM agent_heads WHERE last_seq > 0;
