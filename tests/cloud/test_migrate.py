"""Migrations: applied once, recorded, idempotent, storage mode chosen and kept."""

from __future__ import annotations

import threading
from typing import get_args

import psycopg
import pytest
from psycopg import sql

from cloud.migrate import (
    MigrationError,
    StorageMode,
    migrate,
    migrations_for,
    read_storage_mode,
    timescale_available,
)
from cloud.settings import StorageChoice
from edgestock.cli.cloud import StorageModeChoice

COMMON = (
    "0001_events",
    "0002_ledger",
    "0003_readings",
    "0004_coldchain",
    "0005_readings_hourly",
    "0006_orgs_auth",
    "0007_agent_identity",
    "0008_masterdata",
    "0009_tenant_identity",
    "0010_sign_in_throttle",
    "0011_unreadable_events",
    "0012_readings_site_wall",
)
LATER = (
    "0020_holds_by_word",
    "0030_in_transit",
    "0031_stock_by_owner",
    "0040_downlink",
    "0050_transfer_orders",
    "0051_one_source_of_ownership",
    "0060_page_reads",
    "0070_recalls",
    "0080_work_orders",
    "0090_trace_links",
    "0095_digital_link",
    "0100_orders",
    "0101_report_datasets",
    "0120_purchase_orders",
    "0130_batch_signatures",
    "0140_work_order_close",
    "0141_work_order_units",
    "0150_logistic_units",
    "0151_recall_followups",
    "0152_lot_status_notify",
    "0153_recall_hold_issued_at",
    "0160_stock_adjustments",
    "0161_order_notifications",
    "0186_global_models",
    "0190_reservations",
    "0191_transfer_closures",
    "0192_open_reservations",
    "0199_downlink_plans",
    "0205_downlink_transfer_close",
    "0206_agent_nonces_by_agent",
    "0207_static_trace_triggers",
)
"""Migrations after the mode-specific ones, the same in both modes: add a new one here."""
BY_MODE = {
    StorageMode.PARTITIONED: (*COMMON, *LATER),
    StorageMode.TIMESCALE: (*COMMON, "0013_readings_late_hours", *LATER),
}


def test_first_run_applies_every_migration_and_records_it(empty_database_url: str) -> None:
    report = migrate(empty_database_url)

    assert report.applied == BY_MODE[report.storage_mode]
    assert report.already_applied == ()
    with psycopg.connect(empty_database_url) as conn:
        rows = conn.execute(
            "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
        ).fetchall()
    expected = migrations_for(report.storage_mode)
    assert [(v, n, c) for v, n, c, _ in rows] == [(m.version, m.name, m.checksum) for m in expected]
    assert all(applied_at is not None for *_, applied_at in rows)


def test_second_run_changes_nothing(empty_database_url: str) -> None:
    first = migrate(empty_database_url)

    again = migrate(empty_database_url)

    assert again.applied == ()
    assert again.already_applied == first.applied
    with psycopg.connect(empty_database_url) as conn:
        count = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert count == (len(first.applied),)


@pytest.mark.parametrize(
    ("trigger", "keeping"),
    [("trace_links_keep", "trace_keeping"), ("work_order_units_keep", "work_order_units_keeping")],
)
def test_the_trace_triggers_run_the_backfills_sql_as_static_statements(
    empty_database_url: str, trigger: str, keeping: str
) -> None:
    """Static statements keep their plans between batches (EXECUTE planned them on every
    batch), and the SQL still has one definition: the function the backfill runs."""
    migrate(empty_database_url)

    with psycopg.connect(empty_database_url) as conn:
        (body,) = conn.execute(
            "SELECT prosrc FROM pg_proc WHERE proname = %s", (trigger,)
        ).fetchone() or (None,)
        (statements,) = conn.execute(
            sql.SQL("SELECT {}('new_events')").format(sql.Identifier(keeping))
        ).fetchone() or (None,)

    assert body == f"BEGIN {statements}; RETURN NULL; END"
    assert "EXECUTE" not in str(body)


