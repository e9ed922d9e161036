"""Every report kind built from data made through the services (DOMAIN.md §8): the figures in the workbook equal
those on the page, pdftotext finds the names, grades and totals, and pdffonts finds the CJK font embedded."""

import datetime

import pytest
from django.utils import timezone

from reports.periods import ReportPeriod
from reports.registry import ReportError, ReportTarget, get_kind
from reports.services import build_file, request_for
from reports.tests.conftest import embedded_cjk, read_pdf, xlsx_sheets


def build(kind: str, fmt: str, tmp_path, *, user, period: ReportPeriod, **target):
    request = request_for(kind=get_kind(kind), target=ReportTarget(**target), period=period, user=user)
    out = tmp_path / f"{kind}-{fmt}"
    out.mkdir()
    return build_file(request, fmt, out)


Q1 = ReportPeriod(2026, quarter=1)


# ---- 平时考核登记表 ---------------------------------------------------------------------------------------------


def test_registration_forms_show_each_appraisee_with_the_signed_grade_and_leader(personas, org, appraisal_q1,
                                                                                  tmp_path):  # fmt: skip
    pdf = build("registration", "pdf", tmp_path, user=personas.chief, period=Q1, unit=org.office)

    text = read_pdf(pdf, tmp_path)
    assert text.count("平时考核登记表") == 4  # one page per appraisee-quarter
    for name in ("张小丽", "李建国", "欧阳静", "孙明"):
        assert name in text
    assert "☑称职" in text and "☑基本称职" in text and "☑不称职" in text
    assert "林志远" in text and "张小丽全年工作认真" in text and "按期完成各项任务" in text
    assert "第1页/共4页" in text and "PS-2026-Q1-0001" in text
    assert embedded_cjk(pdf)


def test_the_registration_summary_workbook_matches_the_forms(personas, org, appraisal_q1, march_logs, tmp_path):
    pdf = build("registration", "pdf", tmp_path, user=personas.chief, period=Q1, unit=org.office)
    xlsx = build("registration", "xlsx", tmp_path, user=personas.chief, period=Q1, unit=org.office)

    sheets = xlsx_sheets(xlsx)
    assert list(sheets) == ["登记表汇总", "等次统计"]
    header, *rows = sheets["登记表汇总"]
    assert header == ("序号", "编号", "姓名", "部门", "职务", "1月记实", "2月记实", "3月记实", "等次", "评鉴领导",
                      "签署日期")  # fmt: skip
    by_name = {row[2]: row for row in rows}
    assert {name: row[8] for name, row in by_name.items()} == {"张小丽": "称职", "李建国": "基本称职",
                                                               "欧阳静": "称职", "孙明": "不称职"}  # fmt: skip
    assert by_name["张小丽"][5:8] == ("未填写", "未填写", "已提交")
    assert by_name["张小丽"][9] == "林志远"
    signed_on = timezone.localdate(next(r for r in appraisal_q1.ratings if r.person.name == "张小丽").signed_at)
    assert by_name["张小丽"][10] == datetime.datetime.combine(signed_on, datetime.time())  # a real date
    text = read_pdf(pdf, tmp_path)
    for row in rows:  # each form's number, name and grade as in the workbook
        assert f"{row[1]}" in text and row[2] in text
    assert sheets["等次统计"][1:] == [("优秀", 0), ("称职", 2), ("基本称职", 1), ("不称职", 1), ("未评鉴", 0),
                                      ("合计", 4)]  # fmt: skip


def test_a_staff_member_builds_only_their_own_registration_form(personas, appraisal_q1, tmp_path):
    pdf = build("registration", "pdf", tmp_path, user=personas.alice, period=Q1, person=personas.people.alice)
    text = read_pdf(pdf, tmp_path)
    assert "张小丽" in text and "李建国" not in text
    with pytest.raises(ReportError, match="无权"):
        build("registration", "pdf", tmp_path, user=personas.alice, period=Q1, person=personas.people.bob)


# ---- 党员队伍结构统计表 ----------------------------------------------------------------------------------------


def test_structure_statistics_add_up_in_the_pdf_and_the_workbook(personas, org, tmp_path):
    period = ReportPeriod(2026)
    pdf = build("structure", "pdf", tmp_path, user=personas.chief, period=period, organization=org.committee)
    xlsx = build("structure", "xlsx", tmp_path, user=personas.chief, period=period, organization=org.committee)

    header, total, *rows = xlsx_sheets(xlsx)["党员队伍结构"]
    assert header == ("项目", "分项", "人数", "占比（%）")
    assert total[:3] == ("党员总数", None, 5)  # alice, bob, olga, sam in 第一党支部; wang in 第二党支部
    women = next(r for r in rows if r[0] == "女性")
    assert women[2:] == (1, 20)  # a real number, not text
    assert sum(r[2] for r in rows if r[0] == "学历") == 5 and sum(r[2] for r in rows if r[0] == "年龄") == 5
    text = read_pdf(pdf, tmp_path)
    assert "党员队伍结构统计表" in text and "机关工委" in text
    assert "党员总数5100.00" in text and "女性120.00" in text
    assert embedded_cjk(pdf)


