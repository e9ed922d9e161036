"""三会一课 compliance against the minimum frequencies of DOMAIN.md §4, and silent branches."""

import datetime
import itertools

import pytest
from django.urls import reverse

from branches.models import ComplianceExemption, MeetingFrequencyRule
from branches.selectors import CellStatus, meeting_compliance, periods_of_year, silent_branches
from tests.factories import MeetingFactory

TODAY = datetime.date(2026, 5, 1)


def _row(rows, branch, kind):
    return next(r for r in rows if r.branch == branch and r.kind == kind)


def _statuses(row) -> dict[str, str]:
    return {cell.period.label: cell.status for cell in row.cells}


def test_default_rules_follow_the_regulation(db):
    rules = {r.kind: (r.period, r.min_count) for r in MeetingFrequencyRule.objects.filter(organization=None)}
    assert rules == {
        "committee_meeting": ("quarter", 1),
        "general_meeting": ("half_year", 1),
        "group_meeting": ("quarter", 1),
        "party_lecture": ("quarter", 1),
    }


def test_quarter_without_committee_meeting_is_red_once_the_quarter_is_over(personas, org):
    MeetingFactory(organization=org.branch_1, kind="committee_meeting", held_on=datetime.date(2026, 4, 10))
    rows = meeting_compliance(user=personas.sam, year=2026, today=TODAY)
    statuses = _statuses(_row(rows, org.branch_1, "committee_meeting"))
    assert statuses == {
        "第一季度": CellStatus.SHORT,
        "第二季度": CellStatus.OK,
        "第三季度": CellStatus.FUTURE,
        "第四季度": CellStatus.FUTURE,
    }


def test_current_quarter_not_yet_met_is_pending_not_red(personas, org):
    rows = meeting_compliance(user=personas.sam, year=2026, today=TODAY)
    assert _statuses(_row(rows, org.branch_1, "party_lecture"))["第二季度"] == CellStatus.PENDING


def test_general_meeting_is_counted_per_half_year(personas, org):
    MeetingFactory(organization=org.branch_1, kind="general_meeting", held_on=datetime.date(2025, 3, 3))
    rows = meeting_compliance(user=personas.sam, year=2025, today=TODAY)
    assert _statuses(_row(rows, org.branch_1, "general_meeting")) == {
        "上半年": CellStatus.OK,
        "下半年": CellStatus.SHORT,
    }


def test_branch_formed_mid_quarter_is_exempt_for_that_quarter(personas, org):
    org.branch_1.founded_on = datetime.date(2026, 2, 15)
    org.branch_1.save()
    rows = meeting_compliance(user=personas.sam, year=2026, today=TODAY)
    cell = _row(rows, org.branch_1, "committee_meeting").cells[0]
    assert cell.status == CellStatus.EXEMPT
    assert "成立" in cell.note


def test_recorded_exemption_excuses_the_period_it_covers(personas, org):
    ComplianceExemption.objects.create(
        organization=org.branch_1,
        kind="party_lecture",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 3, 31),
        reason="疫情防控暂停集中活动",
    )
    rows = meeting_compliance(user=personas.sam, year=2026, today=TODAY)
    lecture = _row(rows, org.branch_1, "party_lecture").cells[0]
    committee = _row(rows, org.branch_1, "committee_meeting").cells[0]
    assert (lecture.status, lecture.note) == (CellStatus.EXEMPT, "疫情防控暂停集中活动")
    assert committee.status == CellStatus.SHORT


def test_group_meetings_are_required_of_every_group(personas, org):
    MeetingFactory(organization=org.group_1, kind="group_meeting", held_on=datetime.date(2026, 2, 2))
    rows = meeting_compliance(user=personas.sam, year=2026, today=TODAY)
    cells = _row(rows, org.branch_1, "group_meeting").cells
    assert cells[0].status == CellStatus.OK
    assert cells[0].note == "1/1 个党小组达标"


def test_a_rule_set_on_a_higher_organisation_overrides_the_default_below_it(personas, org):
    MeetingFrequencyRule.objects.create(organization=org.general_1, kind="committee_meeting", period="month")
    rows = meeting_compliance(user=personas.olga, year=2026, today=TODAY)
    assert len(_row(rows, org.branch_1, "committee_meeting").cells) == 12


def test_officer_sees_compliance_only_for_branches_in_jurisdiction(personas, org):
    branches = {row.branch for row in meeting_compliance(user=personas.olga, year=2026, today=TODAY)}
    assert branches == {org.branch_1}


def test_compliance_page_shows_the_missed_quarter_in_red(client, personas, org, time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 1, 10, 0, tzinfo=datetime.UTC))
    client.force_login(personas.sam)
    html = client.get(reverse("branches:compliance")).content.decode()
    assert 'data-period="第一季度" data-status="short"' in html
    export = client.get(reverse("branches:compliance") + "?export=xlsx")
    assert export.status_code == 200


def test_periods_of_year_cover_the_year_without_gaps():
    for period in ["month", "quarter", "half_year", "year"]:
        periods = periods_of_year(2024, period)
        assert periods[0].start == datetime.date(2024, 1, 1)
        assert periods[-1].end == datetime.date(2024, 12, 31)
        for before, after in itertools.pairwise(periods):
            assert after.start - before.end == datetime.timedelta(days=1)


@pytest.mark.parametrize(("days_ago", "silent"), [(31, True), (30, False)])
def test_branch_without_activity_for_more_than_30_days_is_silent(personas, org, days_ago, silent):
    MeetingFactory(organization=org.branch_1, held_on=TODAY - datetime.timedelta(days=days_ago))
    found = {s.branch for s in silent_branches(user=personas.sam, today=TODAY)}
    assert (org.branch_1 in found) is silent


def test_a_group_meeting_keeps_its_branch_from_being_silent(personas, org):
    MeetingFactory(organization=org.group_1, kind="group_meeting", held_on=TODAY - datetime.timedelta(days=3))
    assert silent_branches(user=personas.sam, today=TODAY) == []


def test_branch_with_no_meeting_ever_is_silent_once_older_than_the_window(personas, org):
    [silent] = silent_branches(user=personas.sam, today=TODAY)
    assert silent.branch == org.branch_1
    assert silent.last_activity is None
