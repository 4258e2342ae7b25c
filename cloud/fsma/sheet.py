"""The FDA's electronic sortable spreadsheet of tracking records, as CSV or XLSX.

One row per record, one column per key data element, headed as the FDA's sortable
spreadsheet template heads them, plus two of ours at the end: the time of day in UTC
(the template asks for dates) and the event behind the row (agent/seq, for ``verify``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from cloud.fsma.records import TrackingRecord

COLUMNS = (
    "Traceability Lot Code (TLC)",
    "Traceability Lot Code Source",
    "Product Description",
    "Quantity",
    "Unit of Measure",
    "Critical Tracking Event",
    "Event Date",
    "Location Description",
    "Immediate Previous Source",
    "Immediate Subsequent Recipient",
    "TLC of Food Used",
    "Product Description of Food Used",
    "Quantity of Food Used",
    "Unit of Measure of Food Used",
    "Reference Document Type",
    "Reference Document Number",
    "Event Time (UTC)",
    "EdgeStock Record (agent/seq)",
)

Cell = str | float | int


def sheet_rows(records: Iterable[TrackingRecord]) -> list[list[str]]:
    """The records as rows of text, in ``COLUMNS`` order (what both formats write)."""
    return [
        [
            r.tlc,
            r.tlc_source,
            r.product,
            _number(r.quantity),
            r.unit,
            r.cte,
            r.at.date().isoformat(),
            r.location,
            r.previous_source,
            r.subsequent_recipient,
            r.used_tlc,
            r.used_product,
            "" if r.used_quantity is None else _number(r.used_quantity),
            r.used_unit,
            r.reference_type,
            r.reference_number,
            r.at.strftime("%H:%M:%S"),
            r.record,
        ]
        for r in records
    ]


def _number(value: object) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def sheet_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """CSV (UTF-8 with a byte-order mark, so spreadsheet programs read non-ASCII names)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


_NUMERIC = {COLUMNS.index("Quantity"), COLUMNS.index("Quantity of Food Used")}


def sheet_xlsx(rows: Sequence[Sequence[str]], title: str) -> bytes:
    """XLSX with one sheet, quantities as numbers, the header frozen and filterable."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{_column_letter(len(COLUMNS))}{len(rows) + 1}"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([_cell(i, value) for i, value in enumerate(row)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(index: int, value: str) -> Cell:
    if index in _NUMERIC and value:
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def _column_letter(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
