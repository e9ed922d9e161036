"""Writes about the life of a party member (DOMAIN.md §3): development steps under the timing rules, thought
reports, probation extended, party standing, organisational relation transfers, floating members and members in
difficulty.

Every function changes its rows in one transaction together with an audit row. History rows (steps, reports,
standing changes, transfers, help given) are only ever added: a receipt or a review fills fields that were empty.
"""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import PartyOrganization, Unit
from core.audit import audit_record
from core.models import User

from .lifecycle_selectors import NEXT_STEP, STAGE_AFTER, STEP_DATE_FIELD, rule_checks
from .models import (
    PARTY_MEMBER_STAGES,
    STANDING_KINDS_WITH_DOCUMENT,
    DevelopmentStep,
    DevelopmentStepKind,
    HardshipCase,
    HardshipHelp,
    Membership,
    MembershipStage,
    Person,
    Standing,
    StandingChange,
    StandingChangeKind,
    ThoughtReport,
    Transfer,
    TransferStatus,
)
from .periods import age_on, quarter_end

MIN_APPLICANT_AGE = 18

# ---- development (发展党员) ---------------------------------------------------------------------------------


def _not_in_future(day: datetime.date, field: str, label: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: _("%(label)s不能晚于今天。") % {"label": label}})


@transaction.atomic
def development_application_record(
    *,
    person: Person,
    branch: PartyOrganization,
    applied_on: datetime.date,
    opinion: str = "",
    by: User | None,
) -> DevelopmentStep:
    """An application to join (递交入党申请书): the person enters the pipeline as an applicant (§3)."""
    _not_in_future(applied_on, "taken_on", _("申请日期"))
    if hasattr(person, "membership"):
        raise ValidationError(
            _("%(name)s 已有党员信息（%(stage)s）。")
            % {"name": person.name, "stage": person.membership.get_stage_display()}
        )
    if not branch.is_branch:
        raise ValidationError({"branch": _("请选择党支部。")})
    if age_on(person.birth_date, applied_on) < MIN_APPLICANT_AGE:
        raise ValidationError({"taken_on": _("申请入党须年满十八周岁。")})
    membership = Membership.objects.create(
        person=person, branch=branch, stage=MembershipStage.APPLICANT, applied_on=applied_on
    )
    step = DevelopmentStep.objects.create(
        membership=membership, step=DevelopmentStepKind.APPLY, taken_on=applied_on, opinion=opinion, recorded_by=by
    )
    audit_record(
        actor=by,
        action="development.step",
        obj=membership,
        summary=f"{person.name} {DevelopmentStepKind.APPLY.label} {applied_on}",
        data={"step": DevelopmentStepKind.APPLY, "taken_on": applied_on.isoformat()},
    )
    return step


