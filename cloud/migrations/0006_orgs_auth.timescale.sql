-- Organisations, people, their grants, and row-level security on every site's data.
-- The model is explained in docs/security.md.
-- TimescaleDB variant: the same as 0006_orgs_auth.partitioned.sql except that `readings`
-- gets no row-level security here (TimescaleDB refuses it on a hypertable with columnstore
-- compression, and under a continuous aggregate); its site wall is the views of 0012.

-- A tree of any depth (group → division → plant → area → line, group → brand → restaurant →
-- kitchen). `site` is set on the node that IS a site: the string agents put in events' site.
-- `settings` holds only what this node overrides; the effective settings are the merge of
-- the ancestors' from the root down (cloud.orgs.settings).
CREATE TABLE org_nodes (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id  bigint      REFERENCES org_nodes (id),
    kind       text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_-]{0,39}$'),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    site       text        UNIQUE CHECK (length(site) BETWEEN 1 AND 200),
    settings   jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);

CREATE INDEX org_nodes_parent ON org_nodes (parent_id);

-- A node and its ancestors with their distance from it (0 for the node): the one walk up
-- the tree that inheritance of grants, settings and cost prices all use.
CREATE FUNCTION org_ancestors(node bigint) RETURNS TABLE (id bigint, depth integer)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up (id, parent_id, depth) AS (
        SELECT n.id, n.parent_id, 0 FROM org_nodes AS n WHERE n.id = node
        UNION ALL
        SELECT n.id, n.parent_id, up.depth + 1 FROM org_nodes AS n JOIN up ON n.id = up.parent_id
    )
    SELECT up.id, up.depth FROM up
$$;
-- Two roots (or two siblings) of the same name would make the tree ambiguous to people.
CREATE UNIQUE INDEX org_nodes_sibling_name ON org_nodes (coalesce(parent_id, 0), name);

-- Warehouses belong to nodes. A virtual warehouse is a logical share of a physical one,
-- held for a legal entity; the physical warehouse's locations are split between them.
CREATE TABLE warehouses (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node_id      bigint NOT NULL REFERENCES org_nodes (id),
    name         text   NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    physical_id  bigint REFERENCES warehouses (id),
    legal_entity text   CHECK (length(legal_entity) BETWEEN 1 AND 200),
    UNIQUE (node_id, name),
    -- a virtual warehouse names its legal entity and splits a physical one, never another
    -- virtual one (checked by cloud.orgs.warehouses, which knows the parent's kind)
    CHECK ((physical_id IS NULL) = (legal_entity IS NULL))
);

-- A location is the string events carry in `location`, at the warehouse's node's site.
CREATE TABLE locations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    warehouse_id bigint NOT NULL REFERENCES warehouses (id),
    virtual_id   bigint REFERENCES warehouses (id),
    code         text   NOT NULL CHECK (length(code) BETWEEN 1 AND 200),
    UNIQUE (warehouse_id, code)
);

-- Cost prices set at a node hold for its whole subtree unless a node below sets its own.
CREATE TABLE item_costs (
    node_id    bigint      NOT NULL REFERENCES org_nodes (id),
    item       text        NOT NULL,
    cost_price numeric     NOT NULL CHECK (cost_price >= 0),
    currency   text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    per_unit   text        NOT NULL CHECK (length(per_unit) BETWEEN 1 AND 20),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (node_id, item)
);

