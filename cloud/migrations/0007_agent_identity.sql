-- Agent identity: who may send a site's events, with which key, and which requests were seen.

-- One row per enrolled agent. An agent belongs to one site for life: its chain is that
-- site's evidence. Revoking refuses its requests; re-enrolling (a code naming the agent)
-- gives it a new key and lifts the revocation, and its chain goes on where it stopped.
CREATE TABLE agents (
    agent          text        PRIMARY KEY,
    site           text        NOT NULL REFERENCES org_nodes (site),
    enrolled_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    revoked_reason text
);

CREATE INDEX agents_site ON agents (site);

-- Every public key an agent has held, kept after it is retired: an old signature can still
-- be attributed. At most one key per agent is in force.
CREATE TABLE agent_keys (
    keyid      text        PRIMARY KEY,
    agent      text        NOT NULL REFERENCES agents (agent),
    public_key bytea       NOT NULL CHECK (length(public_key) = 32),
    added_at   timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);

CREATE UNIQUE INDEX agent_keys_one_in_force ON agent_keys (agent) WHERE retired_at IS NULL;

-- One-time enrolment codes. Only a hash of the code is stored: a database dump does not
-- hand out enrolments. ``agent`` names the agent the code enrols: an existing one is
-- re-keyed (rotation, or re-enrolment after a revocation), a new one is created with that
-- id; without it the cloud names the new agent.
CREATE TABLE enrolment_codes (
    code_hash  text        PRIMARY KEY,
    site       text        NOT NULL REFERENCES org_nodes (site),
    agent      text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    used_by    text,
    CHECK (expires_at > created_at)
);

-- Nonces of signed requests, kept for the freshness window: a request seen once is refused
-- the second time. Older rows are deleted as new ones arrive.
CREATE TABLE agent_nonces (
    agent   text        NOT NULL,
    nonce   text        NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent, nonce)
);

CREATE INDEX agent_nonces_seen_at ON agent_nonces (seen_at);
