-- Reports defined as data (issue 15): one dataset (domain.reports.Dataset, as JSON) per
-- name per organisation. Running one reads the sources of cloud.reports.catalogue.
CREATE TABLE report_datasets (
    org_id     bigint      NOT NULL REFERENCES org_nodes (id),
    name       text        NOT NULL CHECK (name ~ '^[a-z][a-z0-9-]{0,59}$'),
    definition jsonb       NOT NULL,
    updated_by text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, name)
);
