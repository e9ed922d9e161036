"""Writes of anonymous polls (DOMAIN.md §6 民意测评, §7 评议; RELIABILITY.md R21).

The life of a poll: draft (subjects, questions, codes) → open (ballots are cast) → closed (results).

Anonymity rests on what is stored, not on what is shown:
- a code is kept as a keyed hash and a used flag; code rows are inserted in an order unrelated to the slips;
- a ballot is staged with a random key and no timestamp, in the transaction that burns its code. While the poll is
  open the staging row and the burnt code row share a transaction id (xmin): that is the residual window, closed
  at close, when the staged ballots are moved in one shuffled batch into Ballot/Answer (one transaction id for all,
  physical order random) and the staging and code rows are deleted. WAL and backups taken during the poll still
  hold the staging rows (RELIABILITY.md MEAS-8);
- the audit trail records counts only; nothing here logs a code or a ballot's content.

Concurrency: casting a ballot takes a share lock on the poll row and burns the code with one conditional UPDATE,
so two submissions of one code give one ballot; closing takes the poll row's update lock, so it waits for ballots
in flight and ballots arriving later find the poll closed.
"""

import secrets
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import PartyOrganization, Unit
from core.audit import audit_record
from core.models import User
from members.models import Person

from .codes import code_display, code_generate, code_hash, code_normalise
from .models import (
    Answer,
    Ballot,
    MemberGrade,
    Poll,
    PollQuestion,
    PollSubject,
    Satisfaction,
    StagedBallot,
    VotingCode,
)
from .permissions import may_organise
from .rules import score_parse

# The slips PDF of one batch is made while the organiser waits (about 30 ms a slip): larger numbers in several batches.
MAX_CODES_PER_ISSUE = 500


class PollError(Exception):
    """A refused poll operation; the message is shown to the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CodeRejected(PollError):
    """A code that cannot cast a ballot now. `reason` is "unknown", "used" or "not_open"."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _require_organiser(actor: User, *, unit_id: int | None, organization_id: int | None) -> None:
    if not may_organise(actor, unit_id=unit_id, organization_id=organization_id):
        raise PermissionDenied


def _locked(poll: Poll, *, actor: User, statuses: tuple[str, ...], refusal: str) -> Poll:
    """The poll row under an update lock, after checking who asks and the status (both may change until locked)."""
    locked = Poll.objects.select_for_update().get(pk=poll.pk)
    _require_organiser(actor, unit_id=locked.unit_id, organization_id=locked.organization_id)
    if locked.status not in statuses:
        raise PollError(refusal)
    return locked


def poll_manager(poll: Poll):
    """The record that sets this poll's subjects and questions, or None: a cadre exercise (§6), a democratic
    evaluation or a round of mass evaluation (§7). Their subjects and questions change only through it."""
    for name in ("cadre_exercise", "democratic_evaluation", "mass_round"):
        manager = getattr(poll, name, None)
        if manager is not None:
            return manager
    return None


def _refuse_managed(poll: Poll, managed: bool) -> None:
    manager = None if managed else poll_manager(poll)
    if manager is not None:
        raise PollError(_("本测评的对象和题目由“%(owner)s”确定，请在那里修改。") % {"owner": manager})


def _sync(poll: Poll, locked: Poll) -> Poll:
    """Bring the caller's instance up to date with what was written."""
    if poll is not locked:
        poll.refresh_from_db()
    return locked


# ---- Setting up --------------------------------------------------------------------------------------------------


@transaction.atomic
def poll_create(
    *,
    actor: User,
    title: str,
    kind: str,
    unit: Unit | None = None,
    organization: PartyOrganization | None = None,
    trimmed_mean: bool = False,
    turnout: tuple[int, int] = (2, 3),
) -> Poll:
    """A draft poll run for one unit (its officers) or one party organisation (its secretaries and officers)."""
    if (unit is None) == (organization is None):
        raise PollError(_("测评须属于一个单位或一个党组织（二选一）。"))
    _require_organiser(
        actor, unit_id=unit.pk if unit else None, organization_id=organization.pk if organization else None
    )
    title = (title or "").strip()
    if not title:
        raise PollError(_("请填写测评名称。"))
    if kind not in Poll.Kind.values:
        raise PollError(_("测评类别不正确。"))
    numerator, denominator = turnout
    if not (0 <= numerator <= denominator and denominator > 0):
        raise PollError(_("最低投票率须是 0 到 1 之间的分数。"))
    poll = Poll.objects.create(
        title=title,
        kind=kind,
        unit=unit,
        organization=organization,
        trimmed_mean=trimmed_mean,
        turnout_numerator=numerator,
        turnout_denominator=denominator,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="poll.create",
        obj=poll,
        summary=title,
        data={"kind": kind, "trimmed_mean": trimmed_mean, "turnout": [numerator, denominator]},
    )
    return poll


