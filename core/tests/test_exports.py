import datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
from django.utils.translation import gettext_lazy

from core.exports import Sheet, attachment_disposition, write_workbook


def _write(rows, headers=("姓名", "备注")):
    buffer = BytesIO()
    write_workbook([Sheet("名单", list(headers), rows)], buffer)
    return openpyxl.load_workbook(BytesIO(buffer.getvalue())).active


def test_cells_starting_like_a_formula_are_written_as_text():
    sheet = _write([['=HYPERLINK("http://x")', "+1"], ["@SUM(A1)", "-2+3"]])
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type == "s" for c in cells)
    assert cells[0].value == '=HYPERLINK("http://x")'


def test_lazy_translations_are_written_as_their_text_and_formula_like_ones_as_text():
    sheet = _write([[gettext_lazy("转入"), gettext_lazy("=1+1")]])
    assert (sheet["A2"].value, sheet["B2"].value, sheet["B2"].data_type) == ("转入", "=1+1", "s")


def test_numbers_and_dates_stay_numbers_and_dates():
    sheet = _write([[3, datetime.date(2026, 1, 2)], [Decimal("1.50"), -4]])
    assert sheet["A2"].value == 3 and sheet["B3"].value == -4
    assert sheet["B2"].value == datetime.datetime(2026, 1, 2)
    assert sheet["B2"].number_format == "yyyy-mm-dd"


def test_characters_excel_rejects_are_removed():
    assert _write([["张\x07三", ""]])["A2"].value == "张三"


def test_columns_fit_chinese_text_and_header_is_frozen():
    sheet = _write([["欧阳中华人民共和国", "x"]])
    assert sheet.column_dimensions["A"].width == 2 * 9 + 2
    assert sheet.freeze_panes == "A2"


def test_download_name_has_an_ascii_fallback_and_the_utf8_name():
    header = attachment_disposition("名册 2026.xlsx")
    assert header.startswith('attachment; filename=" 2026.xlsx"')
    assert "filename*=UTF-8''%E5%90%8D%E5%86%8C%202026.xlsx" in header
