"""The report pack (报告包, DOMAIN.md §8.7): one zip per jurisdiction and period, with an index and a listing."""

import zipfile

from reports.pack import pack_plan
from reports.periods import ReportPeriod
from reports.registry import ReportRequest, ReportTarget, get_kind
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
        structure = xlsx_sheets(archive.read("05-党员队伍结构统计表/党员队伍结构统计表-机关工委-2026年第一季度.xlsx"))
    folders = sorted({name.split("/")[0] for name in names if "/" in name})
    assert folders == ["01-月工作记实表", "02-平时考核登记表", "03-考核结果公示", "04-年度平时考核汇总",
                       "05-党员队伍结构统计表", "06-三会一课落实情况"]  # fmt: skip
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
    assert {kind.key for kind, *_ in pack_plan(request)} == {"structure", "compliance"}
    assert not get_kind("pack").may_request(personas.olga, ReportTarget(organization=org.committee))
    assert not get_kind("pack").may_request(personas.bob, ReportTarget(unit=org.office))
