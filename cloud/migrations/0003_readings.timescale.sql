-- Device readings (from reading.recorded events) as a TimescaleDB hypertable of one-day
-- chunks, compressed after a week and dropped after about thirteen months.
CREATE EXTENSION IF NOT EXISTS timescaledb;

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
);

SELECT create_hypertable('readings', by_range('at', INTERVAL '1 day'));

CREATE INDEX readings_site_device_metric_at ON readings (site, device, metric, at);

ALTER TABLE readings SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'site, device, metric',
    timescaledb.compress_orderby = 'at DESC'
);

SELECT add_compression_policy('readings', INTERVAL '7 days');
SELECT add_retention_policy('readings', INTERVAL '400 days');
