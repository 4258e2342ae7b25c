-- Master data of each site (items, suppliers, locations, recipes, menu, modifiers): one
-- document per site, edited through the API and pulled by the site's agents at start.
-- ``version`` goes up by one on every write, so an agent can log which version it runs.
CREATE TABLE site_masterdata (
    site       text        PRIMARY KEY REFERENCES org_nodes (site),
    document   jsonb       NOT NULL,
    version    integer     NOT NULL CHECK (version >= 1),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text        NOT NULL
);

-- Read and written through the tenant role, behind the same site wall as the events.
ALTER TABLE site_masterdata ENABLE ROW LEVEL SECURITY;
CREATE POLICY site_scope ON site_masterdata USING (site = ANY (app_sites()))
    WITH CHECK (site = ANY (app_sites()));
GRANT SELECT, INSERT, UPDATE ON site_masterdata TO edgestock_app;
