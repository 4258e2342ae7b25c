-- Device readings (from reading.recorded events), partitioned by UTC day of `at`.
-- Ingest creates the partitions for the days a batch touches (cloud.ingest.partitions),
-- so dropping a day of old readings is a DROP TABLE, not a DELETE.
CREATE TABLE readings (
    agent    text        NOT NULL,
    seq      bigint      NOT NULL,
    site     text        NOT NULL,
    device   text        NOT NULL,
    metric   text        NOT NULL,
    value    numeric     NOT NULL,
    unit     text        NOT NULL,
    location text,
    at       timestamptz NOT NULL
) PARTITION BY RANGE (at);

CREATE INDEX readings_site_device_metric_at ON readings (site, device, metric, at);