@transaction.atomic
def development_step_record(
    *,
    membership: Membership,
    step: str,
    taken_on: datetime.date,
    responsible: Sequence[Person] = (),
    opinion: str = "",
    higher_opinion: str = "",
    document_number: str = "",
    late_reason: str = "",
    by: User | None,
    today: datetime.date | None = None,
) -> DevelopmentStep:
    """Record the member's next development step (§3). Refused, naming the rule, when a timing rule says it is
    too early; past a rule's validity period it needs a reason (逾期说明). Updates the stage and its date."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("person").get(pk=membership.pk)
    today = today or timezone.localdate()
    expected = NEXT_STEP.get(membership.stage)
    if step != expected:
        raise ValidationError(
            _("%(name)s 目前是%(stage)s，下一步应为“%(expected)s”。")
            % {
                "name": membership.person.name,
                "stage": membership.get_stage_display(),
                "expected": DevelopmentStepKind(expected).label if expected else _("无（已是正式党员）"),
            }
        )
    if membership.left_on is not None:
        raise ValidationError(_("%(name)s 的组织关系已转出。") % {"name": membership.person.name})
    if taken_on > today:
        raise ValidationError({"taken_on": _("日期不能晚于今天。")})
    errors: dict[str, list[str]] = {}
    checks, _missing = rule_checks(membership, step)
    for check in checks:
        if check.earliest and taken_on < check.earliest:
            errors.setdefault("taken_on", []).append(check.message_blocked())
        elif check.deadline and taken_on > check.deadline and not late_reason.strip():
            errors.setdefault("late_reason", []).append(check.message_late())
    previous_dates = [d for s, f in STEP_DATE_FIELD.items() if s != step and (d := getattr(membership, f))]
    if previous_dates and taken_on < max(previous_dates) and "taken_on" not in errors:
        errors.setdefault("taken_on", []).append(
            _("日期不能早于上一步骤的日期 %(on)s。") % {"on": f"{max(previous_dates):%Y-%m-%d}"}
        )
    people = list(responsible)
    if membership.person in people:
        errors.setdefault("responsible", []).append(_("培养联系人、入党介绍人不能是本人。"))
    if step == DevelopmentStepKind.ADMIT:
        if len(people) != 2:
            errors.setdefault("responsible", []).append(_("接收预备党员须有两名入党介绍人。"))
        elif any(not _is_full_member(p) for p in people):
            errors.setdefault("responsible", []).append(_("入党介绍人须为正式党员。"))
    if step in (DevelopmentStepKind.ACTIVIST, DevelopmentStepKind.TARGET) and not people:
        errors.setdefault("responsible", []).append(_("请指定培养联系人。"))
    if step in (DevelopmentStepKind.ADMIT, DevelopmentStepKind.CONVERT) and not opinion.strip():
        errors.setdefault("opinion", []).append(_("请填写支部大会讨论意见。"))
    if errors:
        raise ValidationError(errors)
    record = DevelopmentStep.objects.create(
        membership=membership,
        step=step,
        taken_on=taken_on,
        opinion=opinion.strip(),
        higher_opinion=higher_opinion.strip(),
        document_number=document_number.strip(),
        late_reason=late_reason.strip(),
        recorded_by=by,
    )
    record.responsible.set(people)
    old_stage = membership.stage
    membership.stage = STAGE_AFTER[step]
    setattr(membership, STEP_DATE_FIELD[step], taken_on)
    membership.save(update_fields=["stage", STEP_DATE_FIELD[step]])
    audit_record(
        actor=by,
        action="development.step",
        obj=membership,
        summary=f"{membership.person.name} {DevelopmentStepKind(step).label} {taken_on}",
        data={
            "step": step,
            "taken_on": taken_on.isoformat(),
            "old_stage": old_stage,
            "new_stage": membership.stage,
            "responsible": [p.pk for p in people],
            "late_reason": late_reason.strip(),
        },
    )
    return record


def _is_full_member(person: Person) -> bool:
    membership = getattr(person, "membership", None)
    return membership is not None and membership.stage == MembershipStage.FULL and membership.left_on is None


@transaction.atomic
def probation_extend(
    *,
    membership: Membership,
    decided_on: datetime.date,
    months: int,
    reason: str,
    document_number: str = "",
    by: User | None,
) -> DevelopmentStep:
    """Extend probation (延长预备期) by 1 to 12 months, once, with the reason (§3). The conversion date moves."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("person").get(pk=membership.pk)
    errors: dict[str, list[str]] = {}
    if membership.stage != MembershipStage.PROBATIONARY:
        raise ValidationError(_("只有预备党员可以延长预备期。"))
    if membership.development_steps.filter(step=DevelopmentStepKind.EXTEND).exists():
        raise ValidationError(_("预备期只能延长一次。"))
    if not 1 <= months <= 12:
        errors.setdefault("months", []).append(_("延长期限为1至12个月。"))
    if not reason.strip():
        errors.setdefault("reason", []).append(_("请填写延长预备期的原因。"))
    if decided_on > timezone.localdate():
        errors.setdefault("decided_on", []).append(_("日期不能晚于今天。"))
    elif membership.admitted_on and decided_on < membership.admitted_on:
        errors.setdefault("decided_on", []).append(_("日期不能早于入党日期。"))
    if errors:
        raise ValidationError(errors)
    record = DevelopmentStep.objects.create(
        membership=membership,
        step=DevelopmentStepKind.EXTEND,
        taken_on=decided_on,
        extension_months=months,
        opinion=reason.strip(),
        document_number=document_number.strip(),
        recorded_by=by,
    )
    audit_record(
        actor=by,
        action="development.extend",
        obj=membership,
        summary=f"{membership.person.name} 延长预备期 {months} 个月",
        data={"months": months, "decided_on": decided_on.isoformat(), "reason": reason.strip()},
    )
    return record