def test_a_branch_secretary_gets_the_statistics_of_their_branch_only(personas, org, tmp_path):
    xlsx = build("structure", "xlsx", tmp_path, user=personas.sam, period=ReportPeriod(2026),
                 organization=org.branch_1)  # fmt: skip
    assert xlsx_sheets(xlsx)["党员队伍结构"][1][2] == 4
    with pytest.raises(ReportError, match="无权"):
        build("structure", "xlsx", tmp_path, user=personas.sam, period=ReportPeriod(2026), organization=org.branch_2)


# ---- 月工作记实表 ----------------------------------------------------------------------------------------------


def test_monthly_log_form_holds_the_tasks_and_the_unit_heads_comment(personas, org, march_logs, tmp_path):
    march = ReportPeriod(2026, month=3)
    pdf = build("monthly_log", "pdf", tmp_path, user=personas.alice, period=march, person=personas.people.alice)
    xlsx = build("monthly_log", "xlsx", tmp_path, user=personas.bob, period=march, unit=org.office)

    text = read_pdf(pdf, tmp_path)
    assert "月工作记实表" in text and "张小丽" in text and "起草季度工作总结" in text
    assert "工作扎实" in text and "李建国" in text and "出勤21.0天，请假1.0天" in text
    assert embedded_cjk(pdf)
    sheets = xlsx_sheets(xlsx)
    assert list(sheets) == ["记实情况", "工作任务"]
    statuses = {row[1]: (row[4], row[6], row[8]) for row in sheets["记实情况"][1:]}
    assert statuses["张小丽"] == ("已提交", 21, 2) and statuses["李建国"] == ("未填写", None, 0)
    assert [row[3] for row in sheets["工作任务"][1:]] == ["起草季度工作总结", "=SUM(A1:A2)"]  # text, not a formula


# ---- 考核结果公示 ---------------------------------------------------------------------------------------------


def test_the_publication_list_shows_the_published_grades(personas, org, appraisal_q1, tmp_path):
    pdf = build("publication", "pdf", tmp_path, user=personas.bob, period=Q1, unit=org.office)
    xlsx = build("publication", "xlsx", tmp_path, user=personas.bob, period=Q1, unit=org.office)

    rows = xlsx_sheets(xlsx)["考核结果公示"][1:]
    assert [(r[1], r[4]) for r in rows] == [("孙明", "不称职"), ("张小丽", "称职"), ("李建国", "基本称职"),
                                            ("欧阳静", "称职")]  # fmt: skip
    text = read_pdf(pdf, tmp_path)
    for _i, name, _unit, _position, grade, _note in rows:
        assert f"{name}办公室{grade}" in text
    assert "共4人" in text
    assert xlsx_sheets(xlsx)["等次统计"][-1] == ("合计", 4)


def test_an_unpublished_quarter_lists_nobody(personas, org, group, summaries, tmp_path):
    from appraisal.tests.test_feedback import ALL_COMPETENT, sign

    sign(group, ALL_COMPETENT, by=personas.lin)
    text = read_pdf(build("publication", "pdf", tmp_path, user=personas.bob, period=Q1, unit=org.office), tmp_path)
    assert "本期考核结果尚未公示" in text and "张小丽" not in text


# ---- 年度平时考核汇总 -----------------------------------------------------------------------------------------


def test_the_year_summary_shows_grades_eligibility_and_open_talks(personas, org, appraisal_q1, tmp_path):
    year = ReportPeriod(2026)
    pdf = build("year_summary", "pdf", tmp_path, user=personas.chief, period=year, unit=org.office)
    xlsx = build("year_summary", "xlsx", tmp_path, user=personas.chief, period=year, unit=org.office)

    (sheet,) = xlsx_sheets(xlsx).values()
    header, *rows = sheet
    by_name = {row[1]: row for row in rows}
    assert by_name["孙明"][header.index("第一季度")] == "不称职"
    assert by_name["孙明"][header.index("待办诫勉谈话")] == "第一季度"
    assert by_name["李建国"][header.index("年度优秀资格")] == "无"
    text = read_pdf(pdf, tmp_path)
    assert "年度平时考核汇总" in text and "2026年度平时考核" in text
    for name, row in by_name.items():
        assert f"{name}办公室" in text and row[header.index("第一季度")] in text


