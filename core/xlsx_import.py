"""Reading an Excel import (花名册、中层干部考核评分 …) the same way everywhere: one size and row cap, one header
reader, one row checker.

The header row is what an import keys on, so columns may come in any order and optional ones may be left out; other
columns are ignored. Each error names the row number Excel shows, the column and the reason (and the sheet, when a
file has several), so that a refused file can be put right in one pass.
"""

import datetime
import os
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook

# An organ's files hold hundreds of rows; the caps stop a crafted file from exhausting memory.
MAX_DATA_ROWS = 20_000
MAX_COLUMNS = 100
DATE_PATTERN = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")


@dataclass(frozen=True)
class RowError:
    """One reason a file is refused. `row` is the row number Excel shows; None for the file as a whole."""

    row: int | None
    column: str
    message: str
    sheet: str = ""

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"【{self.sheet}】" if self.sheet else ""
        return f"{where}第{self.row}行 [{self.column}] {self.message}"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (not an xlsx, too large, no data, missing headers)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class SheetRows:
    # The column index of each known header.
    columns: dict[str, int]
    # The non-empty data rows with their Excel row numbers.
    rows: list[tuple[int, tuple[Any, ...]]]
    # The header row as read, stripped, for imports whose columns depend on the data (one per team member …).
    header: list[str]


def file_size(file: Any) -> int:
    if isinstance(file, str | os.PathLike):
        return os.path.getsize(file)
    size = getattr(file, "size", None)
    if size is not None:
        return size
    position = file.tell()
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(position)
    return size


def file_name(file: Any) -> str:
    if isinstance(file, str | os.PathLike):
        return os.path.basename(file)
    return os.path.basename(str(getattr(file, "name", "") or ""))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class SheetSpec:
    """What to read from one worksheet: `name` None is the first sheet. Headers outside `headers` are ignored, except
    those starting with one of `prefixes` (columns that depend on the data, such as one per scorer); `required`
    ones must be there."""

    headers: Collection[str]
    required: Sequence[str]
    name: str | None = None
    prefixes: tuple[str, ...] = ()