DRAFT_ONLY = (Poll.Status.DRAFT,)


@transaction.atomic
def poll_settings_update(*, actor: User, poll: Poll, title: str, trimmed_mean: bool, turnout: tuple[int, int]) -> Poll:
    """Name and counting rules can change only before voting starts: a rule changed after the ballots are in could
    be chosen for the result it gives."""
    locked = _locked(poll, actor=actor, statuses=DRAFT_ONLY, refusal=_("投票已经开始，不能再修改计票规则。"))
    title = (title or "").strip()
    if not title:
        raise PollError(_("请填写测评名称。"))
    numerator, denominator = turnout
    if not (0 <= numerator <= denominator and denominator > 0):
        raise PollError(_("最低投票率须是 0 到 1 之间的分数。"))
    locked.title = title
    locked.trimmed_mean = trimmed_mean
    locked.turnout_numerator, locked.turnout_denominator = numerator, denominator
    locked.save(update_fields=["title", "trimmed_mean", "turnout_numerator", "turnout_denominator"])
    audit_record(
        actor=actor,
        action="poll.update",
        obj=locked,
        summary=title,
        data={"trimmed_mean": trimmed_mean, "turnout": [numerator, denominator]},
    )
    return _sync(poll, locked)


@transaction.atomic
def poll_subject_add(
    *,
    actor: User,
    poll: Poll,
    label: str,
    person: Person | None = None,
    organization: PartyOrganization | None = None,
    managed: bool = False,
) -> PollSubject:
    """Add who or what is evaluated (draft only): a person, a party organisation, or just a label. `managed`: the
    call comes from the poll's manager (poll_manager), the only one allowed to change a managed poll."""
    locked = _locked(poll, actor=actor, statuses=DRAFT_ONLY, refusal=_("投票已经开始，不能再添加测评对象。"))
    _refuse_managed(locked, managed)
    if person is not None and organization is not None:
        raise PollError(_("测评对象是一个人或一个党组织，不能同时是两者。"))
    label = (label or "").strip() or (person.name if person else organization.name if organization else "")
    if not label:
        raise PollError(_("请填写测评对象的名称。"))
    position = (locked.subjects.aggregate(last=Max("sort_order"))["last"] or 0) + 1
    try:
        with transaction.atomic():
            subject = PollSubject.objects.create(
                poll=locked, label=label, person=person, organization=organization, sort_order=position
            )
    except IntegrityError:
        raise PollError(_("“%(label)s”已是本测评的对象。") % {"label": label}) from None
    audit_record(actor=actor, action="poll.update", obj=locked, summary=_("添加测评对象") + f" {label}")
    return subject


@transaction.atomic
def poll_subject_remove(*, actor: User, subject: PollSubject, managed: bool = False) -> None:
    locked = _locked(subject.poll, actor=actor, statuses=DRAFT_ONLY, refusal=_("投票已经开始，不能再删除测评对象。"))
    _refuse_managed(locked, managed)
    PollSubject.objects.filter(pk=subject.pk, poll=locked).delete()
    audit_record(actor=actor, action="poll.update", obj=locked, summary=_("删除测评对象") + f" {subject.label}")


