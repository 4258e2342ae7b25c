-- Every identity belongs to one tenant: people and API keys to one organisation, agents to
-- one site for life, enrolment codes to the site of the agent they name. The application
-- checks all of this first; these rules are the wall behind it (docs/security.md,
-- "Threats and defences").

-- The root of a node's tree: the organisation it belongs to.
CREATE FUNCTION org_root(node bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT id FROM org_ancestors(node) ORDER BY depth DESC LIMIT 1
$$;

-- People and API keys get their organisation. Existing ones take the organisation of their
-- earliest grant; one with no grant yet joins the organisation of its first grant (below).
ALTER TABLE users ADD COLUMN org_id bigint REFERENCES org_nodes (id);
ALTER TABLE api_keys ADD COLUMN org_id bigint REFERENCES org_nodes (id);

UPDATE users AS u SET org_id = (
    SELECT org_root(g.node_id) FROM grants AS g WHERE g.user_id = u.id ORDER BY g.id LIMIT 1
);
UPDATE api_keys AS k SET org_id = (
    SELECT org_root(g.node_id) FROM grants AS g WHERE g.api_key_id = k.id ORDER BY g.id LIMIT 1
);

CREATE INDEX users_org ON users (org_id);
CREATE INDEX api_keys_org ON api_keys (org_id);

-- A grant is made only inside the grantee's organisation.
CREATE FUNCTION grants_stay_in_org() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    node_org bigint := org_root(NEW.node_id);
    grantee_org bigint;
BEGIN
    IF NEW.user_id IS NOT NULL THEN
        UPDATE users SET org_id = node_org WHERE id = NEW.user_id AND org_id IS NULL;
        SELECT org_id INTO grantee_org FROM users WHERE id = NEW.user_id;
    ELSE
        UPDATE api_keys SET org_id = node_org WHERE id = NEW.api_key_id AND org_id IS NULL;
        SELECT org_id INTO grantee_org FROM api_keys WHERE id = NEW.api_key_id;
    END IF;
    IF grantee_org IS DISTINCT FROM node_org THEN
        RAISE EXCEPTION 'grant across organisations: the grantee belongs to org node %, '
                        'org node % to org node %', grantee_org, NEW.node_id, node_org;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER grants_stay_in_org BEFORE INSERT OR UPDATE OF user_id, api_key_id, node_id
    ON grants FOR EACH ROW EXECUTE FUNCTION grants_stay_in_org();

-- An agent's chain is its site's evidence: the agent never moves to another site.
CREATE FUNCTION agents_stay_at_their_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.site IS DISTINCT FROM OLD.site THEN
        RAISE EXCEPTION 'agent % belongs to site % and cannot move to site %',
                        OLD.agent, OLD.site, NEW.site;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER agents_stay_at_their_site BEFORE UPDATE OF site ON agents
    FOR EACH ROW EXECUTE FUNCTION agents_stay_at_their_site();

-- A code that names an existing agent is a code of that agent's site.
CREATE FUNCTION codes_name_agents_of_their_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM agents WHERE agent = NEW.agent AND site <> NEW.site) THEN
        RAISE EXCEPTION 'an enrolment code of site % cannot name agent % of another site',
                        NEW.site, NEW.agent;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER codes_name_agents_of_their_site BEFORE INSERT ON enrolment_codes
    FOR EACH ROW WHEN (NEW.agent IS NOT NULL) EXECUTE FUNCTION codes_name_agents_of_their_site();

CREATE INDEX enrolment_codes_agent ON enrolment_codes (agent) WHERE agent IS NOT NULL;
