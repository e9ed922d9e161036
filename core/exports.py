"""Excel output shared by every list page and report: one sanitizer, one writer.

Every user string goes through `safe_cell_value`: characters Excel rejects are removed, and a string that starts
with = + - @ is written as text so that no formula is injected from user input. Dates and numbers stay real
dates and numbers. Columns are sized for Chinese text (a CJK character is two columns wide).
"""

import datetime
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@")
MAX_COLUMN_WIDTH = 60
# Column widths are fitted to the header and the first rows; later rows do not change them.
WIDTH_SAMPLE_ROWS = 500


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]


def display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def safe_cell_value(value: Any) -> Any:
    if isinstance(value, Promise):
        # A lazy translation (a choice label): its text, so that the checks below see a string.
        value = str(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # Excel has no time zones: write the local time users see on screen.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _cell(ws: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    value = safe_cell_value(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, Decimal):
        cell.number_format = "0.00"
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_workbook(sheets: Sequence[Sheet], target: Any) -> None:
    """Write the sheets in write-only mode (bounded memory) to a path or a binary file object."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        rows = iter(sheet.rows)
        sample: list[Sequence[Any]] = []
        for row in rows:
            sample.append(row)
            if len(sample) >= WIDTH_SAMPLE_ROWS:
                break
        for index, header in enumerate(sheet.headers, start=1):
            widest = max([display_width(header), *(display_width(r[index - 1]) for r in sample)])
            ws.column_dimensions[get_column_letter(index)].width = min(widest + 2, MAX_COLUMN_WIDTH)
        ws.freeze_panes = "A2"
        ws.append([_cell(ws, h, bold=True) for h in sheet.headers])
        for row in sample:
            ws.append([_cell(ws, v) for v in row])
        for row in rows:
            ws.append([_cell(ws, v) for v in row])
    wb.save(target)


def attachment_disposition(filename: str) -> str:
    """Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def xlsx_response(*, filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    buffer = BytesIO()
    write_workbook(sheets, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response