@transaction.atomic
def poll_question_add(
    *,
    actor: User,
    poll: Poll,
    text: str,
    kind: str,
    applies_to: str = PollQuestion.AppliesTo.ALL,
    is_overall: bool = False,
    managed: bool = False,
) -> PollQuestion:
    """Add a question asked about every subject it applies to (draft only). An overall satisfaction question
    (总体评价) decides the subjects' results; the other satisfaction questions are then aspects shown beside it."""
    locked = _locked(poll, actor=actor, statuses=DRAFT_ONLY, refusal=_("投票已经开始，不能再添加题目。"))
    _refuse_managed(locked, managed)
    text = (text or "").strip()
    if not text:
        raise PollError(_("请填写题目。"))
    if kind not in PollQuestion.Kind.values:
        raise PollError(_("题型不正确。"))
    if applies_to not in PollQuestion.AppliesTo.values:
        raise PollError(_("适用对象不正确。"))
    if is_overall and kind != PollQuestion.Kind.SATISFACTION:
        raise PollError(_("只有满意度题目可以作为总体评价。"))
    position = (locked.questions.aggregate(last=Max("sort_order"))["last"] or 0) + 1
    question = PollQuestion.objects.create(
        poll=locked, text=text, kind=kind, applies_to=applies_to, is_overall=is_overall, sort_order=position
    )
    audit_record(actor=actor, action="poll.update", obj=locked, summary=_("添加题目") + f" {text}")
    return question


@transaction.atomic
def poll_question_remove(*, actor: User, question: PollQuestion, managed: bool = False) -> None:
    locked = _locked(question.poll, actor=actor, statuses=DRAFT_ONLY, refusal=_("投票已经开始，不能再删除题目。"))
    _refuse_managed(locked, managed)
    PollQuestion.objects.filter(pk=question.pk, poll=locked).delete()
    audit_record(actor=actor, action="poll.update", obj=locked, summary=_("删除题目") + f" {question.text}")


# ---- Codes -------------------------------------------------------------------------------------------------------


@transaction.atomic
def poll_codes_issue(*, actor: User, poll: Poll, count: int) -> list[str]:
    """Issue `count` one-time codes (draft or open) and return them in their printed form (ABCDE-FGHJK). The plain
    codes exist only in the returned list: whoever calls this prints them at once."""
    locked = _locked(
        poll,
        actor=actor,
        statuses=(Poll.Status.DRAFT, Poll.Status.OPEN),
        refusal=_("投票已经结束，不能再发放投票码。"),
    )
    if not 1 <= count <= MAX_CODES_PER_ISSUE:
        raise PollError(_("每次可发放 1 至 %(max)d 个投票码。") % {"max": MAX_CODES_PER_ISSUE})
    for _attempt in range(3):
        codes = list({code_generate() for _ in range(count)})
        if len(codes) < count:
            continue
        # The table's physical order must not follow the order of the printed slips.
        rows = [VotingCode(poll=locked, code_hash=code_hash(c)) for c in codes]
        secrets.SystemRandom().shuffle(rows)
        try:
            with transaction.atomic():
                VotingCode.objects.bulk_create(rows)
        except IntegrityError:
            # A hash already stored (a collision with another poll's code, about 2^-49 per pair): draw again.
            continue
        break
    else:
        raise PollError(_("生成投票码失败，请重试。"))
    Poll.objects.filter(pk=locked.pk).update(codes_issued=F("codes_issued") + count)
    audit_record(
        actor=actor, action="poll.codes_issue", obj=locked, summary=_("发放投票码 %(n)d 个") % {"n": count},
        data={"count": count},
    )  # fmt: skip
    _sync(poll, locked)
    return [code_display(c) for c in codes]


@transaction.atomic
def poll_codes_void_unused(*, actor: User, poll: Poll) -> int:
    """Void every code not yet used (draft only), e.g. when the printed slips were lost; returns how many."""
    locked = _locked(poll, actor=actor, statuses=DRAFT_ONLY, refusal=_("投票已经开始，不能作废投票码。"))
    voided, _details = VotingCode.objects.filter(poll=locked, used=False).delete()
    Poll.objects.filter(pk=locked.pk).update(codes_issued=F("codes_issued") - voided)
    audit_record(
        actor=actor, action="poll.codes_void", obj=locked, summary=_("作废投票码 %(n)d 个") % {"n": voided},
        data={"count": voided},
    )  # fmt: skip
    _sync(poll, locked)
    return voided


# ---- Opening and closing -----------------------------------------------------------------------------------------