def test_storage_mode_is_partitioned_without_timescale(empty_database_url: str) -> None:
    with psycopg.connect(empty_database_url) as conn:
        if timescale_available(conn):
            pytest.skip("this server runs TimescaleDB, so auto chooses timescale mode")

    report = migrate(empty_database_url)

    assert report.storage_mode is StorageMode.PARTITIONED
    assert read_storage_mode(empty_database_url) is StorageMode.PARTITIONED
    with psycopg.connect(empty_database_url) as conn:
        kind = conn.execute("SELECT relkind FROM pg_class WHERE relname = 'readings'").fetchone()
        events_kind = conn.execute(
            "SELECT relkind FROM pg_class WHERE relname = 'events'"
        ).fetchone()
    assert kind == ("p",)  # partitioned table
    assert events_kind == ("r",)  # events stays a plain table: UNIQUE (agent, seq)


def test_asking_for_timescale_where_it_is_missing_is_refused(empty_database_url: str) -> None:
    with psycopg.connect(empty_database_url) as conn:
        if timescale_available(conn):
            pytest.skip("this server runs TimescaleDB, so asking for it is not refused")

    with pytest.raises(MigrationError, match="cannot be used: the server has no timescaledb"):
        migrate(empty_database_url, storage_mode="timescale")
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT to_regclass('storage_mode')").fetchone() == (None,)


def test_recorded_mode_is_kept_against_a_conflicting_request(empty_database_url: str) -> None:
    migrate(empty_database_url, storage_mode="partitioned")

    with pytest.raises(MigrationError, match="cannot switch"):
        migrate(empty_database_url, storage_mode="timescale")


def test_an_edited_applied_migration_is_refused(empty_database_url: str) -> None:
    migrate(empty_database_url)
    with psycopg.connect(empty_database_url) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'x' WHERE version = 2")

    with pytest.raises(MigrationError, match="0002_ledger changed"):
        migrate(empty_database_url)


def test_replicas_migrating_together_apply_each_migration_once(empty_database_url: str) -> None:
    reports = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(migrate(empty_database_url))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    applied = [name for report in reports for name in report.applied]
    assert sorted(applied) == sorted(BY_MODE[reports[0].storage_mode])


def test_a_failed_migration_leaves_nothing_and_names_the_file(empty_database_url: str) -> None:
    # org_nodes is made by 0006: the run gets past 0001-0005, then fails
    with psycopg.connect(empty_database_url) as conn:
        conn.execute("CREATE TABLE org_nodes (id int)")

    with pytest.raises(MigrationError) as failure:
        migrate(empty_database_url)

    message = str(failure.value)
    assert "migration 0006_orgs_auth" in message
    assert "DuplicateTable" in message
    assert 'relation "org_nodes" already exists' in message
    assert "nothing of this run was applied" in message
    with psycopg.connect(empty_database_url) as conn:
        left = conn.execute(
            "SELECT to_regclass('schema_migrations'), to_regclass('storage_mode'), "
            "to_regclass('events'), to_regclass('readings')"
        ).fetchone()
    assert left == (None, None, None, None)


def test_after_a_failure_the_run_can_choose_another_mode(empty_database_url: str) -> None:
    with psycopg.connect(empty_database_url) as conn:
        conn.execute("CREATE TABLE org_nodes (id int)")
    with pytest.raises(MigrationError):
        migrate(empty_database_url)
    with psycopg.connect(empty_database_url) as conn:
        conn.execute("DROP TABLE org_nodes")

    report = migrate(empty_database_url, storage_mode="partitioned")

    assert report.storage_mode is StorageMode.PARTITIONED
    assert report.applied == BY_MODE[StorageMode.PARTITIONED]


def test_the_cli_offers_every_storage_choice_of_the_settings() -> None:
    assert get_args(StorageModeChoice) == get_args(StorageChoice)
