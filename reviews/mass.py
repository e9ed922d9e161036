"""群众评议 (DOMAIN.md §7): rounds of mass evaluation, the other methods and things done for the public, and the
rectification that a 不满意 result opens.

A round is an anonymous poll of kind MASS (reviews.services) set up here with the §7 aspects: each branch of the
round's subtree on six aspects and each of their members on five, plus an overall question (总体评价) per subject that
decides the subject's result. Participants, outsiders included, vote with one-time codes on the public ballot pages.

At the close (mass_round_close) every subject's result is read, in the same transaction as the poll's close:
- a 不满意 result opens a Rectification with a deadline (one month) and a re-evaluation three months after the close;
- a subject whose rectification is due for re-evaluation is re-evaluated by this result: 满意 or 基本满意 passes;
  不满意 again fails it and opens a new rectification that needs an organisational talk (组织谈话) before it can be
  completed;
- a result below the minimum turnout is invalid and decides nothing.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import PartyOrganization
from core.audit import audit_record
from core.models import User
from members.models import Membership, Person
from members.periods import add_months
from members.selectors import members_on

from .models import (
    MassActivity,
    MassEvaluationRound,
    MassRoundKind,
    OrganisationalTalk,
    Poll,
    PollQuestion,
    PollSubject,
    PublicServiceItem,
    Rectification,
    Satisfaction,
    SelfIntroduction,
)
from .permissions import may_organise
from .results import poll_results
from .services import PollError, poll_close, poll_create

# §7: the six aspects of a branch and the five of a member (the wording of the source documents, generalised).
BRANCH_ASPECTS = [
    gettext_lazy("对活动的重视程度"),
    gettext_lazy("活动与实际工作结合情况"),
    gettext_lazy("公开承诺事项兑现情况"),
    gettext_lazy("对中心工作的推动作用"),
    gettext_lazy("加强组织建设和队伍建设情况"),
    gettext_lazy("“五个好”目标实现情况"),
]
MEMBER_ASPECTS = [
    gettext_lazy("积极参加活动"),
    gettext_lazy("服务群众"),
    gettext_lazy("立足岗位作表率"),
    gettext_lazy("公开承诺兑现情况"),
    gettext_lazy("达到“五带头”要求"),
]
OVERALL = gettext_lazy("总体评价")

RECTIFICATION_MONTHS = 1
REEVALUATION_MONTHS = 3
PENDING = (Rectification.Status.OPEN, Rectification.Status.DONE)


def _require_organiser(actor: User, organization_id: int) -> None:
    if not may_organise(actor, organization_id=organization_id):
        raise PermissionDenied


def round_title(kind: str, year: int, period: int, organization: PartyOrganization) -> str:
    if kind == MassRoundKind.QUARTER:
        title = _("%(year)d年第%(n)s季度群众评议") % {"year": year, "n": "一二三四"[period - 1]}
    elif kind == MassRoundKind.HALF_YEAR:
        half = _("上半年") if period == 1 else _("下半年")
        title = _("%(year)d年%(half)s群众评议小结") % {"year": year, "half": half}
    elif kind == MassRoundKind.YEAR_END:
        title = _("%(year)d年度群众评议总评") % {"year": year}
    else:
        title = _("%(year)d年群众评议整改复评") % {"year": year}
    return f"{organization.name}{title}"


def _round_branches(organization: PartyOrganization) -> list[PartyOrganization]:
    """The branches a round evaluates: the organisation itself when it is a branch, else the branches under it."""
    ids = PartyOrganization.objects.subtree_ids([organization.pk])
    return list(PartyOrganization.objects.filter(pk__in=ids, kind=PartyOrganization.Kind.BRANCH))


@transaction.atomic
def mass_round_create(
    *,
    actor: User,
    organization: PartyOrganization,
    kind: str,
    year: int,
    period: int = 0,
    on_date: datetime.date | None = None,
    rectifications: list[Rectification] | None = None,
) -> MassEvaluationRound:
    """A draft round: its poll with the branches of the subtree and their party members on `on_date` (today) as
    subjects, the six or five aspects and an overall question each. A re-evaluation round (整改复评) takes as subjects
    only the subjects of the given rectifications."""
    _require_organiser(actor, organization.pk)
    if kind not in MassRoundKind.values:
        raise PollError(_("评议类别不正确。"))
    if kind == MassRoundKind.QUARTER and not 1 <= period <= 4:
        raise PollError(_("季度评议须选择第 1 至 4 季度。"))
    if kind == MassRoundKind.HALF_YEAR and period not in (1, 2):
        raise PollError(_("半年小结须选择上半年或下半年。"))
    if kind in (MassRoundKind.YEAR_END, MassRoundKind.REEVALUATION):
        period = 0
    on_date = on_date or timezone.localdate()
    if kind == MassRoundKind.REEVALUATION:
        if not rectifications:
            raise PollError(_("整改复评须选择要复评的整改对象。"))
        subjects = _reevaluation_subjects(organization, rectifications, on_date)
    else:
        branches = _round_branches(organization)
        if not branches:
            raise PollError(_("“%(name)s”下没有党支部，无法开展群众评议。") % {"name": organization.name})
        members = members_on(organization_ids={b.pk for b in branches}, on_date=on_date).select_related("person")
        by_branch: dict[int, list[Person]] = {}
        for membership in members.order_by("person__name"):
            by_branch.setdefault(membership.branch_id, []).append(membership.person)
        subjects = []
        for branch in branches:
            subjects.append((branch.name, None, branch))
            subjects.extend((person.name, person, None) for person in by_branch.get(branch.pk, []))
    try:
        with transaction.atomic():
            poll = poll_create(
                actor=actor,
                title=round_title(kind, year, period, organization),
                kind=Poll.Kind.MASS,
                organization=organization,
            )
            mass_round = MassEvaluationRound.objects.create(
                organization=organization, kind=kind, year=year, period=period, poll=poll, created_by=actor
            )
    except IntegrityError:
        raise PollError(_("本期群众评议已经建立，请在列表中打开它。")) from None
    PollSubject.objects.bulk_create(
        PollSubject(poll=poll, label=label, person=person, organization=branch, sort_order=position)
        for position, (label, person, branch) in enumerate(subjects, start=1)
    )
    asked = {
        PollQuestion.AppliesTo.ORGANIZATION if branch else PollQuestion.AppliesTo.PERSON for *_s, branch in subjects
    }
    questions = []
    for applies_to, aspects in (
        (PollQuestion.AppliesTo.ORGANIZATION, BRANCH_ASPECTS),
        (PollQuestion.AppliesTo.PERSON, MEMBER_ASPECTS),
    ):
        if applies_to in asked:
            questions.extend((str(aspect), applies_to, False) for aspect in aspects)
            questions.append((str(OVERALL), applies_to, True))
    PollQuestion.objects.bulk_create(
        PollQuestion(
            poll=poll,
            text=text,
            kind=PollQuestion.Kind.SATISFACTION,
            applies_to=applies_to,
            is_overall=is_overall,
            sort_order=position,
        )
        for position, (text, applies_to, is_overall) in enumerate(questions, start=1)
    )
    audit_record(
        actor=actor,
        action="mass.create",
        obj=mass_round,
        summary=poll.title,
        data={"kind": kind, "year": year, "period": period, "subjects": len(subjects)},
    )
    return mass_round


def _reevaluation_subjects(
    organization: PartyOrganization, rectifications: list[Rectification], on_date: datetime.date
):
    """The subjects of a re-evaluation: rectifications of this organisation, pending and due (three months after
    the round that opened them; an earlier result would not count as the re-evaluation)."""
    scope = PartyOrganization.objects.subtree_ids([organization.pk])
    subjects = []
    pks = [r.pk for r in rectifications]
    # Locked: two quick clicks must not start two re-evaluations of one rectification.
    rectifications = list(
        Rectification.objects.select_for_update(of=("self",))
        .select_related("round", "person", "organization")
        .filter(pk__in=pks)
    )
    running = set(
        PollSubject.objects.filter(
            poll__mass_round__kind=MassRoundKind.REEVALUATION, poll__status__in=[Poll.Status.DRAFT, Poll.Status.OPEN]
        ).values_list("person_id", "organization_id")
    )
    for rectification in rectifications:
        if rectification.round.organization_id not in scope:
            raise PollError(_("“%(name)s”的整改不属于本组织。") % {"name": rectification.subject_label})
        if rectification.status not in PENDING or rectification.reevaluation_result:
            raise PollError(_("“%(name)s”的整改已经复评过了。") % {"name": rectification.subject_label})
        if rectification.reevaluation_due > on_date:
            raise PollError(
                _("“%(name)s”的复评应在 %(date)s 以后进行。")
                % {"name": rectification.subject_label, "date": f"{rectification.reevaluation_due:%Y-%m-%d}"}
            )
        if (rectification.person_id, rectification.organization_id) in running:
            raise PollError(_("“%(name)s”的复评已经在进行中。") % {"name": rectification.subject_label})
        subjects.append((rectification.subject_label, rectification.person, rectification.organization))
    return subjects


# ---- What is recorded besides the ballots ------------------------------------------------------------------------


def _round_locked(actor: User, mass_round: MassEvaluationRound) -> MassEvaluationRound:
    locked = MassEvaluationRound.objects.select_for_update(of=("self",)).select_related("poll").get(pk=mass_round.pk)
    _require_organiser(actor, locked.organization_id)
    return locked


def _in_round(mass_round: MassEvaluationRound, organization: PartyOrganization) -> None:
    if organization.pk not in PartyOrganization.objects.subtree_ids([mass_round.organization_id]):
        raise PollError(_("“%(name)s”不在本次群众评议的范围内。") % {"name": organization.name})


@transaction.atomic
def activity_record(
    *,
    actor: User,
    mass_round: MassEvaluationRound,
    organization: PartyOrganization,
    kind: str,
    held_on: datetime.date,
    count: int,
    note: str = "",
) -> MassActivity:
    """Record an evaluation meeting, another method (visits, talks, forums, opinion forms) or a report by the
    leaders, with its count (§7 statistics sheet items 2–4)."""
    locked = _round_locked(actor, mass_round)
    _in_round(locked, organization)
    if kind not in MassActivity.Kind.values:
        raise PollError(_("评议方式不正确。"))
    if count is None or count < 1:
        raise PollError(_("数量须是正整数。"))
    activity = MassActivity.objects.create(
        round=locked,
        organization=organization,
        kind=kind,
        held_on=held_on,
        count=count,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="mass.record",
        obj=locked,
        summary=f"{activity.get_kind_display()} {count}",
        data={"kind": kind, "count": count, "organization": organization.pk},
    )
    return activity


@transaction.atomic
def activity_delete(*, actor: User, activity: MassActivity) -> None:
    locked = _round_locked(actor, activity.round)
    MassActivity.objects.filter(pk=activity.pk, round=locked).delete()
    audit_record(
        actor=actor,
        action="mass.record",
        obj=locked,
        summary=_("删除") + f" {activity.get_kind_display()} {activity.count}",
        data={"deleted": activity.pk},
    )


def round_member_ids(mass_round: MassEvaluationRound) -> set[int]:
    """The members evaluated in a round: its person subjects."""
    return set(
        PollSubject.objects.filter(poll_id=mass_round.poll_id, person__isnull=False).values_list("person_id", flat=True)
    )


@transaction.atomic
def self_introductions_set(*, actor: User, mass_round: MassEvaluationRound, person_ids: set[int]) -> int:
    """Mark which members introduced their part in the activity at the evaluation (§7 item 5); returns how many."""
    locked = _round_locked(actor, mass_round)
    unknown = set(person_ids) - round_member_ids(locked)
    if unknown:
        raise PollError(_("只能勾选本次评议中的党员。"))
    SelfIntroduction.objects.filter(round=locked).exclude(person_id__in=person_ids).delete()
    existing = set(SelfIntroduction.objects.filter(round=locked).values_list("person_id", flat=True))
    SelfIntroduction.objects.bulk_create(
        SelfIntroduction(round=locked, person_id=pk) for pk in sorted(set(person_ids) - existing)
    )
    audit_record(
        actor=actor,
        action="mass.record",
        obj=locked,
        summary=_("党员自我介绍 %(n)d 人") % {"n": len(person_ids)},
        data={"self_introductions": len(person_ids)},
    )
    return len(person_ids)


@transaction.atomic
def public_service_record(
    *,
    actor: User,
    mass_round: MassEvaluationRound,
    organization: PartyOrganization,
    title: str,
    done_on: datetime.date,
    description: str = "",
) -> PublicServiceItem:
    """Record a thing done for the public (为群众办实事、做好事、解难事, §7 item 6)."""
    locked = _round_locked(actor, mass_round)
    _in_round(locked, organization)
    title = (title or "").strip()
    if not title:
        raise PollError(_("请填写办理的事项。"))
    item = PublicServiceItem.objects.create(
        round=locked,
        organization=organization,
        title=title,
        done_on=done_on,
        description=(description or "").strip(),
        recorded_by=actor,
    )
    audit_record(actor=actor, action="mass.record", obj=locked, summary=_("办实事") + f" {title}")
    return item


@transaction.atomic
def public_service_delete(*, actor: User, item: PublicServiceItem) -> None:
    locked = _round_locked(actor, item.round)
    PublicServiceItem.objects.filter(pk=item.pk, round=locked).delete()
    audit_record(actor=actor, action="mass.record", obj=locked, summary=_("删除办实事") + f" {item.title}")


# ---- Closing a round and rectification ---------------------------------------------------------------------------


def _pending_rectification(*, person_id: int | None, organization_id: int | None) -> Rectification | None:
    subject = {"person_id": person_id} if person_id is not None else {"organization_id": organization_id}
    return (
        Rectification.objects.select_for_update()
        .filter(status__in=PENDING, reevaluation_result="", **subject)
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def mass_round_close(*, actor: User, mass_round: MassEvaluationRound) -> list[Rectification]:
    """Close the round's poll; the results are acted on by mass_poll_closed, in the same transaction. Returns the
    rectifications opened."""
    poll_close(actor=actor, poll=mass_round.poll)
    return list(Rectification.objects.filter(round=mass_round).order_by("id"))


def mass_poll_closed(*, actor: User, poll: Poll) -> None:
    """Called by reviews.services.poll_close, in its transaction, for a poll of kind MASS: act on the results of a
    round (§7), whichever page closed it."""
    mass_round = MassEvaluationRound.objects.select_for_update().filter(poll=poll).first()
    if mass_round is None:
        return
    today = timezone.localdate()
    results = poll_results(poll)
    if not results.turnout_reached:
        audit_record(actor=actor, action="mass.close", obj=mass_round, summary=_("投票率未达到要求，评议结果无效"))
        return
    opened = reevaluated = 0
    for subject_result in results.subjects:
        subject, verdict = subject_result.subject, subject_result.verdict
        if verdict is None or (subject.person_id is None and subject.organization_id is None):
            continue
        pending = _pending_rectification(person_id=subject.person_id, organization_id=subject.organization_id)
        previous = None
        if pending is not None:
            if pending.reevaluation_due > today:
                # Evaluated again before the three months are up: the rectification continues, nothing new opens.
                continue
            failed = verdict == Satisfaction.UNSATISFIED
            pending.reevaluation_round = mass_round
            pending.reevaluation_result = verdict
            pending.status = Rectification.Status.FAILED if failed else Rectification.Status.PASSED
            pending.save(update_fields=["reevaluation_round", "reevaluation_result", "status"])
            reevaluated += 1
            if not failed:
                continue
            previous = pending
        elif verdict != Satisfaction.UNSATISFIED:
            continue
        Rectification.objects.create(
            round=mass_round,
            person_id=subject.person_id,
            organization_id=subject.organization_id,
            subject_label=subject.label,
            deadline=add_months(today, RECTIFICATION_MONTHS),
            reevaluation_due=add_months(today, REEVALUATION_MONTHS),
            previous=previous,
        )
        opened += 1
    audit_record(
        actor=actor,
        action="mass.close",
        obj=mass_round,
        summary=_("群众评议结果：整改 %(opened)d 个，复评 %(re)d 个") % {"opened": opened, "re": reevaluated},
        data={"rectifications_opened": opened, "reevaluated": reevaluated},
    )


def _rectification_locked(actor: User, rectification: Rectification) -> Rectification:
    locked = Rectification.objects.select_for_update(of=("self",)).select_related("round").get(pk=rectification.pk)
    if not Rectification.objects.visible_to(actor).filter(pk=locked.pk).exists():
        raise PermissionDenied
    return locked


@transaction.atomic
def rectification_update(
    *, actor: User, rectification: Rectification, deadline: datetime.date, measures: str, evidence: str
) -> Rectification:
    """The plan and its evidence, while the rectification is open. The deadline may move, never past the
    re-evaluation."""
    locked = _rectification_locked(actor, rectification)
    if locked.status != Rectification.Status.OPEN:
        raise PollError(_("这项整改已经完成或已复评，不能再修改。"))
    if deadline > locked.reevaluation_due:
        raise PollError(_("整改期限不能晚于复评日期 %(date)s。") % {"date": f"{locked.reevaluation_due:%Y-%m-%d}"})
    locked.deadline = deadline
    locked.measures = (measures or "").strip()
    locked.evidence = (evidence or "").strip()
    locked.save(update_fields=["deadline", "measures", "evidence"])
    audit_record(actor=actor, action="rectification.update", obj=locked, summary=locked.subject_label)
    rectification.refresh_from_db()
    return locked


@transaction.atomic
def rectification_complete(*, actor: User, rectification: Rectification) -> Rectification:
    """Mark the measures carried out: they and their evidence must be written down, and after a second failure the
    organisational talk must be on record (§7). The re-evaluation decides the rest."""
    locked = _rectification_locked(actor, rectification)
    if locked.status != Rectification.Status.OPEN:
        raise PollError(_("这项整改已经完成或已复评。"))
    missing = []
    if not locked.measures:
        missing.append(_("整改措施"))
    if not locked.evidence:
        missing.append(_("整改佐证"))
    if missing:
        raise PollError(_("请先填写：%(items)s。") % {"items": "、".join(missing)})
    if locked.talk_required and not OrganisationalTalk.objects.filter(rectification=locked).exists():
        raise PollError(_("复评再次不满意，须先记录组织谈话，才能确认整改完成。"))
    locked.status = Rectification.Status.DONE
    locked.completed_by = actor
    locked.completed_at = timezone.now()
    locked.save(update_fields=["status", "completed_by", "completed_at"])
    audit_record(actor=actor, action="rectification.complete", obj=locked, summary=locked.subject_label)
    rectification.refresh_from_db()
    return locked


@transaction.atomic
def talk_record(
    *, actor: User, rectification: Rectification, talked_on: datetime.date, talked_by: str, content: str
) -> OrganisationalTalk:
    """The organisational talk (组织谈话) that a second failure requires (§7)."""
    locked = _rectification_locked(actor, rectification)
    if not locked.talk_required:
        raise PollError(_("只有复评再次不满意的整改需要组织谈话。"))
    talked_by, content = (talked_by or "").strip(), (content or "").strip()
    if not talked_by or not content:
        raise PollError(_("请填写谈话人和谈话内容。"))
    if talked_on > timezone.localdate():
        raise PollError(_("谈话日期不能晚于今天。"))
    try:
        with transaction.atomic():
            talk = OrganisationalTalk.objects.create(
                rectification=locked, talked_on=talked_on, talked_by=talked_by, content=content, recorded_by=actor
            )
    except IntegrityError:
        raise PollError(_("这项整改已经记录了组织谈话。")) from None
    audit_record(actor=actor, action="rectification.talk", obj=locked, summary=locked.subject_label)
    return talk


def member_branch_ids(person_ids: set[int]) -> dict[int, int]:
    """Each member's branch, for placing member subjects in a subtree."""
    return dict(Membership.objects.filter(person_id__in=person_ids).values_list("person_id", "branch_id"))
