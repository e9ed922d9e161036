"""群众评议数据统计单 (DOMAIN.md §7, §8 item 6) of the coal-mine case built through the services
(reviews/tests/mass_fixtures.py): the workbook holds every figure of the statistics selector, pdftotext finds the
six items with their figures, pdffonts the CJK font embedded; a secretary builds their own branch's only."""

import datetime

import pytest

from reports.periods import ReportPeriod
from reports.registry import ReportError
from reports.tests.conftest import embedded_cjk, read_pdf, xlsx_sheets
from reports.tests.test_kinds import build
from reviews.mass_selectors import sheet_figures, statistics_sheet
from reviews.tests.mass_fixtures import build_coal_mine_round

YEAR = ReportPeriod(2025)


@pytest.fixture
def coal_mine(personas, org, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 15, 9, 0))
    return build_coal_mine_round(personas.chief, org)


def test_the_workbook_holds_every_figure_of_the_statistics_sheet(personas, org, coal_mine, tmp_path):
    mass_round, mine = coal_mine

    xlsx = build("mass_statistics", "xlsx", tmp_path, user=personas.chief, period=YEAR, organization=org.committee)

    header, *rows = xlsx_sheets(xlsx)["数据统计单"]
    assert header == ("评议", "填报单位", "序号", "项目", "数值")
    expected = sheet_figures(statistics_sheet(mass_round, mine))
    assert [row[2:] for row in rows] == [tuple(f) for f in expected]
    assert {row[:2] for row in rows} == {("银宇煤矿党支部2025年度群众评议总评", "银宇煤矿党支部")}
    assert [row[4] for row in rows] == [1, 1, 1, 9, 9, 9, 8, 3, 20, 5, 8, 2, 30, 3, 0, 9, 5]


def test_the_pdf_is_the_form_with_the_six_items_filled_in(personas, org, coal_mine, tmp_path):
    pdf = build("mass_statistics", "pdf", tmp_path, user=personas.chief, period=YEAR, organization=org.committee)

    text = read_pdf(pdf, tmp_path)
    assert "党组织开展群众评议相关数据统计单" in text and "填报单位：银宇煤矿党支部" in text
    assert "被评议的党支部（总支）有1个" in text and "其中“满意”（含）以上的有8人" in text
    assert "召开群众评议会议总数为3个，参加评议的群众总数为20人" in text
    assert "对应数量分别为5次、8个、2次、30张" in text
    assert "主要负责人通报的有3人" in text and "党员总数为9人" in text
    assert "自我介绍参加活动情况的党员总数为9人" in text and "解难事共5件" in text
    assert embedded_cjk(pdf)


def test_a_secretary_builds_only_their_branch_and_a_year_without_rounds_is_refused(personas, org, coal_mine, tmp_path):
    with pytest.raises(ReportError, match="无权"):
        build("mass_statistics", "xlsx", tmp_path, user=personas.sam, period=YEAR, organization=org.general_2)
    with pytest.raises(ReportError, match="没有已结束的群众评议"):
        build("mass_statistics", "xlsx", tmp_path, user=personas.sam, period=YEAR, organization=org.branch_1)
