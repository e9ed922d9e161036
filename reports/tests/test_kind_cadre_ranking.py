"""中层干部考核得分排名表 (DOMAIN.md §6, §8 item 5) of an exercise made through the cadre services
(appraisal/tests/cadre_fixtures.py: Bob 1, Sam 2, Wang 2, Alice 4): the workbook holds the figures of the ranking
page's selector as real numbers, pdftotext finds every name, total and rank, pdffonts the CJK font embedded."""

# ruff: noqa: F811 (the fixtures imported from cadre_fixtures are named again as test arguments)

from decimal import Decimal

import pytest

from appraisal.cadre_selectors import exercise_ranking, ranking_sheets
from appraisal.cadre_services import cadre_exercise_file
from appraisal.tests.cadre_fixtures import PASSWORD, exercise, scored, scorers  # noqa: F401 (fixtures)
from reports.periods import ReportPeriod
from reports.registry import ReportError, ReportTarget, get_kind
from reports.services import request_for
from reports.tests.conftest import embedded_cjk, read_pdf, xlsx_sheets
from reports.tests.test_kinds import build

YEAR = ReportPeriod(2026)
RANKING_HEADERS = ("名次", "姓名", "部门", "职务", "工作实绩得分", "表彰加分/处分减分", "调整后工作实绩",
                   "主要领导评分", "班子成员评分（均值）", "民主测评（均值）", "总分",
                   "表彰与处分明细", "备注")  # fmt: skip


def _figures(row) -> list:
    """Rank, work, adjustment, adjusted work, principal, team mean, poll mean, total: as exact as the cell holds."""
    return [row[0], *(None if v is None else Decimal(str(v)) for v in row[4:11])]


@pytest.fixture
def filed(scored, personas):
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    scored.refresh_from_db()
    return scored


def test_the_filed_ranking_workbook_has_the_figures_of_the_ranking_page_as_numbers(personas, org, filed, tmp_path):
    xlsx = build("cadre_ranking", "xlsx", tmp_path, user=personas.chief, period=YEAR, unit=org.organ)

    assert xlsx.name == "中层干部考核得分排名表-某区机关-2026年度.xlsx"
    sheets = xlsx_sheets(xlsx)
    assert list(sheets) == ["2026年度中层干部考核排名", "说明"]
    header, *rows = sheets["2026年度中层干部考核排名"]
    assert header == RANKING_HEADERS
    (page_sheet, _info) = ranking_sheets(exercise_ranking(filed))  # what the ranking page exports
    assert [_figures(row) for row in rows] == [_figures(row) for row in page_sheet.rows]
    by_name = {row[1]: row for row in rows}
    assert {name: row[0] for name, row in by_name.items()} == {"李建国": 1, "孙明": 2, "王芳": 2, "张小丽": 4}
    assert _figures(by_name["张小丽"]) == [4, 80, -3, 77, 70, Decimal("70.5"), Decimal("70.33"), Decimal("72.92")]
    assert all(isinstance(v, int | float) for v in by_name["张小丽"][4:11])  # real numbers, not text
    assert "同一事项按最高级别计分" in by_name["孙明"][11]
    assert ("状态", "已备案") in sheets["说明"]


def test_the_filed_ranking_pdf_lists_every_cadre_with_components_total_and_rank(personas, org, filed, tmp_path):
    pdf = build("cadre_ranking", "pdf", tmp_path, user=personas.chief, period=YEAR, unit=org.organ)

    text = read_pdf(pdf, tmp_path)
    assert "中层干部考核得分排名表" in text and "（暂定）" not in text
    assert "单位：某区机关" in text and "状态：已备案" in text and "备案人：赵书记" in text
    for row in exercise_ranking(filed).rows:  # rank, name, unit, position, the components, the total, in order
        line = (f"{row.rank}{row.person.name}{row.person.unit.name}{row.appraisee.position}{row.work_base}"
                f"{row.adjustment_label}{row.work_adjusted}{row.principal}{row.team_mean_shown}"
                f"{row.poll_mean_shown}{row.total_shown}")  # fmt: skip
        assert "".join(line.split()) in text, line
    assert "4张小丽办公室80.00−377.0070.0070.5070.3372.92" in text
    assert "市级处分问责“通报”（安全生产）−3" in text
    assert "第1页/共1页" in text
    assert embedded_cjk(pdf)


