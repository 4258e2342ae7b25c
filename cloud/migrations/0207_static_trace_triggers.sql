-- The trace and work-order triggers ran their SQL with EXECUTE: PostgreSQL planned the
-- three INSERTs afresh on every batch, 0.19 ms of the database's 2 ms for a batch of 30
-- events (pg_stat_statements with nested statements tracked). PL/pgSQL keeps the plans of
-- the statements written in a function's body, so each trigger's body is now those
-- statements, written by the one definition the backfills use (trace_keeping,
-- work_order_units_keeping): the SQL still lives in one place.
DO $migration$
BEGIN
    EXECUTE format(
        'CREATE OR REPLACE FUNCTION trace_links_keep() RETURNS trigger LANGUAGE plpgsql AS %L',
        'BEGIN ' || trace_keeping('new_events') || '; RETURN NULL; END');
    EXECUTE format(
        'CREATE OR REPLACE FUNCTION work_order_units_keep() RETURNS trigger LANGUAGE plpgsql '
        'AS %L',
        'BEGIN ' || work_order_units_keeping('new_events') || '; RETURN NULL; END');
END
$migration$;
