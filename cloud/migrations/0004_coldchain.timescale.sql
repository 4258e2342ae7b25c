-- Cold chain in the cloud (TimescaleDB): holds on stock, excursions, and an hourly rollup of
-- readings as a continuous aggregate. Identical to 0004_coldchain.partitioned.sql except
-- readings_hourly, which has the same columns so the views read it the same way.
-- NOT TESTED HERE: TimescaleDB cannot be installed on the build machines (see FIELD_NOTES).

-- The last word on each stock key's hold, folded from lot.blocked / lot.released with
-- domain.holds.hold_changes (the edge's fold). A release keeps its row (held = false) and
-- every row keeps the time of the event it came from, so when two agents' batches arrive
-- out of time order (a tablet's release before the block it lifts), the later event wins.
CREATE TABLE lot_holds (
    site       text        NOT NULL,
    item       text        NOT NULL,
    lot        text        NOT NULL,
    location   text        NOT NULL,
    held       boolean     NOT NULL,
    reason     text,
    cause      text,
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (site, item, lot, location),
    CHECK (held = (reason IS NOT NULL))
);

-- One row per excursion, folded from excursion.* events. Each column keeps the last word of
-- the events on it except opened_at and escalated_at (the first), so an upsert of a batch's
-- merged changes needs no read first.
CREATE TABLE excursions (
    site              text        NOT NULL,
    location          text        NOT NULL,
    number            integer     NOT NULL CHECK (number >= 1),
    opened_at         timestamptz,
    closed_at         timestamptz,
    status            text        NOT NULL
        GENERATED ALWAYS AS (CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END) STORED,
    escalated_at      timestamptz,
    acknowledged_at   timestamptz,
    acknowledged_by   text,
    corrective_action text,
    back_in_range     boolean,
    figures           jsonb,
    agent             text        NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (site, location, number)
);

CREATE INDEX excursions_site_opened_at ON excursions (site, opened_at);

-- What an excursion set off (lot.blocked, safety_stock.raised, purchase.suggested name it as
-- their cause) and the releases of held lots, found by the excursion list without a scan.
CREATE INDEX events_site_cause ON events (site, (data ->> 'cause'))
    WHERE type IN ('lot.blocked', 'safety_stock.raised', 'purchase.suggested');
CREATE INDEX events_site_lot_releases ON events (site, (data ->> 'lot'), at)
    WHERE type = 'lot.released';

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