# ---- thought reports (思想汇报) ---------------------------------------------------------------------------


@transaction.atomic
def thought_report_record(
    *,
    membership: Membership,
    year: int,
    quarter: int,
    received_on: datetime.date,
    summary: str = "",
    by: User | None,
) -> ThoughtReport:
    """A quarterly thought report handed in by an activist or development target (§3)."""
    errors: dict[str, list[str]] = {}
    if membership.activist_on is None:
        errors.setdefault("__all__", []).append(
            _("%(name)s 还不是入党积极分子，无需提交思想汇报。") % {"name": membership.person.name}
        )
    if not 1 <= quarter <= 4:
        errors.setdefault("quarter", []).append(_("季度为1至4。"))
    if received_on > timezone.localdate():
        errors.setdefault("received_on", []).append(_("收到日期不能晚于今天。"))
    if ThoughtReport.objects.filter(membership=membership, year=year, quarter=quarter).exists():
        errors.setdefault("__all__", []).append(
            _("%(name)s %(year)s年第%(quarter)s季度的思想汇报已登记。")
            % {"name": membership.person.name, "year": year, "quarter": quarter}
        )
    if errors:
        raise ValidationError(errors)
    report = ThoughtReport.objects.create(
        membership=membership,
        year=year,
        quarter=quarter,
        received_on=received_on,
        summary=summary.strip(),
        recorded_by=by,
    )
    late = received_on > quarter_end(year, quarter)
    audit_record(
        actor=by,
        action="thought_report.record",
        obj=report,
        summary=f"{membership.person.name} {year}年第{quarter}季度思想汇报",
        data={"received_on": received_on.isoformat(), "late": late},
    )
    return report


@transaction.atomic
def thought_report_review(
    *, report: ThoughtReport, reviewer: Person, comment: str, reviewed_on: datetime.date, by: User | None
) -> ThoughtReport:
    """The reviewer's comment on a report; given once."""
    report = ThoughtReport.objects.select_for_update().get(pk=report.pk)
    if report.reviewed_on is not None:
        raise ValidationError(_("该思想汇报已审阅。"))
    errors: dict[str, list[str]] = {}
    if not comment.strip():
        errors.setdefault("comment", []).append(_("请填写审阅意见。"))
    if reviewed_on < report.received_on:
        errors.setdefault("reviewed_on", []).append(_("审阅日期不能早于收到日期。"))
    if reviewed_on > timezone.localdate():
        errors.setdefault("reviewed_on", []).append(_("审阅日期不能晚于今天。"))
    if errors:
        raise ValidationError(errors)
    report.reviewer = reviewer
    report.review_comment = comment.strip()
    report.reviewed_on = reviewed_on
    report.save(update_fields=["reviewer", "review_comment", "reviewed_on"])
    audit_record(
        actor=by,
        action="thought_report.review",
        obj=report,
        summary=f"审阅 {report}",
        data={"reviewer": reviewer.pk, "reviewed_on": reviewed_on.isoformat()},
    )
    return report


# ---- party standing (党籍) ----------------------------------------------------------------------------------

# Which standing each change starts from and leads to.
STANDING_TRANSITIONS = {
    StandingChangeKind.KEPT: ({Standing.NORMAL}, Standing.KEPT),
    StandingChangeKind.SUSPENDED: ({Standing.NORMAL, Standing.LOST_CONTACT}, Standing.SUSPENDED),
    StandingChangeKind.RESTORED: ({Standing.KEPT, Standing.SUSPENDED}, Standing.NORMAL),
    StandingChangeKind.LOST_CONTACT: ({Standing.NORMAL}, Standing.LOST_CONTACT),
    StandingChangeKind.CONTACT_RESTORED: ({Standing.LOST_CONTACT}, Standing.NORMAL),
}


