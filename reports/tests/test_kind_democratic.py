"""民主评议党员结果 (DOMAIN.md §7, §8 item 6) of evaluations made through reviews.democratic: 第一党支部 decided and
finalised (张小丽 优秀, 李建国 合格, 欧阳静 基本合格, 孙明 不合格), 第二党支部 open with 王芳 undecided. The workbook
holds the statistics selector's figures, pdftotext finds each member's name, result and reason and the pass rate,
pdffonts the CJK font embedded."""

from decimal import Decimal

import pytest

from reports.pack import pack_plan
from reports.periods import ReportPeriod
from reports.registry import ReportError, ReportRequest, ReportTarget, get_kind
from reports.tests.conftest import embedded_cjk, read_pdf, xlsx_sheets
from reports.tests.test_kinds import build
from reviews.democratic import democratic_evaluation_create, democratic_evaluation_finalise, member_result_decide
from reviews.democratic_selectors import democratic_statistics
from reviews.models import MemberGrade

YEAR = ReportPeriod(2025)
RESULTS = {
    "张小丽": (MemberGrade.EXCELLENT, "带头完成重点任务"),
    "李建国": (MemberGrade.QUALIFIED, "履行党员义务"),
    "欧阳静": (MemberGrade.BASIC, "参加组织生活不够经常"),
    "孙明": (MemberGrade.UNQUALIFIED, "长期未按时交纳党费"),
}


@pytest.fixture
def evaluations(personas, org):
    first = democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=YEAR.year)
    for member in first.members.select_related("person", "evaluation"):
        result, reason = RESULTS[member.person.name]
        member_result_decide(actor=personas.sam, member_evaluation=member, result=result, reason=reason)
    democratic_evaluation_finalise(actor=personas.sam, evaluation=first)
    second = democratic_evaluation_create(actor=personas.chief, branch=org.branch_2, year=YEAR.year)
    return first, second


def test_the_workbook_holds_the_figures_of_the_statistics_selector(personas, org, evaluations, tmp_path):
    xlsx = build("democratic_results", "xlsx", tmp_path, user=personas.chief, period=YEAR, organization=org.committee)

    sheets = xlsx_sheets(xlsx)
    assert list(sheets) == ["结果统计", "评议结果"]
    header, *rows = sheets["结果统计"]
    statistics = democratic_statistics(organization=org.committee, year=YEAR.year)
    expected = [b.counts for b in statistics.branches] + [statistics.total]
    assert header[2:] == ("党员数", "优秀", "合格", "基本合格", "不合格", "未评定", "合格率（%）")
    for row, counts in zip(rows, expected, strict=True):
        percent = None if row[8] is None else Decimal(str(row[8])).quantize(Decimal("0.01"))
        assert [row[2], *row[3:7], row[7], percent] == [
            counts.total, *(c for _v, _l, c in counts.in_order()), counts.undecided, counts.pass_percent
        ]  # fmt: skip
    assert [r[:2] for r in rows] == [("第一党支部", "已确定结果"), ("第二党支部", "进行中"), ("合计", "2个支部开展")]
    assert rows[-1][2:] == (5, 1, 1, 1, 1, 1, 75)
    members = {r[1]: r[3:] for r in sheets["评议结果"][1:]}
    assert members["孙明"] == ("不合格", "长期未按时交纳党费") and members["王芳"] == ("未评定", None)


def test_the_pdf_lists_each_members_result_and_reason_with_the_counts_and_pass_rate(personas, org, evaluations,
                                                                                    tmp_path):  # fmt: skip
    pdf = build("democratic_results", "pdf", tmp_path, user=personas.chief, period=YEAR, organization=org.committee)

    text = read_pdf(pdf, tmp_path)
    assert "民主评议党员结果" in text and "机关工委" in text and "2025年度" in text
    for name, (result, reason) in RESULTS.items():
        assert f"{name}{MemberGrade(result).label}{reason}" in text
    assert "第一党支部已确定结果41111075.00" in text  # members, 优秀…不合格, undecided, pass rate
    assert "第二党支部进行中100001—" in text and "合计" in text and "—51111175.00" in text
    assert "第二党支部（进行中）" in text and "王芳" in text
    assert embedded_cjk(pdf)


def test_a_branch_secretary_builds_the_results_of_their_branch_only(personas, org, evaluations, tmp_path):
    xlsx = build("democratic_results", "xlsx", tmp_path, user=personas.sam, period=YEAR, organization=org.branch_1)
    assert [r[0] for r in xlsx_sheets(xlsx)["结果统计"][1:]] == ["第一党支部", "合计"]
    with pytest.raises(ReportError, match="无权"):
        build("democratic_results", "xlsx", tmp_path, user=personas.sam, period=YEAR, organization=org.branch_2)


def test_the_results_come_after_the_structure_and_compliance_in_a_yearly_pack_only(personas, org):
    kind = get_kind("pack")
    yearly = pack_plan(ReportRequest(kind=kind, target=ReportTarget(organization=org.committee), period=YEAR,
                                     user=personas.chief))  # fmt: skip
    keys = list(dict.fromkeys(k.key for k, *_rest in yearly))
    assert keys.index("democratic_results") > keys.index("compliance") > keys.index("structure")
    quarterly = pack_plan(ReportRequest(kind=kind, target=ReportTarget(organization=org.committee),
                                        period=ReportPeriod(2025, quarter=4), user=personas.chief))  # fmt: skip
    assert "democratic_results" not in {k.key for k, *_rest in quarterly}
