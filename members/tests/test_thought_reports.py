"""Quarterly thought reports (思想汇报, DOMAIN.md §3) as an obligation: received, late, missing, pending."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.lifecycle import thought_report_record, thought_report_review
from members.lifecycle_selectors import ReportStatus, report_quarters, thought_report_quarter
from members.models import MembershipStage

D = datetime.date


def _statuses(user, year, quarter, on):
    return {r.membership.person.name: r.status for r in thought_report_quarter(user=user, year=year, quarter=quarter,
                                                                               on=on)}  # fmt: skip


def test_an_activist_with_no_report_in_a_quarter_appears_as_missing_after_the_quarter_ends(member, personas):
    member(stage=MembershipStage.ACTIVIST, name="积极分子", activist_on=D(2025, 11, 1))

    assert _statuses(personas.sam, 2026, 1, on=D(2026, 3, 31)) == {"积极分子": ReportStatus.PENDING}
    assert _statuses(personas.sam, 2026, 1, on=D(2026, 4, 1)) == {"积极分子": ReportStatus.MISSING}


def test_a_report_in_the_quarter_is_received_and_one_after_it_is_late(today, member, personas):
    on_time = member(stage=MembershipStage.ACTIVIST, name="按时", activist_on=D(2025, 11, 1))
    late = member(stage=MembershipStage.DEVELOPMENT_TARGET, name="逾期", activist_on=D(2024, 11, 1),
                  target_on=D(2025, 12, 1))  # fmt: skip
    thought_report_record(membership=on_time, year=2026, quarter=1, received_on=D(2026, 3, 20), by=personas.sam)
    thought_report_record(membership=late, year=2026, quarter=1, received_on=D(2026, 4, 10), by=personas.sam)

    assert _statuses(personas.sam, 2026, 1, on=today) == {"按时": ReportStatus.RECEIVED, "逾期": ReportStatus.LATE}


def test_the_obligation_starts_a_month_after_becoming_an_activist_and_ends_at_admission(member):
    late_in_quarter = member(stage=MembershipStage.ACTIVIST, activist_on=D(2025, 3, 10))
    admitted = member(
        stage=MembershipStage.PROBATIONARY, activist_on=D(2024, 1, 5), target_on=D(2025, 2, 1),
        admitted_on=D(2025, 5, 20),
    )  # fmt: skip

    assert report_quarters(late_in_quarter, on=D(2025, 12, 31))[0] == (2025, 2)
    assert report_quarters(admitted, on=D(2026, 6, 15)) == [(2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1)]


def test_members_outside_the_secretarys_branch_are_not_listed(member, org, personas):
    member(stage=MembershipStage.ACTIVIST, name="别的支部", activist_on=D(2025, 1, 1), branch=org.branch_2)

    assert _statuses(personas.sam, 2026, 1, on=D(2026, 4, 1)) == {}
    assert _statuses(personas.chief, 2026, 1, on=D(2026, 4, 1)) == {"别的支部": ReportStatus.MISSING}


def test_a_report_is_registered_once_and_reviewed_once(today, member, personas):
    activist = member(stage=MembershipStage.ACTIVIST, activist_on=D(2025, 11, 1))
    report = thought_report_record(membership=activist, year=2026, quarter=1, received_on=D(2026, 3, 2),
                                   by=personas.sam)  # fmt: skip

    with pytest.raises(ValidationError, match="已登记"):
        thought_report_record(membership=activist, year=2026, quarter=1, received_on=D(2026, 3, 3), by=personas.sam)
    thought_report_review(report=report, reviewer=personas.people.sam, comment="认识深刻", reviewed_on=D(2026, 3, 5),
                          by=personas.sam)  # fmt: skip
    with pytest.raises(ValidationError, match="已审阅"):
        thought_report_review(report=report, reviewer=personas.people.sam, comment="再审", reviewed_on=today,
                              by=personas.sam)  # fmt: skip
    report.refresh_from_db()
    assert (report.review_comment, report.reviewer) == ("认识深刻", personas.people.sam)


def test_the_quarter_page_shows_the_missing_report_and_exports_it(client, today, member, personas):
    member(stage=MembershipStage.ACTIVIST, name="缺交的人", activist_on=D(2025, 11, 1))
    client.force_login(personas.sam)

    page = client.get(reverse("members:thought_reports"), {"year": 2026, "quarter": 1})
    export = client.get(reverse("members:thought_reports"), {"year": 2026, "quarter": 1, "export": "xlsx"})

    assert page.status_code == 200
    assert "缺交的人" in page.content.decode() and "缺交" in page.content.decode()
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
