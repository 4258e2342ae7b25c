-- Every signed request forgets its agent's expired nonces (cloud/identity/store.py
-- remember_nonce: agent = $1 AND seen_at < now() - 10 minutes). Indexed by seen_at alone,
-- that DELETE walked the expired nonces of every agent and read each row to find its own;
-- by (agent, seen_at) it reads only its own. Measured with 200 agents' ten minutes of
-- nonces (one request a second each): 0.053 -> 0.017 ms per DELETE in the plan, 95 -> 55 µs
-- per statement. Nothing else reads nonces by time, so the old index goes.
DROP INDEX agent_nonces_seen_at;
CREATE INDEX agent_nonces_agent_seen_at ON agent_nonces (agent, seen_at);