@transaction.atomic
def standing_change_record(
    *,
    membership: Membership,
    kind: str,
    effective_on: datetime.date,
    reason: str,
    document_number: str = "",
    by: User | None,
) -> StandingChange:
    """A change of party standing (§3), added to the history; the member's current standing follows it."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("person").get(pk=membership.pk)
    allowed_from, after = STANDING_TRANSITIONS[StandingChangeKind(kind)]
    errors: dict[str, list[str]] = {}
    if membership.stage not in PARTY_MEMBER_STAGES:
        errors.setdefault("__all__", []).append(_("只有党员才有党籍变动。"))
    if membership.standing not in allowed_from:
        errors.setdefault("kind", []).append(
            _("%(name)s 目前党籍状态为“%(standing)s”，不能办理“%(kind)s”。")
            % {
                "name": membership.person.name,
                "standing": membership.get_standing_display(),
                "kind": StandingChangeKind(kind).label,
            }
        )
    if kind in STANDING_KINDS_WITH_DOCUMENT and not document_number.strip():
        errors.setdefault("document_number", []).append(_("请填写党组织决定的文号。"))
    if not reason.strip():
        errors.setdefault("reason", []).append(_("请填写原因。"))
    if effective_on > timezone.localdate():
        errors.setdefault("effective_on", []).append(_("日期不能晚于今天。"))
    latest = membership.standing_changes.order_by("-effective_on", "-id").first()
    if latest and effective_on < latest.effective_on:
        errors.setdefault("effective_on", []).append(
            _("日期不能早于上一次党籍变动（%(on)s）。") % {"on": f"{latest.effective_on:%Y-%m-%d}"}
        )
    if errors:
        raise ValidationError(errors)
    change = StandingChange.objects.create(
        membership=membership,
        kind=kind,
        effective_on=effective_on,
        document_number=document_number.strip(),
        reason=reason.strip(),
        standing_before=membership.standing,
        standing_after=after,
        recorded_by=by,
    )
    membership.standing = after
    membership.save(update_fields=["standing"])
    audit_record(
        actor=by,
        action="standing.change",
        obj=membership,
        summary=f"{membership.person.name} {StandingChangeKind(kind).label} {effective_on}",
        data={"kind": kind, "before": change.standing_before, "after": after, "document": change.document_number},
    )
    return change


# ---- organisational relation transfers (组织关系转接) ------------------------------------------------------


def organization_path(organization: PartyOrganization) -> str:
    """中共某区直机关工委 › 机关第一党总支 › 办公室党支部, as written on an introduction letter."""
    names = []
    node: PartyOrganization | None = organization
    while node is not None:
        names.append(node.name)
        node = node.parent
    return "".join(reversed(names))


@transaction.atomic
def transfer_out_issue(
    *,
    membership: Membership,
    transferred_on: datetime.date,
    valid_until: datetime.date,
    to_branch: PartyOrganization | None = None,
    to_name: str = "",
    letter_number: str = "",
    reason: str = "",
    by: User | None,
) -> Transfer:
    """Issue an introduction letter (介绍信, §3). Out of the organ, the member leaves the counts from the transfer
    date (Membership.left_on); within it, they move when the receiving branch receives them."""
    from .dues import dues_paid_up_to

    membership = (
        Membership.objects.select_for_update(of=("self",)).select_related("person", "branch").get(pk=membership.pk)
    )
    person = membership.person
    errors: dict[str, list[str]] = {}
    if membership.stage not in PARTY_MEMBER_STAGES:
        errors.setdefault("__all__", []).append(_("只有党员（含预备党员）可以转接组织关系。"))
    if membership.left_on is not None:
        errors.setdefault("__all__", []).append(_("%(name)s 的组织关系已转出。") % {"name": person.name})
    if Transfer.objects.filter(person=person, status=TransferStatus.PENDING).exists():
        errors.setdefault("__all__", []).append(_("%(name)s 已有一项正在办理的转接。") % {"name": person.name})
    if to_branch is not None:
        if not to_branch.is_branch:
            errors.setdefault("to_branch", []).append(_("请选择接收的党支部。"))
        elif to_branch.pk == membership.branch_id:
            errors.setdefault("to_branch", []).append(_("接收支部与所在支部相同。"))
    elif not to_name.strip():
        errors.setdefault("to_name", []).append(_("请填写接收党组织名称，或选择机关内的接收支部。"))
    if transferred_on > timezone.localdate():
        errors.setdefault("transferred_on", []).append(_("转接日期不能晚于今天。"))
    if valid_until < transferred_on:
        errors.setdefault("valid_until", []).append(_("有效期不能早于转接日期。"))
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        person=person,
        from_branch=membership.branch,
        to_branch=to_branch,
        from_name=organization_path(membership.branch),
        to_name=organization_path(to_branch) if to_branch else to_name.strip(),
        letter_number=letter_number.strip(),
        transferred_on=transferred_on,
        valid_until=valid_until,
        reason=reason.strip(),
        name=person.name,
        gender=person.gender,
        age=age_on(person.birth_date, transferred_on),
        ethnicity=person.ethnicity,
        party_status=membership.stage,
        id_number=person.id_number or "",
        dues_paid_until=dues_paid_up_to(membership),
        created_by=by,
    )
    if to_branch is None:
        membership.left_on = transferred_on
        membership.save(update_fields=["left_on"])
    audit_record(
        actor=by,
        action="transfer.issue",
        obj=transfer,
        summary=f"{person.name} {transfer.from_name} → {transfer.to_name}",
        data={"direction": transfer.direction, "transferred_on": transferred_on.isoformat()},
    )
    return transfer


@transaction.atomic
def transfer_receipt_record(
    *, transfer: Transfer, receipt_on: datetime.date, note: str = "", by: User | None
) -> Transfer:
    """The receipt (回执) of an outgoing letter, or the receiving branch taking in a member moved within the
    organ: the transfer is complete, and an internal move puts the member in the receiving branch."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("该转接已%(status)s。") % {"status": transfer.get_status_display()})
    if transfer.direction == "in":
        raise ValidationError(_("转入机关的党员请办理报到接收。"))
    _check_receipt_date(transfer, receipt_on)
    transfer.status = TransferStatus.COMPLETED
    transfer.receipt_on = receipt_on
    transfer.receipt_note = note.strip()
    transfer.save(update_fields=["status", "receipt_on", "receipt_note"])
    if transfer.direction == "internal":
        Membership.objects.filter(person=transfer.person).update(branch=transfer.to_branch, group=None)
    audit_record(
        actor=by,
        action="transfer.receipt",
        obj=transfer,
        summary=f"{transfer.name} 转接回执 {receipt_on}",
        data={"receipt_on": receipt_on.isoformat(), "direction": transfer.direction},
    )
    return transfer