@transaction.atomic
def poll_open(*, actor: User, poll: Poll) -> Poll:
    """Start voting. Subjects and questions are fixed from now on; every subject needs a question to answer."""
    locked = _locked(poll, actor=actor, statuses=DRAFT_ONLY, refusal=_("这个测评已经开始或已经结束。"))
    subjects = list(locked.subjects.all())
    questions = list(locked.questions.all())
    if not subjects:
        raise PollError(_("请先添加测评对象。"))
    if not questions:
        raise PollError(_("请先添加题目。"))
    unasked = [s.label for s in subjects if not any(q.applies_to_subject(s) for q in questions)]
    if unasked:
        raise PollError(_("以下测评对象没有适用的题目：%(names)s") % {"names": "、".join(unasked)})
    locked.status = Poll.Status.OPEN
    locked.opened_at = timezone.now()
    locked.save(update_fields=["status", "opened_at"])
    audit_record(
        actor=actor,
        action="poll.open",
        obj=locked,
        summary=locked.title,
        data={"subjects": len(subjects), "questions": len(questions), "codes_issued": locked.codes_issued},
    )
    return _sync(poll, locked)


@transaction.atomic
def poll_close(*, actor: User, poll: Poll) -> Poll:
    """End voting: move the staged ballots into Ballot/Answer in one shuffled batch, delete the staging rows and the
    code rows, and freeze the counts of codes issued and ballots cast (R21)."""
    locked = _locked(poll, actor=actor, statuses=(Poll.Status.OPEN,), refusal=_("只有投票中的测评可以结束。"))
    staged = list(StagedBallot.objects.filter(poll=locked).values_list("answers", flat=True))
    secrets.SystemRandom().shuffle(staged)
    ballots = [Ballot(poll=locked) for _ in staged]
    Ballot.objects.bulk_create(ballots, batch_size=1000)
    Answer.objects.bulk_create(
        (
            _answer(ballot, key, value)
            for ballot, answers in zip(ballots, staged, strict=True)
            for key, value in answers.items()
        ),
        batch_size=2000,
    )
    codes_issued = VotingCode.objects.filter(poll=locked).count()
    StagedBallot.objects.filter(poll=locked).delete()
    VotingCode.objects.filter(poll=locked).delete()
    locked.status = Poll.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.codes_issued = codes_issued
    locked.ballots_cast = len(staged)
    locked.save(update_fields=["status", "closed_at", "codes_issued", "ballots_cast"])
    audit_record(
        actor=actor,
        action="poll.close",
        obj=locked,
        summary=locked.title,
        data={"codes_issued": codes_issued, "ballots_cast": len(staged)},
    )
    if locked.kind == Poll.Kind.MASS:
        # A round of mass evaluation opens its rectifications with the results, in this transaction (§7).
        from .mass import mass_poll_closed

        mass_poll_closed(actor=actor, poll=locked)
    return _sync(poll, locked)


def _answer(ballot: Ballot, key: str, value: str) -> Answer:
    subject_id, question_id = (int(part) for part in key.split(":"))
    if value in Satisfaction.values or value in MemberGrade.values:
        return Answer(ballot=ballot, subject_id=subject_id, question_id=question_id, choice=value)
    return Answer(ballot=ballot, subject_id=subject_id, question_id=question_id, score=Decimal(value))


# ---- Casting a ballot (public) -----------------------------------------------------------------------------------


def _rejection(reason: str, status: str | None = None) -> CodeRejected:
    if reason == "used":
        return CodeRejected(_("这个投票码已经投过票了。每个投票码只能投一次。"), reason=reason)
    if reason == "not_open":
        if status == Poll.Status.DRAFT:
            return CodeRejected(_("投票尚未开始，请等主持人宣布开始后再输入投票码。"), reason=reason)
        return CodeRejected(_("投票已经结束。"), reason=reason)
    # After the close the code rows are gone, so a code of a closed poll is unknown too.
    return CodeRejected(
        _("投票码不正确，请核对投票码条上的 10 位字符后重新输入。投票结束后，投票码一律作废。"), reason="unknown"
    )


