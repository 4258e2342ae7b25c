"""How a migration run is told to the person who ran it (the CLI and the demos both say it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloud.migrate import MigrationReport


def describe_migration(report: MigrationReport) -> str:
    """One line: the migrations applied now, how many were already, the storage mode."""
    applied = ", ".join(report.applied) or "none"
    return (
        f"migrations: applied {applied} ({len(report.already_applied)} already applied);"
        f" storage mode: {report.storage_mode.value}"
    )