def _check_receipt_date(transfer: Transfer, receipt_on: datetime.date) -> None:
    if receipt_on < transfer.transferred_on:
        raise ValidationError({"receipt_on": _("日期不能早于转接日期。")})
    if receipt_on > timezone.localdate():
        raise ValidationError({"receipt_on": _("日期不能晚于今天。")})


@transaction.atomic
def transfer_in_register(
    *,
    to_branch: PartyOrganization,
    from_name: str,
    transferred_on: datetime.date,
    valid_until: datetime.date,
    name: str,
    gender: str,
    age: int,
    ethnicity: str,
    party_status: str,
    id_number: str = "",
    dues_paid_until: datetime.date | None = None,
    letter_number: str = "",
    reason: str = "",
    by: User | None,
) -> Transfer:
    """Register an introduction letter from outside the organ; the member is taken in when they report."""
    errors: dict[str, list[str]] = {}
    if not to_branch.is_branch:
        errors.setdefault("to_branch", []).append(_("请选择接收的党支部。"))
    if valid_until < transferred_on:
        errors.setdefault("valid_until", []).append(_("有效期不能早于转接日期。"))
    if party_status not in PARTY_MEMBER_STAGES:
        errors.setdefault("party_status", []).append(_("请选择正式党员或预备党员。"))
    if id_number and Membership.objects.filter(person__id_number=id_number, left_on__isnull=True).exists():
        errors.setdefault("id_number", []).append(_("该身份证号的党员已在本机关，无需转入。"))
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        to_branch=to_branch,
        from_name=from_name.strip(),
        to_name=organization_path(to_branch),
        transferred_on=transferred_on,
        valid_until=valid_until,
        letter_number=letter_number.strip(),
        reason=reason.strip(),
        name=name.strip(),
        gender=gender,
        age=age,
        ethnicity=ethnicity.strip(),
        party_status=party_status,
        id_number=id_number.strip(),
        dues_paid_until=dues_paid_until,
        created_by=by,
    )
    audit_record(
        actor=by,
        action="transfer.register_in",
        obj=transfer,
        summary=f"{transfer.name} {transfer.from_name} → {transfer.to_name}",
        data={"transferred_on": transferred_on.isoformat()},
    )
    return transfer


