-- The site wall of readings and of their hourly rollup, the same in both storage modes.
-- TimescaleDB refuses row-level security on a hypertable with columnstore compression and
-- under a continuous aggregate, so the app role reads readings only through these views.
-- A view runs with its owner's rights (the migrating role) and shows the rows of the
-- transaction's sites only, as the policies of 0006 do for the other tables; security_barrier
-- keeps a caller's own conditions (a function that leaks what it is shown) from running
-- before the site filter. Conditions on plain columns (site, location, hour, at) still reach
-- the index, the partitions and the chunks.
CREATE VIEW site_readings WITH (security_barrier) AS
SELECT agent, seq, site, device, metric, value, unit, location, at
FROM readings
WHERE site = ANY (app_sites());

CREATE VIEW site_readings_hourly WITH (security_barrier) AS
SELECT site, location, metric, unit, hour, min_value, max_value, sum_value, count, sum_arrhenius
FROM readings_hourly
WHERE site = ANY (app_sites());

-- The app role reads through the views and nothing else: a query that names the tables
-- fails in both modes alike, instead of working only where RLS happens to be allowed.
-- (Under plain PostgreSQL the tables keep their RLS policies as well.)
REVOKE ALL ON readings, readings_hourly FROM edgestock_app;
GRANT SELECT ON site_readings, site_readings_hourly TO edgestock_app;
