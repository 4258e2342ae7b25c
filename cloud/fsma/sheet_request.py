"""Build the sortable spreadsheet a request asks for: a lot traced both ways, or a range.

``conn`` is in the caller's site scope; ``places`` (``cloud.fsma.query.load_places``) names
the items and locations of the caller's sites.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from cloud.fsma.query import Conn, lot_events, range_events, sources_of
from cloud.fsma.records import Places, StoredCte, tracking_records
from cloud.fsma.sheet import sheet_csv, sheet_rows, sheet_xlsx

SheetFormat = Literal["csv", "xlsx"]


@dataclass(frozen=True, slots=True)
class Spreadsheet:
    """A finished sheet: its bytes, its media type, its file name and how many rows."""

    content: bytes
    media_type: str
    filename: str
    rows: int


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def lot_sheet(
    conn: Conn, places: Places, item: str, lot: str, fmt: SheetFormat
) -> Spreadsheet | None:
    """The sheet of every event ``lot`` of ``item`` came from or went into; None if unknown."""
    events = await lot_events(conn, item, lot)
    if not events:
        return None
    return await _sheet(conn, places, events, f"fsma204-{item}-{lot}", fmt)


async def range_sheet(
    conn: Conn, places: Places, sites: Sequence[str], start: datetime, end: datetime,
    fmt: SheetFormat,
) -> Spreadsheet:  # fmt: skip
    """The sheet of every tracking event at ``sites`` from ``start`` to ``end`` (excluded)."""
    events = await range_events(conn, sites, start, end)
    name = f"fsma204-{start:%Y%m%d}-{end:%Y%m%d}"
    return await _sheet(conn, places, events, name, fmt)


async def _sheet(
    conn: Conn, places: Places, events: list[StoredCte], name: str, fmt: SheetFormat
) -> Spreadsheet:
    sources = await sources_of(conn, events)
    rows = sheet_rows(tracking_records(events, sources, places))
    # writing a large workbook is CPU work: off the event loop
    if fmt == "xlsx":
        content = await asyncio.to_thread(sheet_xlsx, rows, "FSMA 204")
    else:
        content = await asyncio.to_thread(sheet_csv, rows)
    return Spreadsheet(content, MEDIA_TYPES[fmt], f"{name}.{fmt}", len(rows))