@transaction.atomic
def transfer_in_receive(
    *,
    transfer: Transfer,
    arrived_on: datetime.date,
    unit: Unit,
    birth_date: datetime.date,
    education: str,
    admitted_on: datetime.date,
    full_on: datetime.date | None = None,
    phone: str = "",
    by: User | None,
) -> Transfer:
    """The member reports (报到): they join the receiving branch from that day, and the receipt goes back.
    Someone who transferred out earlier and returns keeps their person record and its history."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING or transfer.direction != "in":
        raise ValidationError(_("该转接不是待报到的转入。"))
    _check_receipt_date(transfer, arrived_on)
    errors: dict[str, list[str]] = {}
    if transfer.party_status == MembershipStage.FULL and full_on is None:
        errors.setdefault("full_on", []).append(_("正式党员请填写转正日期。"))
    if full_on is not None and full_on < admitted_on:
        errors.setdefault("full_on", []).append(_("转正日期不能早于入党日期。"))
    if admitted_on > arrived_on:
        errors.setdefault("admitted_on", []).append(_("入党日期不能晚于报到日期。"))
    person = Person.objects.filter(id_number=transfer.id_number).first() if transfer.id_number else None
    membership = getattr(person, "membership", None) if person else None
    if membership is not None and membership.left_on is None:
        errors.setdefault("__all__", []).append(_("该身份证号的党员已在本机关，无需转入。"))
    if errors:
        raise ValidationError(errors)
    fields = {
        "name": transfer.name,
        "gender": transfer.gender,
        "ethnicity": transfer.ethnicity,
        "birth_date": birth_date,
        "education": education,
        "unit": unit,
    }
    if person is None:
        person = Person(id_number=transfer.id_number or None, phone=phone, **fields)
    else:
        for key, value in fields.items():
            setattr(person, key, value)
        person.phone = phone or person.phone
    person.full_clean()
    person.save()
    stage_fields = {
        "branch": transfer.to_branch,
        "group": None,
        "stage": transfer.party_status,
        "admitted_on": admitted_on,
        "full_on": full_on if transfer.party_status == MembershipStage.FULL else None,
        "left_on": None,
    }
    if membership is None:
        Membership.objects.create(person=person, **stage_fields)
    else:
        Membership.objects.filter(pk=membership.pk).update(**stage_fields)
    transfer.person = person
    transfer.status = TransferStatus.COMPLETED
    transfer.receipt_on = arrived_on
    transfer.save(update_fields=["person", "status", "receipt_on"])
    audit_record(
        actor=by,
        action="transfer.receive_in",
        obj=transfer,
        summary=f"{transfer.name} 报到 {arrived_on}",
        data={"person": person.pk, "arrived_on": arrived_on.isoformat()},
    )
    return transfer


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, cancelled_on: datetime.date, reason: str, by: User | None) -> Transfer:
    """Cancel a transfer under way (e.g. the letter ran out unused): a member transferred out counts again."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("该转接已%(status)s。") % {"status": transfer.get_status_display()})
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    if cancelled_on < transfer.transferred_on or cancelled_on > timezone.localdate():
        raise ValidationError({"cancelled_on": _("撤销日期应在转接日期与今天之间。")})
    transfer.status = TransferStatus.CANCELLED
    transfer.cancelled_on = cancelled_on
    transfer.cancel_reason = reason.strip()
    transfer.save(update_fields=["status", "cancelled_on", "cancel_reason"])
    if transfer.direction == "out":
        Membership.objects.filter(person=transfer.person, left_on=transfer.transferred_on).update(left_on=None)
    audit_record(
        actor=by,
        action="transfer.cancel",
        obj=transfer,
        summary=f"撤销 {transfer}",
        data={"reason": transfer.cancel_reason},
    )
    return transfer


# ---- ledgers: floating members and members in difficulty (台账) -----------------------------------------


