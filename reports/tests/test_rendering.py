"""WeasyPrint rendering of the report kinds (reports/rendering.py): the garbage collector paused during a document
is the process's own again afterwards, and the forms keep their printed layout."""

import gc

import pytest

from reports.periods import ReportPeriod
from reports.registry import ReportTarget, get_kind
from reports.rendering import write_report
from reports.services import request_for
from reports.tests.conftest import read_pdf

Q1 = ReportPeriod(2026, quarter=1)


@pytest.fixture
def registration(personas, org, appraisal_q1):
    return request_for(kind=get_kind("registration"), target=ReportTarget(unit=org.office), period=Q1,
                       user=personas.chief)  # fmt: skip


@pytest.mark.parametrize("enabled", [True, False])
def test_rendering_leaves_the_garbage_collector_as_it_found_it(registration, tmp_path, enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        (pdf,) = write_report(registration, "pdf", tmp_path)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert pdf.stat().st_size > 0


def test_the_registration_form_keeps_its_cells_signatures_and_page_numbers(registration, tmp_path):
    (pdf,) = write_report(registration, "pdf", tmp_path)
    text = read_pdf(pdf, tmp_path)
    labels = [
        "填报单位：办公室",
        "考核期间：2026年第一季度",
        "编号：PS-2026-Q1-0001",
        "姓名",
        "性别",
        "出生年月",
        "职务职级",
        "个人工作总结",
        "领导评价等次",
        "主管领导意见",
        "备注",
        "本人签字：",
        "日期：",
        "签字：",
        "林志远",
    ]
    for label in labels:
        assert label in text, label
    assert text.count("☑") == 4 and text.count("☐") == 12  # one grade ticked on each of the four forms
    assert "第1页/共4页" in text and "第4页/共4页" in text
