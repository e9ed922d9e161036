"""The development pipeline under its timing rules (DOMAIN.md §3): who is due, who is blocked and by which rule."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from members.lifecycle import development_application_record, development_step_record, probation_extend
from members.lifecycle_selectors import (
    DueStatus,
    development_blocked_list,
    development_due_list,
    next_step_for,
    probation_list,
)
from members.models import DevelopmentStep, DevelopmentStepKind, Membership, MembershipStage, TimingRule
from members.periods import add_months
from tests.factories import PersonFactory

D = datetime.date
ONE_YEAR_RULE = "入党积极分子经过一年以上培养教育和考察，方可列为发展对象"


@pytest.fixture
def contacts(member):
    return [
        member(stage=MembershipStage.FULL, name="联系人甲", admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1)).person,
        member(stage=MembershipStage.FULL, name="联系人乙", admitted_on=D(2012, 7, 1), full_on=D(2013, 7, 1)).person,
    ]


def test_development_target_11_months_after_activist_is_blocked_by_the_one_year_rule(today, member, contacts, personas):
    activist = member(stage=MembershipStage.ACTIVIST, applied_on=D(2025, 3, 1), activist_on=D(2025, 6, 1))
    eleven_months_later = D(2026, 5, 1)

    with pytest.raises(ValidationError) as refused:
        development_step_record(
            membership=activist, step=DevelopmentStepKind.TARGET, taken_on=eleven_months_later,
            responsible=contacts, opinion="支委会同意", by=personas.sam,
        )  # fmt: skip

    message = " ".join(refused.value.message_dict["taken_on"])
    assert ONE_YEAR_RULE in message
    assert "最早可于 2026-06-01" in message
    activist.refresh_from_db()
    assert activist.stage == MembershipStage.ACTIVIST and activist.target_on is None
    assert not DevelopmentStep.objects.exists()
    assert not AuditEvent.objects.filter(action="development.step").exists()


def test_development_target_after_a_full_year_is_recorded_with_contacts_opinion_and_audit(
    today, member, contacts, personas
):
    activist = member(stage=MembershipStage.ACTIVIST, applied_on=D(2025, 3, 1), activist_on=D(2025, 6, 1))

    step = development_step_record(
        membership=activist, step=DevelopmentStepKind.TARGET, taken_on=D(2026, 6, 1), responsible=contacts,
        opinion="经支委会研究，同意列为发展对象", by=personas.sam,
    )  # fmt: skip

    activist.refresh_from_db()
    assert activist.stage == MembershipStage.DEVELOPMENT_TARGET
    assert activist.target_on == D(2026, 6, 1)
    assert {p.name for p in step.responsible.all()} == {"联系人甲", "联系人乙"}
    event = AuditEvent.objects.get(action="development.step")
    assert event.actor == personas.sam
    assert event.data["old_stage"] == "activist" and event.data["new_stage"] == "development_target"


def test_blocked_list_names_the_rule_and_the_date_the_member_becomes_eligible(today, member, personas):
    member(stage=MembershipStage.ACTIVIST, name="未满一年", applied_on=D(2025, 6, 1), activist_on=D(2025, 8, 15))
    member(stage=MembershipStage.ACTIVIST, name="已满一年", applied_on=D(2025, 1, 1), activist_on=D(2025, 3, 1))

    blocked = development_blocked_list(user=personas.sam, on=today)
    due = development_due_list(user=personas.sam, on=today)

    assert [b.membership.person.name for b in blocked] == ["未满一年"]
    assert blocked[0].earliest == D(2026, 8, 15)
    assert blocked[0].status == DueStatus.BLOCKED  # more than 30 days away: not yet on the due list
    assert ONE_YEAR_RULE in blocked[0].reason
    assert [d.membership.person.name for d in due] == ["已满一年"]
    assert due[0].status == DueStatus.READY


def test_due_list_shows_a_probationary_member_due_in_20_days(today, member, personas):
    admitted = add_months(today + datetime.timedelta(days=20), -12)
    probationary = member(stage=MembershipStage.PROBATIONARY, name="预备党员", admitted_on=admitted)

    due = development_due_list(user=personas.sam, on=today)

    assert len(due) == 1
    item = due[0]
    assert item.membership == probationary
    assert item.step == DevelopmentStepKind.CONVERT
    assert item.status == DueStatus.DUE_SOON
    assert item.earliest == today + datetime.timedelta(days=20)
    assert item.days_to_earliest == 20
    assert [i.membership for i in probation_list(user=personas.sam, on=today, window="due")] == [probationary]


def test_probationary_member_past_their_year_is_listed_as_overdue(today, member, personas):
    member(stage=MembershipStage.PROBATIONARY, name="逾期", admitted_on=D(2025, 5, 1))
    member(stage=MembershipStage.PROBATIONARY, name="未到期", admitted_on=D(2025, 12, 1))

    overdue = probation_list(user=personas.sam, on=today, window="overdue")
    due = probation_list(user=personas.sam, on=today, window="due")

    assert [i.membership.person.name for i in overdue] == ["逾期"]
    assert overdue[0].deadline == D(2026, 5, 1)
    assert due == []


def test_extended_probation_moves_the_conversion_date_and_keeps_its_reason(today, member, personas):
    probationary = member(stage=MembershipStage.PROBATIONARY, admitted_on=D(2025, 5, 1))

    with pytest.raises(ValidationError) as refused:
        probation_extend(membership=probationary, decided_on=D(2026, 5, 5), months=6, reason=" ", by=personas.sam)
    assert "reason" in refused.value.message_dict
    probation_extend(
        membership=probationary, decided_on=D(2026, 5, 5), months=6, reason="需进一步考察", by=personas.sam
    )

    item = next_step_for(probationary, on=today)
    assert item.earliest == D(2026, 11, 1)
    assert item.status == DueStatus.BLOCKED
    assert DevelopmentStep.objects.get(step=DevelopmentStepKind.EXTEND).opinion == "需进一步考察"
    with pytest.raises(ValidationError, match="只能延长一次"):
        probation_extend(membership=probationary, decided_on=D(2026, 6, 1), months=3, reason="再延", by=personas.sam)


def test_conversion_before_the_year_of_probation_is_refused_naming_the_rule(today, member, personas):
    probationary = member(stage=MembershipStage.PROBATIONARY, admitted_on=D(2025, 7, 1))

    with pytest.raises(ValidationError, match="预备期为一年"):
        development_step_record(
            membership=probationary, step=DevelopmentStepKind.CONVERT, taken_on=today, opinion="同意转正",
            by=personas.sam,
        )  # fmt: skip


def test_admission_past_the_validity_period_needs_a_reason_for_the_delay(today, member, contacts, personas):
    target = member(
        stage=MembershipStage.DEVELOPMENT_TARGET, applied_on=D(2022, 1, 1), activist_on=D(2022, 3, 1),
        target_on=D(2024, 3, 1),
    )  # fmt: skip
    kwargs = {"membership": target, "step": DevelopmentStepKind.ADMIT, "taken_on": D(2026, 6, 1),
              "responsible": contacts, "opinion": "支部大会同意接收", "by": personas.sam}  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        development_step_record(**kwargs)
    assert "列为发展对象后12个月内" in " ".join(refused.value.message_dict["late_reason"])

    development_step_record(**kwargs, late_reason="政审材料补充延误")
    target.refresh_from_db()
    assert target.stage == MembershipStage.PROBATIONARY and target.admitted_on == D(2026, 6, 1)


def test_admission_needs_two_full_members_as_introducers(today, member, contacts, personas):
    target = member(stage=MembershipStage.DEVELOPMENT_TARGET, activist_on=D(2024, 1, 1), target_on=D(2026, 1, 1))
    another_target = member(stage=MembershipStage.DEVELOPMENT_TARGET, target_on=D(2026, 1, 1)).person

    with pytest.raises(ValidationError) as one:
        development_step_record(
            membership=target, step=DevelopmentStepKind.ADMIT, taken_on=D(2026, 6, 1), responsible=contacts[:1],
            opinion="同意", by=personas.sam,
        )  # fmt: skip
    assert "两名入党介绍人" in " ".join(one.value.message_dict["responsible"])
    with pytest.raises(ValidationError) as not_full:
        development_step_record(
            membership=target, step=DevelopmentStepKind.ADMIT, taken_on=D(2026, 6, 1),
            responsible=[contacts[0], another_target], opinion="同意", by=personas.sam,
        )  # fmt: skip
    assert "正式党员" in " ".join(not_full.value.message_dict["responsible"])


def test_steps_follow_the_pipeline_in_order(today, member, personas):
    activist = member(stage=MembershipStage.ACTIVIST, activist_on=D(2024, 1, 1))

    with pytest.raises(ValidationError, match="下一步应为“列为发展对象”"):
        development_step_record(
            membership=activist, step=DevelopmentStepKind.ADMIT, taken_on=today, opinion="同意", by=personas.sam
        )


def test_a_rule_changed_in_the_table_applies_at_once(today, member, contacts, personas):
    TimingRule.objects.filter(step="target", previous_step="activist").update(min_months=6)
    activist = member(stage=MembershipStage.ACTIVIST, applied_on=D(2025, 6, 1), activist_on=D(2025, 10, 1))

    development_step_record(
        membership=activist, step=DevelopmentStepKind.TARGET, taken_on=D(2026, 5, 1), responsible=contacts,
        by=personas.sam,
    )  # fmt: skip

    assert Membership.objects.get(pk=activist.pk).stage == MembershipStage.DEVELOPMENT_TARGET


def test_an_application_enters_the_pipeline_and_applicants_are_adults(today, org, personas):
    adult = PersonFactory(unit=org.office, birth_date=D(2000, 1, 1))
    minor = PersonFactory(unit=org.office, birth_date=D(2009, 1, 1))

    development_application_record(person=adult, branch=org.branch_1, applied_on=D(2026, 6, 1), by=personas.sam)
    with pytest.raises(ValidationError, match="年满十八周岁"):
        development_application_record(person=minor, branch=org.branch_1, applied_on=D(2026, 6, 1), by=personas.sam)

    adult.refresh_from_db()
    assert adult.membership.stage == MembershipStage.APPLICANT
    item = next_step_for(adult.membership, on=today)
    assert item.step == DevelopmentStepKind.ACTIVIST and item.earliest == D(2026, 7, 1)
