"""党员队伍结构 (DOMAIN.md §3) on a roster counted by hand."""

import datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from members.models import Education, Gender, MembershipStage, ServiceStatus
from members.selectors import percent_of, structure_statistics
from tests.factories import MembershipFactory, PersonFactory

ON = datetime.date(2026, 6, 30)
D = datetime.date


ADMITTED = D(2010, 7, 1)


def _member(org, branch=None, *, stage=MembershipStage.FULL, admitted=ADMITTED, left=None, **person):
    full_on = admitted + datetime.timedelta(days=366) if stage == MembershipStage.FULL else None
    return MembershipFactory(
        person=PersonFactory(unit=org.office, **person),
        branch=branch or org.branch_1,
        stage=stage,
        admitted_on=admitted if stage in (MembershipStage.FULL, MembershipStage.PROBATIONARY) else None,
        full_on=full_on,
        left_on=left,
    )


@pytest.fixture
def roster(org):
    F, M = Gender.FEMALE, Gender.MALE
    PG, UG, JC, SE = (
        Education.POSTGRADUATE,
        Education.UNDERGRADUATE,
        Education.JUNIOR_COLLEGE,
        Education.SECONDARY_OR_BELOW,
    )
    retired = {"service_status": ServiceStatus.RETIRED}
    _member(org, gender=F, birth_date=D(2001, 6, 30), education=PG)  # exactly 25 on the date
    _member(org, gender=M, birth_date=D(2000, 6, 30), education=UG, ethnicity="回族")  # 26 that day
    _member(org, gender=F, birth_date=D(1991, 7, 1), education=UG)  # 34, turns 35 the next day
    _member(org, gender=M, birth_date=D(1990, 6, 30), education=JC)  # 36
    _member(org, gender=M, birth_date=D(1981, 7, 1), education=SE, ethnicity="满族")  # 44
    _member(org, gender=F, birth_date=D(1980, 6, 30), education=UG, **retired)  # 46
    _member(org, gender=M, birth_date=D(1950, 1, 1), education=SE, left=D(2026, 7, 15), **retired)  # leaves later
    # Not counted on ON: admitted after it, transferred out on it, not yet a member, another jurisdiction.
    _member(org, stage=MembershipStage.PROBATIONARY, admitted=D(2026, 7, 1), gender=F, birth_date=D(1999, 1, 1))
    _member(org, left=ON, gender=F, birth_date=D(1970, 1, 1))
    _member(org, stage=MembershipStage.ACTIVIST, gender=F, birth_date=D(1998, 1, 1))
    _member(org, org.branch_2, gender=F, birth_date=D(1998, 1, 1))
    PersonFactory(unit=org.office, gender=F)  # not a party member at all


def _by_label(statistics):
    return {row.label: (row.count, row.percent) for row in statistics.rows}


def test_structure_statistics_match_the_hand_count(org, roster):
    stats = structure_statistics(organization_ids={org.branch_1.pk}, on_date=ON)
    assert stats.total == 7
    assert _by_label(stats) == {
        "女性": (3, Decimal("42.86")),
        "少数民族": (2, Decimal("28.57")),
        "在职": (5, Decimal("71.43")),
        "25岁及以下": (1, Decimal("14.29")),
        "26至35岁": (2, Decimal("28.57")),
        "36至45岁": (2, Decimal("28.57")),
        "46岁及以上": (2, Decimal("28.57")),
        "研究生": (1, Decimal("14.29")),
        "大学本科": (3, Decimal("42.86")),
        "大专": (1, Decimal("14.29")),
        "中专及以下": (2, Decimal("28.57")),
    }


def test_age_bands_and_education_levels_always_add_up_to_the_total(org, roster):
    for day in [D(2020, 1, 1), ON, D(2026, 7, 1), D(2030, 12, 31)]:
        stats = structure_statistics(organization_ids={org.branch_1.pk}, on_date=day)
        assert stats.section_total("年龄") == stats.total
        assert stats.section_total("学历") == stats.total


def test_member_who_transferred_out_leaves_the_counts_from_the_transfer_date(org, roster):
    before = structure_statistics(organization_ids={org.branch_1.pk}, on_date=D(2026, 7, 14)).total
    after = structure_statistics(organization_ids={org.branch_1.pk}, on_date=D(2026, 7, 15)).total
    assert before - after == 1


def test_percentages_round_half_up_to_two_places():
    assert percent_of(1, 32) == Decimal("3.13")  # 3.125
    assert percent_of(1, 8) == Decimal("12.50")
    assert percent_of(0, 0) == Decimal("0.00")


def test_statistics_page_and_export_give_the_same_figures(client, personas, org, roster):
    client.force_login(personas.sam)
    url = reverse("members:statistics") + f"?organization={org.branch_1.pk}&on_date=2026-06-30"
    response = client.get(url)
    assert response.context["statistics"].total == 7 + 4  # the personas Alice, Bob, Olga and Sam
    sheet = openpyxl.load_workbook(BytesIO(client.get(url + "&export=xlsx").content)).active
    values = {row[1] or row[0]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["党员总数"] == 11
    assert values["25岁及以下"] == 1


def test_officer_cannot_count_another_jurisdiction(client, personas, org, roster):
    client.force_login(personas.olga)
    response = client.get(reverse("members:statistics") + f"?organization={org.branch_2.pk}")
    assert response.context["form"].errors
    assert response.context["statistics"].total == 7 + 4