def _code_row(code: str) -> tuple[str, int, bool]:
    normalised = code_normalise(code)
    if normalised is None:
        raise _rejection("unknown")
    digest = code_hash(normalised)
    row = VotingCode.objects.filter(code_hash=digest).values_list("poll_id", "used").first()
    if row is None:
        raise _rejection("unknown")
    return digest, row[0], row[1]


def ballot_poll_for_code(code: str) -> Poll:
    """The open poll a code votes in; CodeRejected when the code is unknown, used, or its poll is not open."""
    normalised = code_normalise(code)
    voting_code = (
        VotingCode.objects.filter(code_hash=code_hash(normalised)).select_related("poll").first()
        if normalised is not None
        else None
    )
    if voting_code is None:
        raise _rejection("unknown")
    poll, used = voting_code.poll, voting_code.used
    if used:
        raise _rejection("used")
    if poll.status != Poll.Status.OPEN:
        raise _rejection("not_open", poll.status)
    return poll


def _poll_status_shared(poll_id: int) -> str:
    """The poll's status under a share lock: ballots cast at the same time do not wait for each other, but closing
    (an update lock) waits for them, and a ballot arriving while the poll closes sees it closed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT status FROM reviews_poll WHERE id = %s FOR SHARE", [poll_id])
            return cursor.fetchone()[0]
    # SQLite serialises writers on the whole database.
    return Poll.objects.filter(pk=poll_id).values_list("status", flat=True).get()


def ballot_answers_clean(*, poll: Poll, answers: Mapping[tuple[int, int], Decimal | str | None]) -> dict[str, str]:
    """Check a ballot against its poll and return it as stored: {"subject_id:question_id": score or choice}.
    Unmarked answers (absent, None or empty) are left out; a subject partly marked is kept as is and counted invalid
    for that subject (§6: only valid ballots count). A mark that is not a possible answer is refused."""
    subjects = {s.pk: s for s in PollSubject.objects.filter(poll_id=poll.pk)}
    questions = {q.pk: q for q in PollQuestion.objects.filter(poll_id=poll.pk)}
    cleaned: dict[str, str] = {}
    for (subject_id, question_id), value in answers.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        subject, question = subjects.get(subject_id), questions.get(question_id)
        if subject is None or question is None or not question.applies_to_subject(subject):
            raise PollError(_("选票与本次测评的对象或题目不符，请刷新页面后重新填写。"))
        if question.kind == PollQuestion.Kind.SCORE:
            score = score_parse(value)
            if score is None:
                raise PollError(
                    _("“%(subject)s”的“%(question)s”须是 0 到 100 之间的分数，最多两位小数。")
                    % {"subject": subject.label, "question": question.text}
                )
            cleaned[f"{subject_id}:{question_id}"] = str(score)
        else:
            options = {value: str(label) for value, label in question.choices}
            if value not in options:
                raise PollError(
                    _("“%(subject)s”的“%(question)s”请选择%(options)s。")
                    % {"subject": subject.label, "question": question.text, "options": "、".join(options.values())}
                )
            cleaned[f"{subject_id}:{question_id}"] = str(value)
    return cleaned


def ballot_cast(*, code: str, answers: dict[tuple[int, int], Decimal | str]) -> None:
    """Cast the one ballot of a code. Burning the code and staging the ballot happen in one transaction; the
    conditional UPDATE is what lets only one of two simultaneous submissions of a code through.

    The UPDATE filters on the code row's own columns only. With a join in the filter (`poll__status=...`) Django
    writes `WHERE id IN (SELECT …)`, and PostgreSQL, after waiting for the first submission's row lock, re-checks the
    row against that subquery's old snapshot: 20 simultaneous submissions of one code then gave 3 ballots. The poll's
    status is checked under the share lock above instead."""
    with transaction.atomic():
        digest, poll_id, used = _code_row(code)
        if used:
            raise _rejection("used")
        status = _poll_status_shared(poll_id)
        if status != Poll.Status.OPEN:
            raise _rejection("not_open", status)
        cleaned = ballot_answers_clean(poll=Poll(pk=poll_id, status=status), answers=answers)
        if VotingCode.objects.filter(code_hash=digest, used=False).update(used=True) != 1:
            raise _rejection("used")
        StagedBallot.objects.create(poll_id=poll_id, answers=cleaned)
