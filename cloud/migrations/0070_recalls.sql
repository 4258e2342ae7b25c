-- Recalls (issue 12, build 5): a recalled lot, every lot at every site its forward trace
-- reached, the hold document issued to each of those sites for each lot, and when each agent
-- of the site had applied all of them (its down-channel ack reached the last one).

CREATE TABLE recalls (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item       text        NOT NULL,
    lot        text        NOT NULL,
    reason     text        NOT NULL,
    sites      text[]      NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- One row per affected lot at a site: the hold document (its number in the site's
-- down-channel) that holds it there.
CREATE TABLE recall_holds (
    recall bigint NOT NULL REFERENCES recalls (id),
    site   text   NOT NULL,
    item   text   NOT NULL,
    lot    text   NOT NULL,
    seq    bigint NOT NULL,
    PRIMARY KEY (recall, site, item, lot),
    FOREIGN KEY (site, seq) REFERENCES downlink_documents (site, seq)
);

CREATE INDEX recall_holds_site ON recall_holds (site);

-- The first time an agent's ack covered every hold of a recall at its site: the moment the
-- recall was in force there (the agent applies a document before it acks it).
CREATE TABLE recall_applied (
    recall     bigint      NOT NULL REFERENCES recalls (id),
    site       text        NOT NULL,
    agent      text        NOT NULL,
    seq        bigint      NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (recall, agent)
);

CREATE FUNCTION recall_applied_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO recall_applied (recall, site, agent, seq)
    SELECT h.recall, h.site, NEW.agent, NEW.seq
      FROM recall_holds AS h
     WHERE h.site = NEW.site
       AND NOT EXISTS (SELECT 1 FROM recall_applied AS a
                        WHERE a.recall = h.recall AND a.agent = NEW.agent)
     GROUP BY h.recall, h.site
    HAVING max(h.seq) <= NEW.seq
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER downlink_acks_recalls AFTER INSERT OR UPDATE OF seq ON downlink_acks
    FOR EACH ROW EXECUTE FUNCTION recall_applied_keep();

-- Operators read recalls through the tenant role: a recall shows to those who may see one
-- of its sites, its holds and acks only at the sites they may see.
ALTER TABLE recalls ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON recalls USING (sites && app_sites());
ALTER TABLE recall_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON recall_holds USING (site = ANY (app_sites()));
ALTER TABLE recall_applied ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON recall_applied USING (site = ANY (app_sites()));
GRANT SELECT ON recalls, recall_holds, recall_applied TO edgestock_app;

-- The agents of the caller's sites in force (the tenant role cannot read ``agents``): a
-- recall's report names each, including one that has never acked.
CREATE VIEW site_agents WITH (security_barrier) AS
SELECT agent, site FROM agents WHERE revoked_at IS NULL AND site = ANY (app_sites());
GRANT SELECT ON site_agents TO edgestock_app;
