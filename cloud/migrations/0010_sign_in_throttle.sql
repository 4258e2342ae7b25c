-- Failed sign-ins, counted per account and per client address, so that guessing passwords
-- slows down on every replica alike (cloud.api.sign_in_throttle). Kept in the database,
-- not in a replica's memory: behind a load balancer an attacker's requests spread over
-- replicas, and each would otherwise count only its share.
CREATE TABLE sign_in_failures (
    subject         text        PRIMARY KEY CHECK (length(subject) BETWEEN 1 AND 400),
    failures        integer     NOT NULL CHECK (failures >= 1),
    last_failure_at timestamptz NOT NULL,
    blocked_until   timestamptz NOT NULL
);

-- Sign-out ends the session, not only its refresh token: access tokens name their login
-- (the refresh token family) and a revoked family is looked up on every request.
CREATE INDEX refresh_tokens_revoked_family ON refresh_tokens (family)
    WHERE revoked_at IS NOT NULL;
