"""Migrations: applied once, recorded, idempotent, storage mode chosen and kept."""

from __future__ import annotations

import threading

import psycopg
import pytest

from cloud.migrate import MigrationError, StorageMode, migrate, migrations_for, read_storage_mode

ALL = (
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
)


def test_first_run_applies_every_migration_and_records_it(empty_database_url: str) -> None:
    report = migrate(empty_database_url)

    assert report.applied == ALL
    assert report.already_applied == ()
    with psycopg.connect(empty_database_url) as conn:
        rows = conn.execute(
            "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
        ).fetchall()
    expected = migrations_for(StorageMode.PARTITIONED)
    assert [(v, n, c) for v, n, c, _ in rows] == [(m.version, m.name, m.checksum) for m in expected]
    assert all(applied_at is not None for *_, applied_at in rows)


def test_second_run_changes_nothing(empty_database_url: str) -> None:
    migrate(empty_database_url)

    again = migrate(empty_database_url)

    assert again.applied == ()
    assert again.already_applied == ALL
    with psycopg.connect(empty_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (len(ALL),)


def test_storage_mode_is_partitioned_without_timescale(empty_database_url: str) -> None:
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
        if conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone():
            pytest.skip("this server has TimescaleDB")

    with pytest.raises(MigrationError, match="no timescaledb"):
        migrate(empty_database_url, storage_mode="timescale")


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
    assert sorted(applied) == sorted(ALL)


def test_timescale_path_where_the_extension_exists(empty_database_url: str) -> None:
    with psycopg.connect(empty_database_url) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone():
            pytest.skip("TimescaleDB is not installed on this server")

    report = migrate(empty_database_url)

    assert report.storage_mode is StorageMode.TIMESCALE
    with psycopg.connect(empty_database_url) as conn:
        hypertables = conn.execute(
            "SELECT hypertable_name FROM timescaledb_information.hypertables"
        ).fetchall()
    assert hypertables == [("readings",)]
