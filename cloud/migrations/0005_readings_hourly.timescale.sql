-- The hourly rollup of readings (TimescaleDB) as a continuous aggregate with the same columns
-- as the plain variant's table, so the views read it the same way.
-- NOT TESTED HERE: TimescaleDB cannot be installed on the build machines (see FIELD_NOTES).

-- Hourly rollup per (site, location, metric, unit) of readings that name a location, as a
-- continuous aggregate with real-time aggregation (recent hours are computed on the fly).
-- sum_arrhenius is Σ exp(-ΔH/(R·T)) of the hour's °C readings with ΔH/R = 10000 K (the
-- default of domain.coldchain.mkt; tests/cloud check this file against it); the unit list is
-- cloud.coldchain.rollup.CELSIUS_UNITS.
CREATE MATERIALIZED VIEW readings_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT
    site,
    location,
    metric,
    unit,
    time_bucket(INTERVAL '1 hour', at) AS hour,
    min(value) AS min_value,
    max(value) AS max_value,
    sum(value) AS sum_value,
    count(*) AS count,
    sum(
        CASE WHEN unit IN ('°C', 'C', 'degC', 'Cel', 'celsius')
        THEN exp(-10000.0 / (value + 273.15)::double precision) END
    ) AS sum_arrhenius
FROM readings
WHERE location IS NOT NULL
    -- a temperature at or below absolute zero is a broken probe, not a reading
    AND NOT (unit IN ('°C', 'C', 'degC', 'Cel', 'celsius') AND value <= -273.15)
GROUP BY site, location, metric, unit, time_bucket(INTERVAL '1 hour', at)
WITH NO DATA;

-- Agents may sync days late after a cut: refresh a month back so late hours are folded in.
SELECT add_continuous_aggregate_policy(
    'readings_hourly',
    start_offset => INTERVAL '30 days',
    end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '5 minutes'
);
