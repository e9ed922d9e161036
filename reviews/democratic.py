"""Writes of the democratic evaluation of members (民主评议党员, DOMAIN.md §7), yearly per branch.

The steps: the branch's secretary (or an officer covering the branch) opens the year's evaluation, which lists the
branch's party members and sets up the mutual evaluation (党员互评) as an anonymous poll of kind MEMBER with one
GRADE question about each member; every member writes a self-evaluation; the branch decides each member's result
(优秀 / 合格 / 基本合格 / 不合格) with the reason, and may change a decision until it finalises the evaluation, after
which nothing changes. The mutual poll is run on the ordinary poll pages (codes, open, close, results).

Every write locks the evaluation row first, so a decision or a self-evaluation sent while the evaluation is being
finalised either lands before the finalisation reads it or is refused after.
"""

import datetime
from collections import Counter

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import PartyOrganization
from core.audit import audit_record
from core.models import User
from members.selectors import members_on

from .models import DemocraticEvaluation, MemberEvaluation, MemberGrade, Poll, PollQuestion
from .permissions import may_organise
from .services import PollError, poll_create, poll_question_add, poll_subject_add

MUTUAL_QUESTION = "评定等次"
# Evaluations are kept from the year the system's records start; none is opened for a year not yet begun.
FIRST_YEAR = 2000
SELF_EVALUATION_MAX_CHARS = 5000
REASON_MAX_CHARS = 2000


class DemocraticError(PollError):
    """A refused step of a democratic evaluation; the message is shown to the user as it is."""


def members_date(year: int, today: datetime.date | None = None) -> datetime.date:
    """Whose evaluation it is: the branch's party members at the end of the year, or today while the year runs."""
    today = today or timezone.localdate()
    return min(datetime.date(year, 12, 31), today)


def _require_organiser(actor: User, branch_id: int) -> None:
    if not may_organise(actor, organization_id=branch_id):
        raise DemocraticError(_("只有本支部的书记或负责本支部的组织部门干部可以进行这项操作。"))


def _locked(evaluation: DemocraticEvaluation) -> DemocraticEvaluation:
    """The evaluation row under an update lock, refused once finalised (its status may change until locked)."""
    locked = DemocraticEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.status != DemocraticEvaluation.Status.OPEN:
        raise DemocraticError(_("%(year)d年度民主评议结果已经确定，不能再修改。") % {"year": locked.year})
    return locked


@transaction.atomic
def democratic_evaluation_create(*, actor: User, branch: PartyOrganization, year: int) -> DemocraticEvaluation:
    """Open the year's democratic evaluation of a branch (§7): one MemberEvaluation per party member (full and
    probationary) of the branch on `members_date(year)`, and the mutual-evaluation poll (draft) with each member
    as a subject and one GRADE question. Only a secretary or officer whose scope covers the branch."""
    _require_organiser(actor, branch.pk)
    if not branch.is_branch:
        raise DemocraticError(_("民主评议党员以党支部为单位开展，请选择一个党支部。"))
    today = timezone.localdate()
    if not FIRST_YEAR <= year <= today.year:
        raise DemocraticError(
            _("年度须在 %(first)d 年至 %(last)d 年之间。") % {"first": FIRST_YEAR, "last": today.year}
        )
    exists = _("%(branch)s%(year)d年度的民主评议党员已经建立。") % {"branch": branch.name, "year": year}
    if DemocraticEvaluation.objects.filter(branch=branch, year=year).exists():
        raise DemocraticError(exists)
    on_date = members_date(year, today)
    people = [
        m.person
        for m in members_on(organization_ids={branch.pk}, on_date=on_date)
        .select_related("person")
        .order_by("person__name_initials", "person__name", "person_id")
    ]
    if not people:
        raise DemocraticError(
            _("%(branch)s在%(date)s没有党员，无法开展民主评议。")
            % {"branch": branch.name, "date": f"{on_date.year}年{on_date.month}月{on_date.day}日"}
        )
    try:
        with transaction.atomic():
            evaluation = DemocraticEvaluation.objects.create(branch=branch, year=year, created_by=actor)
    except IntegrityError:
        # Another organiser opened it at the same moment.
        raise DemocraticError(exists) from None
    MemberEvaluation.objects.bulk_create(MemberEvaluation(evaluation=evaluation, person=p) for p in people)
    poll = poll_create(
        actor=actor,
        title=_("%(branch)s%(year)d年度民主评议党员互评") % {"branch": branch.name, "year": year},
        kind=Poll.Kind.MEMBER,
        organization=branch,
    )
    for person in people:
        poll_subject_add(actor=actor, poll=poll, label=person.name, person=person, managed=True)
    poll_question_add(
        actor=actor,
        poll=poll,
        text=MUTUAL_QUESTION,
        kind=PollQuestion.Kind.GRADE,
        applies_to=PollQuestion.AppliesTo.PERSON,
        managed=True,
    )
    evaluation.mutual_poll = poll
    evaluation.save(update_fields=["mutual_poll"])
    audit_record(
        actor=actor,
        action="democratic.create",
        obj=evaluation,
        summary=str(evaluation),
        data={
            "branch": branch.pk,
            "year": year,
            "members_on": on_date.isoformat(),
            "members": [p.pk for p in people],
            "poll": poll.pk,
        },
    )
    return evaluation


