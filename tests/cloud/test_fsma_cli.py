"""``edgestock fsma`` as a process against a real database the API filled through ingest."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
from openpyxl import load_workbook

from cloud.fsma.sheet import COLUMNS
from tests.cloud.builders import DAY
from tests.cloud.live import database_of
from tests.cloud.test_fsma import PLANT, bakery  # noqa: F401 (the fixture)


def edgestock(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "edgestock", "fsma", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_command_writes_a_lots_sheet_and_a_ranges_workbook(
    bakery: httpx.Client,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = database_of(str(bakery.base_url).rstrip("/"))

    done = edgestock(url, "--item", "biscuit", "--lot", "BI-1")

    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["Critical Tracking Event"] for r in rows] == [
        "Receiving", "Receiving", "Transformation", "Transformation", "Shipping", "Receiving",
        "Shipping",
    ]  # fmt: skip
    assert {r["Traceability Lot Code Source"] for r in rows if r["Traceability Lot Code (TLC)"]
            == "BI-1"} == {PLANT}  # fmt: skip

    day = DAY.date().isoformat()
    book = tmp_path / "day.xlsx"
    done = edgestock(url, "--from", day, "--to", day, "--format", "xlsx", "--out", str(book))
    assert done.returncode == 0, done.stderr
    assert "8 records written" in done.stderr
    (sheet,) = load_workbook(book, read_only=True).worksheets
    table = list(sheet.iter_rows(values_only=True))
    assert (table[0], len(table)) == (COLUMNS, 9)


def test_the_command_refuses_what_it_cannot_answer(
    bakery: httpx.Client,  # noqa: F811
) -> None:
    url = database_of(str(bakery.base_url).rstrip("/"))
    for args, message in (
        (("--item", "flour"), "give --item with --lot"),
        ((), "give one lot"),
        (("--item", "flour", "--lot", "F-1", "--format", "xlsx"), "needs --out"),
        (("--from", "2026-01-02", "--to", "2026-01-01"), "is before --from"),
    ):
        done = edgestock(url, *args)
        assert done.returncode != 0, args
        assert message in done.stderr, (args, done.stderr)
    unknown = edgestock(url, "--item", "flour", "--lot", "NOPE")
    assert unknown.returncode == 1
    assert "'NOPE'" in unknown.stderr
