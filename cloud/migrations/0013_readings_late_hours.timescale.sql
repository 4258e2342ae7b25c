-- Late readings under TimescaleDB. Hours after the continuous aggregate's watermark are
-- computed on the fly, but an hour before it shows what was materialised: a batch that
-- arrives late (an agent back from a cut) would stay invisible until the next refresh, and
-- for ever in an hour older than the 30 days of 0005's policy. So:
-- 1. ingest re-rolls the hours before the watermark that a batch added to, right after it
--    commits (cloud.ingest.coldchain.refresh_late_hours, which reads the watermark below);
-- 2. the policy now covers every hour retention keeps (a day short of its 400), as a
--    backstop should that refresh not run (the process stopped between commit and refresh).
--    A refresh re-rolls only the hours invalidated by late rows, so the wide window is cheap.
SELECT remove_continuous_aggregate_policy('readings_hourly');
SELECT add_continuous_aggregate_policy(
    'readings_hourly',
    start_offset => INTERVAL '399 days',
    end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '5 minutes'
);

-- Where materialised hours end: an hour before it is refreshed by ingest, an hour at or
-- after it is computed on the fly. -infinity before the first refresh (TimescaleDB says the
-- earliest timestamp there is, which clients cannot all read).
CREATE FUNCTION readings_hourly_watermark() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN mark < '0001-01-01 00:00+00' THEN '-infinity'::timestamptz ELSE mark END
    FROM (
        SELECT _timescaledb_functions.to_timestamp(
            _timescaledb_functions.cagg_watermark(mat_hypertable_id)) AS mark
        FROM _timescaledb_catalog.continuous_agg
        WHERE user_view_name = 'readings_hourly'
    ) AS materialised
$$;