@transaction.atomic
def floating_set(
    *,
    membership: Membership,
    is_floating: bool,
    destination: str = "",
    since: datetime.date | None = None,
    by: User | None,
) -> Membership:
    """Mark a member as floating (流动党员) with where they went and since when, or back home."""
    errors: dict[str, list[str]] = {}
    if is_floating and not destination.strip():
        errors.setdefault("destination", []).append(_("请填写外出流向。"))
    if is_floating and since is None:
        errors.setdefault("since", []).append(_("请填写外出日期。"))
    if errors:
        raise ValidationError(errors)
    old = {"is_floating": membership.is_floating, "destination": membership.floating_destination}
    membership.is_floating = is_floating
    membership.floating_destination = destination.strip() if is_floating else ""
    membership.floating_since = since if is_floating else None
    membership.save(update_fields=["is_floating", "floating_destination", "floating_since"])
    audit_record(
        actor=by,
        action="ledger.floating",
        obj=membership,
        summary=f"{membership.person.name} {'流动党员' if is_floating else '解除流动党员'}",
        data={"old": old, "new": {"is_floating": is_floating, "destination": membership.floating_destination}},
    )
    return membership


@transaction.atomic
def hardship_open(
    *, membership: Membership, category: str, situation: str, since: datetime.date, by: User | None
) -> HardshipCase:
    """Register a member in difficulty (困难党员, §3)."""
    if HardshipCase.objects.filter(membership=membership, closed_on__isnull=True).exists():
        raise ValidationError(_("%(name)s 已登记为困难党员。") % {"name": membership.person.name})
    if not situation.strip():
        raise ValidationError({"situation": _("请填写困难情况。")})
    case = HardshipCase.objects.create(
        membership=membership, category=category, situation=situation.strip(), since=since, created_by=by
    )
    # The audit summary names the person only: the details stay in the protected record (§0).
    audit_record(actor=by, action="hardship.open", obj=case, summary=f"登记困难党员 {membership.person.name}")
    return case


@transaction.atomic
def hardship_help_record(
    *,
    case: HardshipCase,
    given_on: datetime.date,
    kind: str,
    amount_fen: int,
    description: str,
    given_by: str,
    by: User | None,
) -> HardshipHelp:
    errors: dict[str, list[str]] = {}
    if amount_fen < 0:
        errors.setdefault("amount", []).append(_("金额不能为负数。"))
    if not description.strip():
        errors.setdefault("description", []).append(_("请填写帮扶内容。"))
    if given_on < case.since or given_on > timezone.localdate():
        errors.setdefault("given_on", []).append(_("日期应在登记日期与今天之间。"))
    if case.closed_on is not None:
        errors.setdefault("__all__", []).append(_("困难登记已解除。"))
    if errors:
        raise ValidationError(errors)
    help_given = HardshipHelp.objects.create(
        case=case,
        given_on=given_on,
        kind=kind,
        amount_fen=amount_fen,
        description=description.strip(),
        given_by=given_by.strip(),
        recorded_by=by,
    )
    audit_record(actor=by, action="hardship.help", obj=case, summary=f"帮扶 {case.membership.person.name}")
    return help_given


@transaction.atomic
def hardship_close(*, case: HardshipCase, closed_on: datetime.date, reason: str, by: User | None) -> HardshipCase:
    case = HardshipCase.objects.select_for_update().get(pk=case.pk)
    if case.closed_on is not None:
        raise ValidationError(_("困难登记已解除。"))
    if not reason.strip():
        raise ValidationError({"reason": _("请填写解除原因。")})
    if closed_on < case.since:
        raise ValidationError({"closed_on": _("解除日期不能早于登记日期。")})
    case.closed_on = closed_on
    case.close_reason = reason.strip()
    case.save(update_fields=["closed_on", "close_reason"])
    audit_record(actor=by, action="hardship.close", obj=case, summary=f"解除困难党员 {case.membership.person.name}")
    return case


def hardship_viewed(*, user: User, cases: Sequence[HardshipCase], what: str) -> None:
    """Viewing hardship data is audited (§0): who looked at which cases, and how (page, detail, export)."""
    audit_record(
        actor=user,
        action="hardship.view",
        obj=cases[0] if len(cases) == 1 else None,
        summary=f"查看困难党员{what}（{len(cases)} 人）",
        data={"cases": [c.pk for c in cases], "what": what},
    )