def read_sheets(
    file: Any, specs: Sequence[SheetSpec], *, unreadable: str, sheet_names_in_errors: bool = False
) -> list[SheetRows | None]:
    """The rows of each sheet asked for (None for a named sheet the file does not have), or ImportFileError with
    every file-level problem. `unreadable` is the message for a file that is not an xlsx."""
    max_bytes = settings.ZHIBU_IMPORT_MAX_BYTES
    if file_size(file) > max_bytes:
        raise ImportFileError(
            [RowError(None, "", _("文件超过 %(mb)d MB，请分批导入。") % {"mb": max_bytes // (1024 * 1024)})]
        )
    if hasattr(file, "seek"):
        file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    # A damaged or foreign file can fail deep inside zipfile or the XML parser with almost any exception.
    except Exception as exc:
        raise ImportFileError([RowError(None, "", unreadable)]) from exc
    try:
        found: list[SheetRows | None] = []
        errors: list[RowError] = []
        for spec in specs:
            if spec.name is None:
                worksheet = workbook.worksheets[0]
            elif spec.name in workbook.sheetnames:
                worksheet = workbook[spec.name]
            else:
                found.append(None)
                continue
            label = worksheet.title if sheet_names_in_errors else ""
            try:
                found.append(_read_worksheet(worksheet, spec, label))
            except ImportFileError as exc:
                errors.extend(exc.errors)
                found.append(None)
        if errors:
            raise ImportFileError(errors)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError([RowError(None, "", unreadable)]) from exc
    finally:
        workbook.close()
    return found


def _read_worksheet(worksheet: Any, spec: SheetSpec, label: str) -> SheetRows:
    header = next(worksheet.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
    names = ["" if value is None else str(value).strip() for value in header]
    dynamic = [n for n in names if spec.prefixes and n.startswith(spec.prefixes) and n not in spec.headers]
    columns = header_columns(names, [*spec.headers, *dynamic], spec.required, sheet=label)
    rows: list[tuple[int, tuple[Any, ...]]] = []
    width = max(columns.values(), default=0) + 1
    for number, values in enumerate(worksheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        if all(is_blank(v) for v in values):
            continue
        rows.append((number, values))
        if len(rows) > MAX_DATA_ROWS:
            raise ImportFileError([RowError(None, "", _("数据超过 %(n)d 行，请分批导入。") % {"n": MAX_DATA_ROWS})])
    return SheetRows(columns=columns, rows=rows, header=names)


def header_columns(
    header: Iterable[str], known: Collection[str], required: Sequence[str], *, sheet: str = ""
) -> dict[str, int]:
    """The column index of each known header name; a repeated or missing required header is an error of row 1."""
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for index, name in enumerate(header):
        if name not in known:
            continue  # other columns (序号, 备注 …) are ignored
        if name in columns:
            errors.append(RowError(1, name, _("表头“%(name)s”重复。") % {"name": name}, sheet))
        columns.setdefault(name, index)
    for name in required:
        if name not in columns:
            errors.append(
                RowError(1, name, _("缺少必填列“%(name)s”：第一行须为模板中的表头。") % {"name": name}, sheet)
            )
    if errors:
        raise ImportFileError(errors)
    return columns


def labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Label → value of a model's choices: the file holds what users read."""
    return {str(label): value for value, label in choices}


class RowChecker:
    """Reads the cells of one data row by column name; every problem is kept as a RowError of this row."""

    def __init__(
        self,
        number: int,
        values: tuple[Any, ...],
        columns: dict[str, int],
        today: datetime.date,
        sheet: str = "",
    ) -> None:
        self.number = number
        self.values = values
        self.columns = columns
        self.today = today
        self.sheet = sheet
        self.errors: list[RowError] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message, self.sheet))

    def raw(self, column: str) -> Any:
        index = self.columns.get(column)
        if index is None or index >= len(self.values):
            return None
        return self.values[index]

    def text(self, column: str, *, max_length: int | None = None) -> str:
        value = self.raw(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime.datetime):
            value = value.date()
        text = str(value).strip()
        if max_length is not None and len(text) > max_length:
            self.error(column, _("不能超过 %(n)d 个字。") % {"n": max_length})
        return text

    def choice(self, column: str, labels: dict[str, str]) -> str | None:
        text = self.text(column)
        if not text:
            return None
        if text not in labels:
            self.error(
                column,
                _("“%(value)s”无法识别，应填写：%(allowed)s。") % {"value": text, "allowed": "、".join(labels)},
            )
            return None
        return labels[text]

    def date(self, column: str) -> datetime.date | None:
        value = self.raw(column)
        if is_blank(value):
            return None
        if isinstance(value, datetime.datetime):
            parsed = value.date()
        elif isinstance(value, datetime.date):
            parsed = value
        else:
            text = str(value).strip()
            match = DATE_PATTERN.match(text)
            if match is None:
                self.error(
                    column,
                    _("日期格式不正确：“%(value)s”，应为 Excel 日期或 YYYY-MM-DD（也可用 / 或 . 分隔）。")
                    % {"value": text},
                )
                return None
            try:
                parsed = datetime.date(int(match[1]), int(match[3]), int(match[4]))
            except ValueError:
                self.error(column, _("日期不存在：“%(value)s”。") % {"value": text})
                return None
        if parsed > self.today:
            self.error(column, _("日期不能晚于今天。"))
            return None
        return parsed

    def score(self, column: str, *, minimum: int = 0, maximum: int = 100, places: int = 2) -> Decimal | None:
        """A number between minimum and maximum with at most `places` decimals, exactly as typed. A number cell
        arrives as a float; its shortest repr is the number Excel shows (85.55, not 85.5499…)."""
        value = self.raw(column)
        if is_blank(value):
            return None
        if isinstance(value, bool | datetime.date):
            number = None
        elif isinstance(value, int | float):
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        else:
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite():
            self.error(column, _("“%(value)s”不是数字。") % {"value": value})
            return None
        if not minimum <= number <= maximum:
            self.error(
                column,
                _("应在 %(min)d 到 %(max)d 之间，填写的是 %(value)s。")
                % {"min": minimum, "max": maximum, "value": number},
            )
            return None
        if number.as_tuple().exponent < -places and number != number.quantize(Decimal(1).scaleb(-places)):
            self.error(column, _("最多保留 %(n)d 位小数，填写的是 %(value)s。") % {"n": places, "value": number})
            return None
        return number.quantize(Decimal(1).scaleb(-places))