def test_a_ranking_not_yet_filed_is_built_as_it_stands_and_marked_provisional(personas, org, exercise, tmp_path):
    pdf = build("cadre_ranking", "pdf", tmp_path, user=personas.chief, period=YEAR, unit=org.organ)
    xlsx = build("cadre_ranking", "xlsx", tmp_path, user=personas.chief, period=YEAR, unit=org.organ)

    assert pdf.name == "中层干部考核得分排名表（暂定）-某区机关-2026年度.pdf"
    text = read_pdf(pdf, tmp_path)
    assert "中层干部考核得分排名表（暂定）" in text and "状态：暂定，未备案" in text
    assert "本表为暂定排名" in text and "民主测评尚未结束" in text and "工作实绩得分未录入" in text
    for name in ("李建国", "孙明", "王芳", "张小丽"):
        assert name in text
    sheets = xlsx_sheets(xlsx)
    assert ("状态", "暂定，未备案") in sheets["说明"]
    rows = sheets["2026年度中层干部考核排名"][1:]
    assert {row[0] for row in rows} == {None} and {row[10] for row in rows} == {None}  # no rank or total yet


def refused(kind: str, *, user, period: ReportPeriod, unit) -> str:
    """The message of the ReportError that refuses the request (before anything is written)."""
    with pytest.raises(ReportError) as caught:
        request = request_for(kind=get_kind(kind), target=ReportTarget(unit=unit), period=period, user=user)
        request.kind.collect(request)
    return str(caught.value)


def test_a_year_without_an_exercise_is_refused_with_a_message(personas, org, exercise):
    message = refused("cadre_ranking", user=personas.chief, period=ReportPeriod(2025), unit=org.organ)
    assert message == "某区机关（含下级单位）没有2025年度的中层干部考核。"
    message = refused("cadre_ranking", user=personas.chief, period=YEAR, unit=org.office)
    assert message == "办公室（含下级单位）没有2026年度的中层干部考核。"  # the exercise is the organ's


def test_only_an_officer_covering_the_unit_builds_the_ranking(personas, org, filed):
    for user in (personas.bob, personas.lin, personas.olga):  # unit head, leader, party-only officer
        assert "无权" in refused("cadre_ranking", user=user, period=YEAR, unit=org.office)
    quarter = ReportPeriod(2026, quarter=4)
    assert refused("cadre_ranking", user=personas.chief, period=quarter, unit=org.organ) == (
        "中层干部考核得分排名表按年度生成，不选季度和月份。"
    )


def test_a_unit_with_exercises_below_it_gets_one_section_and_two_sheets_per_exercise(personas, org, filed, tmp_path):
    from appraisal.cadre_services import cadre_exercise_create
    from tests.factories import PersonFactory, UserFactory

    leader, member = (PersonFactory(user=UserFactory(), name=n, unit=org.publicity) for n in ("钱部长", "吴副部长"))
    cadre_exercise_create(year=2026, unit=org.publicity, title="宣传部2026年度中层干部考核", principal_leader=leader,
                          team_members=[member], cadres=[PersonFactory(name="郑科长", unit=org.publicity)],
                          by=personas.chief)  # fmt: skip
    pdf = build("cadre_ranking", "pdf", tmp_path, user=personas.chief, period=YEAR, unit=org.organ)
    xlsx = build("cadre_ranking", "xlsx", tmp_path, user=personas.chief, period=YEAR, unit=org.organ)

    assert pdf.name == "中层干部考核得分排名表（暂定）-某区机关-2026年度.pdf"  # one of the two is not filed
    sheets = xlsx_sheets(xlsx)
    assert list(sheets) == ["某区机关排名", "某区机关说明", "宣传部排名", "宣传部说明"]
    assert [row[1] for row in sheets["宣传部排名"][1:]] == ["郑科长"]
    assert ("状态", "已备案") in sheets["某区机关说明"] and ("状态", "暂定，未备案") in sheets["宣传部说明"]
    text = read_pdf(pdf, tmp_path)
    assert text.count("单位：") == 2 and "单位：某区机关" in text and "单位：宣传部" in text
    assert "第1页/共2页" in text and "第2页/共2页" in text  # one page each
    assert "4张小丽" in text and "郑科长" in text
