-- The hourly rollup of readings (plain PostgreSQL): a table ingest maintains in the
-- batch's own transaction. The TimescaleDB variant is a continuous aggregate with the same
-- columns.

-- Hourly rollup per (site, location, metric, unit) of readings that name a location.
-- Sums, not means, so two batches touching one hour add up (ON CONFLICT ... sum + excluded)
-- and any set of hours can be combined exactly. sum_arrhenius is Σ exp(-ΔH/(R·T)) of the
-- hour's °C readings (ΔH/R from domain.coldchain.mkt), from which MKT over any hours is
-- (ΔH/R) / -ln(Σ sum_arrhenius / Σ count); NULL for metrics that are not temperatures.
-- Maintained by cloud.ingest.coldchain.add_to_rollup; °C values at or below absolute zero
-- (broken probes) are left out, as in the TimescaleDB variant.
CREATE TABLE readings_hourly (
    site          text             NOT NULL,
    location      text             NOT NULL,
    metric        text             NOT NULL,
    unit          text             NOT NULL,
    hour          timestamptz      NOT NULL,
    min_value     numeric          NOT NULL,
    max_value     numeric          NOT NULL,
    sum_value     numeric          NOT NULL,
    count         bigint           NOT NULL CHECK (count > 0),
    sum_arrhenius double precision,
    PRIMARY KEY (site, location, metric, unit, hour)
);
