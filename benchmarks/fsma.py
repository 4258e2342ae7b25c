"""FSMA 204 sortable spreadsheets in seconds? Sheets of lots and of date ranges, timed.

Run: ``python benchmarks/fsma.py --events 1000000`` (an embedded PostgreSQL; ``--data-dir``
keeps it, and a second run with the same seed measures without loading).

The network is the trace benchmark's (``benchmarks/trace.py``: 5 plants and 45 shops, 2,000
items, raw lots received from suppliers, three levels of intermediates, finished lots shipped
to 3 shops each, shops consuming, sensor readings filling the table). Each sheet is built as
``GET /v1/fsma/spreadsheet`` builds it, minus HTTP: the tenant role under row-level security
with the organisation's 50 sites in scope, the lot traced both ways, the events read, the
rows mapped and the file written (CSV and XLSX).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from psycopg import AsyncConnection

from benchmarks.trace import PLANTS, SHOPS, START, generated_network
from cloud.auth.scope import bind_sites
from cloud.fsma.query import load_places
from cloud.fsma.records import Places
from cloud.fsma.sheet_request import SheetFormat, Spreadsheet, lot_sheet, range_sheet
from cloud.postgres_server import PostgresServer

SITES = PLANTS + SHOPS


async def _places(url: str) -> Places:
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        return await load_places(conn, SITES)


async def time_lots(url: str, lots: list[tuple[str, str]], fmt: SheetFormat
                    ) -> tuple[list[float], list[int]]:  # fmt: skip
    """Seconds per lot sheet, and its rows."""
    places = await _places(url)
    took, rows = [], []
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SET ROLE edgestock_app")
        for item, lot in lots:
            began = time.perf_counter()
            async with conn.transaction():
                await bind_sites(conn, SITES)
                sheet = await lot_sheet(conn, places, item, lot, fmt)
            took.append(time.perf_counter() - began)
            rows.append(0 if sheet is None else sheet.rows)
    return took, rows


async def time_range(url: str, start: datetime, days: int, fmt: SheetFormat
                     ) -> tuple[float, Spreadsheet]:  # fmt: skip
    places = await _places(url)
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SET ROLE edgestock_app")
        began = time.perf_counter()
        async with conn.transaction():
            await bind_sites(conn, SITES)
            sheet = await range_sheet(conn, places, SITES, start, start + timedelta(days=days), fmt)
        return time.perf_counter() - began, sheet


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--lots", type=int, default=40)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    with PostgresServer(args.data_dir) as server:
        url, network = generated_network(server, "fsma_bench", args.events, args.seed)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        rng = random.Random(args.seed)
        raw = network.raw_lots[: len(network.raw_lots) * 9 // 10]  # old enough to have uses
        for name, pool in (("finished lot at shops", network.finished_at_shops), ("raw lot", raw)):
            lots = [rng.choice(pool) for _ in range(args.lots)]
            asyncio.run(time_lots(url, lots[:5], "csv"))  # warm the cache
            formats: tuple[SheetFormat, ...] = ("csv", "xlsx")
            for fmt in formats:
                took, rows = asyncio.run(time_lots(url, lots, fmt))
                print(f"{name:22s} {fmt:4s} {len(lots)} sheets: median "
                      f"{statistics.median(took):.3f} s, max {max(took):.3f} s; rows median "
                      f"{statistics.median(rows):.0f}, max {max(rows)}")  # fmt: skip
        for days in (1, 7):
            for fmt in formats:
                first = START + timedelta(days=2)
                seconds, sheet = asyncio.run(time_range(url, first, days, fmt))
                print(
                    f"range of {days} day(s), 50 sites, {fmt:4s}: {seconds:.2f} s, "
                    f"{sheet.rows:,} rows, {len(sheet.content) / 1e6:.1f} MB"
                )


if __name__ == "__main__":
    main()
