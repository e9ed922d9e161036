"""The report pack (报告包, DOMAIN.md §8.7): one zip per jurisdiction and period, with an index and a listing."""

# ruff: noqa: F811 (the fixtures imported from cadre_fixtures are named again as test arguments)

import zipfile

from appraisal.cadre_services import cadre_exercise_file
from appraisal.tests.cadre_fixtures import PASSWORD, exercise, scored, scorers  # noqa: F401 (fixtures)
from reports.pack import pack_plan
from reports.periods import ReportPeriod
from reports.registry import SCOPE_ORGANIZATION, ReportRequest, ReportTarget, get_kind
from reports.services import build_file
from reports.tests.conftest import xlsx_sheets


def test_the_quarterly_pack_holds_every_kind_with_an_index_and_a_listing(personas, org, appraisal_q1, march_logs,
                                                                         meetings, tmp_path):  # fmt: skip
    request = ReportRequest(get_kind("pack"), ReportTarget(unit=org.organ, organization=org.committee),
                            ReportPeriod(2026, quarter=1), personas.chief)  # fmt: skip
    fractions = []
    built = build_file(request, "zip", tmp_path, fractions.append)

    assert built.name == "报告包-某区机关、机关工委-2026年第一季度.zip"
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        index = archive.read("index.html").decode()
        listing = xlsx_sheets(archive.read("文件清单.xlsx"))["文件清单"]
        structure = xlsx_sheets(archive.read("06-党员队伍结构统计表/党员队伍结构统计表-机关工委-2026年第一季度.xlsx"))
    folders = sorted({name.split("/")[0] for name in names if "/" in name})
    # Numbered as in DOMAIN.md §8; a quarterly pack has no cadre ranking (05).
    assert folders == ["01-月工作记实表", "02-平时考核登记表", "03-考核结果公示", "04-年度平时考核汇总",
                       "06-党员队伍结构统计表", "07-三会一课落实情况"]  # fmt: skip
    monthly = [n for n in names if n.startswith("01-") and n.endswith(".pdf")]
    assert len(monthly) == 3  # January to March
    assert len([n for n in names if n.endswith(".pdf")]) == len([n for n in names if n.endswith(".xlsx")]) - 1
    assert [row[1] for row in listing[1:]] == [n for n in names if "/" in n]
    for name in names:
        if "/" in name:
            assert name in index
    assert structure["党员队伍结构"][1][2] == 5


def test_a_pack_has_only_what_the_officer_covers(personas, org):
    """Olga is the officer of 第一党总支 only: her pack holds the party reports of that subtree."""
    request = ReportRequest(get_kind("pack"), ReportTarget(organization=org.general_1), ReportPeriod(2026),
                            personas.olga)  # fmt: skip
    assert get_kind("pack").may_request(personas.olga, request.target)
    planned = pack_plan(request)
    # Every party kind of her subtree (more may be declared, e.g. the reviews' results), no unit kind.
    assert {"structure", "compliance"} <= {kind.key for kind, *_ in planned}
    assert all(kind.scopes == (SCOPE_ORGANIZATION,) and target.organization == org.general_1
               for kind, target, *_ in planned)  # fmt: skip
    assert not get_kind("pack").may_request(personas.olga, ReportTarget(organization=org.committee))
    assert not get_kind("pack").may_request(personas.bob, ReportTarget(unit=org.office))


def _plan(user, target: ReportTarget, period: ReportPeriod) -> set[tuple[str, str]]:
    request = ReportRequest(get_kind("pack"), target, period, user)
    return {(kind.key, fmt) for kind, _target, _period, fmt in pack_plan(request)}


def test_the_cadre_ranking_is_in_a_yearly_pack_where_the_year_has_an_exercise(personas, org, exercise):
    organ = ReportTarget(unit=org.organ)
    assert {("cadre_ranking", "pdf"), ("cadre_ranking", "xlsx")} <= _plan(personas.chief, organ, ReportPeriod(2026))
    assert "cadre_ranking" not in {key for key, _fmt in _plan(personas.chief, organ, ReportPeriod(2026, quarter=4))}
    assert "cadre_ranking" not in {key for key, _fmt in _plan(personas.chief, organ, ReportPeriod(2025))}
    office = ReportTarget(unit=org.office)  # the exercise is the organ's, above the office
    assert "cadre_ranking" not in {key for key, _fmt in _plan(personas.chief, office, ReportPeriod(2026))}


def test_the_yearly_pack_holds_the_filed_cadre_ranking_in_folder_05(personas, org, scored, tmp_path):
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    request = ReportRequest(get_kind("pack"), ReportTarget(unit=org.organ), ReportPeriod(2026), personas.chief)
    built = build_file(request, "zip", tmp_path)

    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
        ranking = xlsx_sheets(archive.read("05-中层干部考核得分排名表/中层干部考核得分排名表-某区机关-2026年度.xlsx"))
    assert "05-中层干部考核得分排名表/中层干部考核得分排名表-某区机关-2026年度.pdf" in names
    assert [row[:2] for row in ranking["2026年度中层干部考核排名"][1:]] == [(1, "李建国"), (2, "孙明"), (2, "王芳"),
                                                                          (4, "张小丽")]  # fmt: skip