@transaction.atomic
def self_evaluation_save(*, actor: User, member_evaluation: MemberEvaluation, text: str) -> MemberEvaluation:
    """The member's own self-evaluation (自我评价), written and rewritten by the member alone while the evaluation
    is open."""
    person = member_evaluation.person
    if person.user_id is None or person.user_id != actor.pk:
        raise DemocraticError(_("自我评价只能由党员本人填写。"))
    _locked(member_evaluation.evaluation)
    text = (text or "").strip()
    if not text:
        raise DemocraticError(_("请填写自我评价。"))
    if len(text) > SELF_EVALUATION_MAX_CHARS:
        raise DemocraticError(_("自我评价不能超过 %(n)d 字。") % {"n": SELF_EVALUATION_MAX_CHARS})
    had_text = bool(member_evaluation.self_evaluation)
    member_evaluation.self_evaluation = text
    member_evaluation.self_evaluated_at = timezone.now()
    member_evaluation.save(update_fields=["self_evaluation", "self_evaluated_at"])
    audit_record(
        actor=actor,
        action="democratic.self_evaluate",
        obj=member_evaluation,
        summary=str(member_evaluation.evaluation),
        data={"chars": len(text), "rewritten": had_text},
    )
    return member_evaluation


@transaction.atomic
def member_result_decide(
    *, actor: User, member_evaluation: MemberEvaluation, result: str, reason: str
) -> MemberEvaluation:
    """The branch's decision on one member (§7): a result with its reason, both required. A decision can be changed
    until the evaluation is finalised; each decision is audited with the one it replaces."""
    evaluation = member_evaluation.evaluation
    _require_organiser(actor, evaluation.branch_id)
    _locked(evaluation)
    if result not in MemberGrade.values:
        raise DemocraticError(_("请选择评议结果：优秀、合格、基本合格或不合格。"))
    reason = (reason or "").strip()
    if not reason:
        raise DemocraticError(_("请填写%(name)s的评定理由。") % {"name": member_evaluation.person.name})
    if len(reason) > REASON_MAX_CHARS:
        raise DemocraticError(_("评定理由不能超过 %(n)d 字。") % {"n": REASON_MAX_CHARS})
    # The decision it replaces, as stored (the caller's instance may be older).
    old = MemberEvaluation.objects.filter(pk=member_evaluation.pk).values("result", "reason").get()
    member_evaluation.result, member_evaluation.reason = result, reason
    member_evaluation.decided_by, member_evaluation.decided_at = actor, timezone.now()
    member_evaluation.save(update_fields=["result", "reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="democratic.decide",
        obj=member_evaluation,
        summary=f"{member_evaluation.person.name} {member_evaluation.get_result_display()}",
        data={"old": old, "new": {"result": result, "reason": reason}},
    )
    return member_evaluation


@transaction.atomic
def democratic_evaluation_finalise(*, actor: User, evaluation: DemocraticEvaluation) -> DemocraticEvaluation:
    """Fix the results (确定评议结果): every member decided and the mutual-evaluation vote not running. From then on
    no decision or self-evaluation changes."""
    _require_organiser(actor, evaluation.branch_id)
    locked = _locked(evaluation)
    undecided = list(locked.members.filter(result="").values_list("person__name", flat=True))
    if undecided:
        raise DemocraticError(_("以下党员尚未评定结果：%(names)s") % {"names": "、".join(undecided)})
    if locked.mutual_poll_id is not None and locked.mutual_poll.status == Poll.Status.OPEN:
        raise DemocraticError(_("党员互评投票尚未结束，请先结束投票再确定评议结果。"))
    locked.status = DemocraticEvaluation.Status.FINALISED
    locked.finalised_by, locked.finalised_at = actor, timezone.now()
    locked.save(update_fields=["status", "finalised_by", "finalised_at"])
    counts = Counter(locked.members.values_list("result", flat=True))
    audit_record(
        actor=actor,
        action="democratic.finalise",
        obj=locked,
        summary=str(locked),
        data={"counts": {value: counts[value] for value in MemberGrade.values}},
    )
    if evaluation is not locked:
        evaluation.refresh_from_db()
    return locked