# ---- 三会一课落实情况 -----------------------------------------------------------------------------------------


def test_compliance_counts_the_meetings_held_against_those_required(personas, org, meetings, tmp_path):
    year = ReportPeriod(2026)
    pdf = build("compliance", "pdf", tmp_path, user=personas.sam, period=year, organization=org.branch_1)
    xlsx = build("compliance", "xlsx", tmp_path, user=personas.sam, period=year, organization=org.branch_1)

    rows = xlsx_sheets(xlsx)["落实情况"][1:]
    committee_q1 = next(r for r in rows if r[1] == "支委会" and r[3] == "第一季度")
    assert committee_q1[:2] == ("第一党支部", "支委会") and committee_q1[4:7] == (1, 1, "达标")
    totals = xlsx_sheets(xlsx)["情况统计"]
    assert totals[-1] == ("合计", len(rows))
    text = read_pdf(pdf, tmp_path)
    assert "三会一课落实情况" in text and "第一党支部支委会" in text and "第一季度11达标" in text
    assert embedded_cjk(pdf)


# ---- Long documents in parts ------------------------------------------------------------------------------------


def test_a_long_pdf_is_rendered_in_parts_and_handed_out_as_one_zip(personas, org, appraisal_q1, tmp_path, settings):
    import zipfile

    settings.ZHIBU_REPORT_PDF_CHUNK = 3
    built = build("registration", "pdf", tmp_path, user=personas.chief, period=Q1, unit=org.office)
    assert built.suffix == ".zip"
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        assert names == [
            "平时考核登记表-办公室-2026年第一季度-第1部分.pdf",
            "平时考核登记表-办公室-2026年第一季度-第2部分.pdf",
        ]
        second = tmp_path / "part2.pdf"
        second.write_bytes(archive.read(names[1]))
    text = read_pdf(second, tmp_path)
    assert "PS-2026-Q1-0004" in text and "第1页/共1页" in text


def test_a_long_year_summary_comes_in_parts_numbered_as_one_document_with_every_name(personas, org, cycle,
                                                                                     appraisal_q1, tmp_path,
                                                                                     settings):  # fmt: skip
    import re
    import subprocess
    import zipfile

    from appraisal.services import group_add
    from reports.report_kinds import YEAR_ROWS_PER_FORM
    from tests.factories import PersonFactory

    settings.ZHIBU_REPORT_PDF_CHUNK = 15
    rows_per_part = 15 * YEAR_ROWS_PER_FORM
    staff = [PersonFactory(name=f"干部{n:02d}", unit=org.office) for n in range(1, rows_per_part + 7)]
    group_add(cycle=cycle, name="综合组", leader=personas.lin, people=staff, by=personas.chief)
    names = ["张小丽", "李建国", "欧阳静", "孙明", *(p.name for p in staff)]  # rows_per_part + 10: two parts

    built = build("year_summary", "pdf", tmp_path, user=personas.chief, period=ReportPeriod(2026), unit=org.office)
    assert built.suffix == ".zip"
    parts = []  # the text of each page of each part, whitespace removed
    with zipfile.ZipFile(built) as archive:
        assert archive.namelist() == ["年度平时考核汇总-办公室-2026年度-第1部分.pdf",
                                      "年度平时考核汇总-办公室-2026年度-第2部分.pdf"]  # fmt: skip
        for index, name in enumerate(archive.namelist()):
            part = tmp_path / f"part{index}.pdf"
            part.write_bytes(archive.read(name))
            text = subprocess.run(["pdftotext", str(part), "-"], check=True, capture_output=True, text=True).stdout
            parts.append(["".join(page.split()) for page in text.split("\f")[:-1]])  # pages end with a form feed
    pages = [page for part in parts for page in part]
    assert len(pages) > len(parts)  # a part of several pages: the counting is exercised
    footers = [re.findall(r"第(\d+)页/共(\d+)页", page) for page in pages]
    assert footers == [[(str(n), str(len(pages)))] for n in range(1, len(pages) + 1)]
    assert all("姓名部门职务第一季度" in page and "年度优秀资格" in page for page in pages)  # the head on every page
    assert parts[1][0].startswith("年度平时考核汇总") and "考核组：综合组（续）" in parts[1][0]
    assert not any("（续）" in page for page in parts[0])
    for name in names:
        assert sum(page.count(name) for page in pages) == 1, name