-- People. Emails are kept lower-cased by the app; the hash is argon2id (PHC string).
CREATE TABLE users (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text        NOT NULL UNIQUE CHECK (email = lower(email)),
    password_hash text        NOT NULL,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Keys of integrations: only a SHA-256 of the secret is kept (the secret is random, so a
-- slow hash adds nothing); `prefix` is shown to people to tell keys apart.
CREATE TABLE api_keys (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    prefix      text        NOT NULL UNIQUE,
    secret_hash bytea       NOT NULL UNIQUE,
    created_by  bigint      REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- A role is a set of permissions: operations (stock.read …) and fields (field.cost_price …).
-- Built-in roles have no org; an org may define its own (org_id = its root node).
CREATE TABLE roles (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint REFERENCES org_nodes (id),
    name        text   NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{0,39}$'),
    permissions text[] NOT NULL
);

CREATE UNIQUE INDEX roles_name ON roles (coalesce(org_id, 0), name);

-- A role held by a user or an API key at a node, inherited by the node's subtree, in force
-- from valid_from until (not including) valid_until.
CREATE TABLE grants (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint      REFERENCES users (id),
    api_key_id  bigint      REFERENCES api_keys (id),
    role_id     bigint      NOT NULL REFERENCES roles (id),
    node_id     bigint      NOT NULL REFERENCES org_nodes (id),
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_until timestamptz,
    granted_by  bigint      REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (api_key_id IS NULL)),
    CHECK (valid_until IS NULL OR valid_until > valid_from)
);

CREATE INDEX grants_user ON grants (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX grants_api_key ON grants (api_key_id) WHERE api_key_id IS NOT NULL;

-- Refresh tokens, rotated on each use. A token used twice (stolen and replayed) revokes its
-- whole family: every token descended from the same login.
CREATE TABLE refresh_tokens (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id),
    family     uuid        NOT NULL,
    token_hash bytea       NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

-- The key that signs access tokens, made by the first app that starts (cloud.auth.tokens),
-- so every replica signs and checks with the same one without configuration.
CREATE TABLE token_keys (
    kid        text        PRIMARY KEY,
    secret     bytea       NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    retired_at timestamptz
);

INSERT INTO roles (name, permissions) VALUES
    ('org_admin', ARRAY['stock.read', 'stock.adjust', 'quarantine.release', 'coldchain.read',
                        'events.read', 'devices.manage', 'org.manage', 'users.manage',
                        'field.cost_price', 'field.supplier_contact']),
    ('warehouse', ARRAY['stock.read', 'stock.adjust', 'events.read']),
    ('quality', ARRAY['stock.read', 'coldchain.read', 'events.read', 'quarantine.release']),
    ('finance', ARRAY['stock.read', 'events.read', 'field.cost_price',
                      'field.supplier_contact']),
    ('device_manager', ARRAY['devices.manage']),
    ('auditor', ARRAY['stock.read', 'coldchain.read', 'events.read']);

-- Row-level security: the second wall behind the app's own scoping. The API reads through
-- the role below, which owns nothing and cannot bypass RLS; per transaction the app sets
-- app.sites to the sites the caller may see (cloud.auth.scope), and a row of another site
-- is invisible, even to a query that forgot its WHERE.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'edgestock_app') THEN
        CREATE ROLE edgestock_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
    -- The migrating owner must be able to SET ROLE to it (a superuser always can).
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT edgestock_app TO %I', current_user);
    END IF;
END
$$;

-- The sites of this transaction's caller; none when the app set nothing.
CREATE FUNCTION app_sites() RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(nullif(current_setting('app.sites', true), ''), '{}')::text[]
$$;

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['events', 'ledger', 'lots', 'readings', 'readings_hourly',
                                'lot_holds', 'excursions', 'agent_heads'] LOOP
        -- readings_hourly is a continuous aggregate (a view) and readings a compressed
        -- hypertable: no RLS on either, and the app role gets no access to them here
        IF (SELECT relkind FROM pg_class WHERE oid = name::regclass) IN ('r', 'p')
            AND name NOT IN ('readings', 'readings_hourly') THEN
            EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', name);
            EXECUTE format(
                'CREATE POLICY site_scope ON %I USING (site = ANY (app_sites())) '
                'WITH CHECK (site = ANY (app_sites()))', name);
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO edgestock_app', name);
        END IF;
    END LOOP;
END
$$;

GRANT EXECUTE ON FUNCTION app_sites() TO edgestock_app;
