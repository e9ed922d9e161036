"""Writes of the routine appraisal cycle (DOMAIN.md §5): logs, summaries, signed ratings and their revisions.

Every write is a transaction with an audit row. Two people can race on the same group's quota, so signing and
revising lock the group row first; two tabs can race on the same log or summary, so those carry a version and a
save from a stale version is refused with both texts (LogConflict) instead of silently overwriting.
"""

import datetime
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import User
from core.roles import Role
from core.workdays import CalendarDay, last_working_day_of_month, last_working_day_of_quarter
from members.models import Person
from members.scopes import scope_for

from .models import (
    AdmonishmentTask,
    AppraisalGroup,
    Appraisee,
    Cycle,
    Delegation,
    Grade,
    Kinship,
    LogStatus,
    LogTask,
    MonthlyLog,
    QuarterlySummary,
    Rating,
)
from .rules import excellent_quota, grade_for_score, rules_for_year

# ---- Cycles ------------------------------------------------------------------------------------------------


@transaction.atomic
def cycle_open(*, year: int, name: str, kind: str = Cycle.Kind.QUARTERLY_GRADED, by: User) -> Cycle:
    """Open a cycle; the year's rules are stored with it so that later edits never change past results."""
    rules = rules_for_year(year)
    if rules.pk is None:
        rules.save()
    cycle = Cycle.objects.create(year=year, name=name, kind=kind, opened_by=by)
    audit_record(actor=by, action="cycle.open", obj=cycle, summary=str(cycle), data={"kind": kind})
    return cycle


@transaction.atomic
def group_add(*, cycle: Cycle, name: str, leader: User, people: Sequence[Person], by: User) -> AppraisalGroup:
    group = AppraisalGroup.objects.create(cycle=cycle, name=name, leader=leader)
    try:
        with transaction.atomic():
            Appraisee.objects.bulk_create(Appraisee(group=group, cycle=cycle, person=p) for p in people)
    except IntegrityError as exc:
        raise ValidationError(_("有人员已在本周期的其他考核组中。")) from exc
    audit_record(
        actor=by, action="group.create", obj=group, summary=name, data={"leader": leader.pk, "people": len(people)}
    )
    return group


# ---- Monthly logs (月记实) -----------------------------------------------------------------------------------


def log_due_date(year: int, month: int) -> CalendarDay:
    """A month's log is due on its last working day by China's calendar (§5, §9)."""
    return last_working_day_of_month(year, month)


@dataclass(frozen=True)
class TaskEntry:
    task: str
    result: str = ""
    completed_on: datetime.date | None = None


class LogConflict(Exception):
    """A save started from an older version than the one stored: both versions go back to the user."""

    def __init__(self, current: MonthlyLog | QuarterlySummary) -> None:
        super().__init__("stale version")
        self.current = current


LOG_FIELDS = (
    "duties",
    "attendance_days",
    "leave_days",
    "leave_note",
    "study_training",
    "integrity",
    "next_month_plan",
)


@transaction.atomic
def monthly_log_save(
    *,
    person: Person,
    year: int,
    month: int,
    fields: dict,
    tasks: Sequence[TaskEntry],
    expected_version: int | None,
    by: User,
) -> MonthlyLog:
    """Save a draft of one's own log. `expected_version` is the version the page was loaded with (None for a new
    log); if someone saved in between, LogConflict carries the stored version and nothing is written."""
    if getattr(by, "person", None) != person:
        raise PermissionDenied
    unknown = set(fields) - set(LOG_FIELDS)
    if unknown:
        raise TypeError(f"unknown log fields: {sorted(unknown)}")
    log = MonthlyLog.objects.select_for_update().filter(person=person, year=year, month=month).first()
    if log is not None:
        log.person = person  # for str(log) in the audit row, without loading the person again
    if log is None:
        if expected_version is not None:
            raise ValidationError(_("这份月记实已不存在，请刷新页面。"))
        try:
            with transaction.atomic():
                log = MonthlyLog.objects.create(person=person, year=year, month=month, unit=person.unit, **fields)
        except IntegrityError:
            # Another tab created it a moment ago: theirs is the stored version now.
            raise LogConflict(MonthlyLog.objects.get(person=person, year=year, month=month)) from None
    else:
        if log.status == LogStatus.SUBMITTED:
            raise ValidationError(_("月记实已提交，不能再修改；如需修改请联系科室负责人退回。"))
        if expected_version != log.version:
            raise LogConflict(log)
        for name, value in fields.items():
            setattr(log, name, value)
        log.version += 1
        log.save()
    log.tasks.all().delete()
    LogTask.objects.bulk_create(
        LogTask(log=log, position=i, task=t.task, result=t.result, completed_on=t.completed_on)
        for i, t in enumerate((t for t in tasks if t.task.strip()), start=1)
    )
    audit_record(actor=by, action="log.save", obj=log, summary=str(log), data={"version": log.version})
    return log


@transaction.atomic
def monthly_log_submit(*, log: MonthlyLog, by: User, today: datetime.date | None = None) -> MonthlyLog:
    """Submit for the unit head. After the due date it is accepted and marked late."""
    log = MonthlyLog.objects.select_for_update().get(pk=log.pk)
    if getattr(by, "person", None) != log.person:
        raise PermissionDenied
    if log.status == LogStatus.SUBMITTED:
        raise ValidationError(_("月记实已经提交。"))
    if not log.tasks.exists():
        raise ValidationError(_("请至少填写一项工作任务后再提交。"))
    today = today or timezone.localdate()
    log.status = LogStatus.SUBMITTED
    log.submitted_at = timezone.now()
    log.is_late = today > log_due_date(log.year, log.month).day
    log.return_reason = ""
    log.version += 1
    log.save()
    audit_record(actor=by, action="log.submit", obj=log, summary=str(log), data={"late": log.is_late})
    return log


def _require_unit_head(by: User, unit_id: int) -> None:
    if unit_id not in scope_for(by).units_for(Role.UNIT_HEAD):
        raise PermissionDenied


@transaction.atomic
def monthly_log_return(*, log: MonthlyLog, reason: str, by: User) -> MonthlyLog:
    """The unit head sends a submitted log back to its author with a reason (§5)."""
    log = MonthlyLog.objects.select_for_update().get(pk=log.pk)
    _require_unit_head(by, log.unit_id)
    if log.status != LogStatus.SUBMITTED:
        raise ValidationError(_("只能退回已提交的月记实。"))
    if not reason.strip():
        raise ValidationError(_("请填写退回原因。"))
    log.status = LogStatus.RETURNED
    log.return_reason = reason.strip()
    log.returned_by = by
    log.is_late = False
    log.version += 1
    log.save()
    audit_record(actor=by, action="log.return", obj=log, summary=str(log), data={"reason": log.return_reason})
    return log


@transaction.atomic
def monthly_log_comment(*, log: MonthlyLog, comment: str, by: User) -> MonthlyLog:
    """月评: the unit head's comment on a submitted log."""
    log = MonthlyLog.objects.select_for_update().get(pk=log.pk)
    _require_unit_head(by, log.unit_id)
    if log.status != LogStatus.SUBMITTED:
        raise ValidationError(_("只能对已提交的月记实写月评。"))
    old = log.unit_head_comment
    log.unit_head_comment = comment.strip()
    log.commented_by = by
    log.commented_at = timezone.now()
    log.save()
    audit_record(
        actor=by, action="log.comment", obj=log, summary=str(log), data={"old": old, "new": log.unit_head_comment}
    )
    return log


# ---- Quarterly summaries (季度小结) -----------------------------------------------------------------------------


def quarter_months(quarter: int) -> list[int]:
    return [quarter * 3 - 2, quarter * 3 - 1, quarter * 3]


def summary_prefill(*, person: Person, year: int, quarter: int) -> dict[str, str]:
    """The summary drawn from the quarter's three monthly logs (enter once, reuse everywhere, §0)."""
    logs = {
        log.month: log
        for log in MonthlyLog.objects.filter(person=person, year=year, month__in=quarter_months(quarter))
        .exclude(status=LogStatus.DRAFT)
        .prefetch_related("tasks")
    }
    duties, tasks, attendance = [], [], []
    for month in quarter_months(quarter):
        log = logs.get(month)
        if log is None:
            attendance.append(_("%(m)d月：未提交月记实") % {"m": month})
            continue
        if log.duties.strip():
            duties.append(f"{month}月：{log.duties.strip()}")
        for task in log.tasks.all():
            done = f"（{task.completed_on:%m月%d日}完成）" if task.completed_on else ""
            tasks.append(f"{month}月 {task.task}：{task.result}{done}")
        days = _("出勤 %(d)s 天") % {"d": _number(log.attendance_days)} if log.attendance_days is not None else ""
        leave = _("请假 %(d)s 天") % {"d": _number(log.leave_days)} if log.leave_days else ""
        note = f"（{log.leave_note}）" if log.leave_note else ""
        attendance.append(f"{month}月：" + "，".join(filter(None, [days, leave])) + note)
    return {"duties": "\n".join(duties), "tasks_completed": "\n".join(tasks), "attendance": "\n".join(attendance)}


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


SUMMARY_FIELDS = ("duties", "tasks_completed", "attendance", "unfinished_explanation")


def summary_signed_q(year: int, quarter: int) -> Q:
    """Ratings that signed a quarter's summary: the quarter's rating, or in the half-year variant the rating of
    the half-year that ends with this quarter (group_sign signs that quarter's summary)."""
    signed = Q(year=year, period=quarter, group__cycle__kind=Cycle.Kind.QUARTERLY_GRADED)
    if quarter % 2 == 0:
        signed |= Q(year=year, period=quarter // 2, group__cycle__kind=Cycle.Kind.HALF_YEAR_SCORED)
    return signed


@transaction.atomic
def quarterly_summary_save(
    *, person: Person, year: int, quarter: int, fields: dict, expected_version: int | None, by: User
) -> QuarterlySummary:
    """The unit head of the person's unit at quarter end writes the summary; once the quarter is rated it is part
    of what was signed and can no longer change."""
    _require_unit_head(by, person.unit_id)
    if Rating.objects.filter(summary_signed_q(year, quarter), person=person).exists():
        raise ValidationError(_("本季度已签署评鉴，季度小结不能再修改。"))
    unknown = set(fields) - set(SUMMARY_FIELDS)
    if unknown:
        raise TypeError(f"unknown summary fields: {sorted(unknown)}")
    summary = QuarterlySummary.objects.select_for_update().filter(person=person, year=year, quarter=quarter).first()
    if summary is None:
        if expected_version is not None:
            raise ValidationError(_("这份季度小结已不存在，请刷新页面。"))
        try:
            with transaction.atomic():
                summary = QuarterlySummary.objects.create(
                    person=person, year=year, quarter=quarter, unit=person.unit, written_by=by, **fields
                )
        except IntegrityError:
            raise LogConflict(QuarterlySummary.objects.get(person=person, year=year, quarter=quarter)) from None
    else:
        if expected_version != summary.version:
            raise LogConflict(summary)
        for name, value in fields.items():
            setattr(summary, name, value)
        summary.unit = person.unit
        summary.written_by = by
        summary.version += 1
        summary.save()
    audit_record(actor=by, action="summary.save", obj=summary, summary=str(summary), data={"version": summary.version})
    return summary


# ---- Signing (领导评鉴) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingEntry:
    grade: str | None
    opinion: str
    score: Decimal | None = None


def signed_content(rating: Rating, summary: QuarterlySummary | None) -> dict:
    """What a signature covers: who rated whom, for which period, the grade, score and opinion, and the summary's
    text the leader read. Stored with the rating and hashed, so any later change is detectable."""
    return {
        "person": rating.person_id,
        "year": rating.year,
        "period": rating.period,
        "revision": rating.revision,
        "grade": rating.grade,
        "score": None if rating.score is None else f"{rating.score:.2f}",
        "opinion": rating.opinion,
        "signed_by": rating.signed_by_id,
        "on_behalf_of": rating.on_behalf_of_id,
        "signed_at": rating.signed_at.isoformat(),
        "summary": None
        if summary is None
        else {
            name: getattr(summary, name)
            for name in ("duties", "tasks_completed", "attendance", "unfinished_explanation")
        },
    }


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def rating_verify(rating: Rating) -> bool:
    """True when the stored rating still matches what was signed (fields, content and digest)."""
    summary = rating.signed_content.get("summary")
    expected = {**signed_content(rating, None), "summary": summary}
    return expected == rating.signed_content and content_hash(rating.signed_content) == rating.content_hash


def _check_password(by: User, password: str) -> None:
    if not password or not by.check_password(password):
        raise ValidationError(_("密码不正确，未签署。签署须重新输入您的登录密码。"))


def signing_principal(*, group: AppraisalGroup, appraisee: Appraisee, by: User, today: datetime.date) -> User | None:
    """The leader on whose authority `by` rates this appraisee: themself, or the leader they act for by a current
    delegation (代签). None when `by` may not rate them."""
    leader = appraisee.rating_leader or group.leader
    if leader == by:
        return by
    delegated = Delegation.objects.filter(leader=leader, acting=by, starts_on__lte=today, ends_on__gte=today).exists()
    return leader if delegated else None


def is_recused(leader: User, person: Person) -> bool:
    """A leader is recused (回避) from rating themself or a relative."""
    own = Person.objects.filter(user=leader).values_list("pk", flat=True).first()
    if own is None:
        return False
    if own == person.pk:
        return True
    return (
        Kinship.objects.filter(person_id=own, relative=person).exists()
        or Kinship.objects.filter(person=person, relative_id=own).exists()
    )


def period_end(cycle: Cycle, period: int) -> CalendarDay:
    quarter = period * 2 if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED else period
    return last_working_day_of_quarter(cycle.year, quarter)


def current_ratings(group: AppraisalGroup, period: int) -> dict[int, Rating]:
    """The latest revision of each appraisee's rating in the group for the period, by appraisee id."""
    latest: dict[int, Rating] = {}
    for rating in Rating.objects.filter(group=group, year=group.cycle.year, period=period).order_by("revision"):
        latest[rating.appraisee_id] = rating
    return latest


def _check_quota(group: AppraisalGroup, grades: dict[int, str]) -> None:
    """`grades` is every appraisee's grade after the change; 优秀 may not exceed the quota (§5)."""
    rules = rules_for_year(group.cycle.year)
    appraised = group.appraisees.count()
    quota = excellent_quota(appraised, rules)
    excellent = sum(1 for grade in grades.values() if grade == Grade.EXCELLENT)
    if excellent > quota:
        raise ValidationError(
            _(
                "“优秀”名额为 %(quota)d 名（%(n)d 人的 %(pct)s%%，向下取整），"
                "本次共评定 %(count)d 名“优秀”，超出名额，未签署。"
            )
            % {
                "quota": quota,
                "n": appraised,
                "pct": f"{rules.excellent_quota_percent.normalize():f}",
                "count": excellent,
            }
        )


@transaction.atomic
def group_sign(
    *,
    group: AppraisalGroup,
    period: int,
    entries: dict[int, RatingEntry],
    password: str,
    by: User,
    today: datetime.date | None = None,
) -> list[Rating]:
    """Sign the ratings of every appraisee of the group that `by` rates, in one step (§5).

    Refused, with nothing written, when: the password is wrong; the period has not reached its last working day;
    an appraisee lacks a grade, an opinion or a summary; the signer is recused; any of them is already signed
    (a correction is a revision); or the 优秀 count would exceed the quota. The group row is locked, so two
    leaders signing at once never end over the quota.
    """
    _check_password(by, password)
    today = today or timezone.localdate()
    group = AppraisalGroup.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=group.pk)
    cycle = group.cycle
    if period not in cycle.periods:
        raise ValidationError(_("考核期不正确。"))
    end = period_end(cycle, period)
    if today < end.day:
        raise ValidationError(_("领导评鉴在考核期最后一个工作日（%(d)s）起进行。") % {"d": end.day.isoformat()})
    appraisees = list(group.appraisees.select_related("person", "person__unit", "rating_leader"))
    mine = {}
    for appraisee in appraisees:
        principal = signing_principal(group=group, appraisee=appraisee, by=by, today=today)
        if principal is not None:
            mine[appraisee.pk] = (appraisee, principal)
    if not mine:
        raise PermissionDenied
    existing = current_ratings(group, period)
    already = [a.person.name for pk, (a, _p) in mine.items() if pk in existing]
    if already:
        raise ValidationError(_("%(names)s 已签署，不能重复签署；如需更正请提交修订。") % {"names": "、".join(already)})
    summary_quarter = period * 2 if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED else period
    summaries = {
        s.person_id: s
        for s in QuarterlySummary.objects.filter(
            person__in=[a.person for a, _p in mine.values()], year=cycle.year, quarter=summary_quarter
        )
    }
    rules = rules_for_year(cycle.year)
    errors: list[str] = []
    prepared: list[tuple[Appraisee, User, RatingEntry, str]] = []
    for appraisee, principal in mine.values():
        name = appraisee.person.name
        entry = entries.get(appraisee.pk)
        if is_recused(principal, appraisee.person):
            errors.append(_("%(name)s：评鉴领导须回避，请由组织部门指定其他领导评鉴。") % {"name": name})
            continue
        if appraisee.person_id not in summaries:
            errors.append(_("%(name)s：尚无季度小结。") % {"name": name})
        if entry is None or not entry.opinion.strip():
            errors.append(_("%(name)s：请填写评鉴意见。") % {"name": name})
            continue
        grade = entry.grade
        if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED:
            if entry.score is None or not (0 <= entry.score <= 100):
                errors.append(_("%(name)s：请填写 0–100 的得分。") % {"name": name})
                continue
            grade = grade_for_score(entry.score, rules)
        elif grade not in Grade.values:
            errors.append(_("%(name)s：请选择等次。") % {"name": name})
            continue
        prepared.append((appraisee, principal, entry, grade))
    if errors:
        raise ValidationError(errors)
    after = {pk: rating.grade for pk, rating in existing.items()}
    after.update({appraisee.pk: grade for appraisee, _p, _e, grade in prepared})
    _check_quota(group, after)

    signed_at = timezone.now()
    ratings = []
    for appraisee, principal, entry, grade in prepared:
        rating = Rating(
            appraisee=appraisee,
            person=appraisee.person,
            group=group,
            year=cycle.year,
            period=period,
            revision=1,
            grade=grade,
            score=entry.score if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED else None,
            opinion=entry.opinion.strip(),
            unit=appraisee.person.unit,
            signed_by=by,
            on_behalf_of=principal if principal != by else None,
            signed_at=signed_at,
        )
        _seal(rating, summaries.get(appraisee.person_id))
        ratings.append(rating)
    Rating.objects.bulk_create(ratings)
    _open_admonishments(ratings)
    audit_record(
        actor=by,
        action="rating.sign",
        obj=group,
        summary=f"{group.name} {cycle.year}-{period}",
        data={
            "period": period,
            "ratings": {r.person_id: r.grade for r in ratings},
            "on_behalf_of": ratings[0].on_behalf_of_id,
        },
    )
    return ratings


def _seal(rating: Rating, summary: QuarterlySummary | None) -> None:
    rating.signed_content = signed_content(rating, summary)
    rating.content_hash = content_hash(rating.signed_content)


def _open_admonishments(ratings: Sequence[Rating]) -> None:
    """A 不称职 rating opens an admonishment-talk task (诫勉谈话, §5)."""
    AdmonishmentTask.objects.bulk_create(
        AdmonishmentTask(rating=r, person=r.person)
        for r in Rating.objects.filter(pk__in=[r.pk for r in ratings], grade=Grade.INCOMPETENT)
    )


@transaction.atomic
def rating_revise(
    *,
    rating: Rating,
    grade: str | None,
    opinion: str,
    reason: str,
    password: str,
    by: User,
    score: Decimal | None = None,
    today: datetime.date | None = None,
) -> Rating:
    """A correction: a new signed revision that keeps the old one, with who, when and why (§5)."""
    _check_password(by, password)
    today = today or timezone.localdate()
    group = AppraisalGroup.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=rating.group_id)
    latest = current_ratings(group, rating.period).get(rating.appraisee_id)
    if latest is None or latest.pk != rating.pk:
        raise ValidationError(_("该评鉴已有更新的修订，请在最新修订上更正。"))
    principal = signing_principal(group=group, appraisee=rating.appraisee, by=by, today=today)
    if principal is None:
        raise PermissionDenied
    if is_recused(principal, rating.person):
        raise ValidationError(_("评鉴领导须回避。"))
    if not reason.strip():
        raise ValidationError(_("请填写修订原因。"))
    if not opinion.strip():
        raise ValidationError(_("请填写评鉴意见。"))
    if group.cycle.kind == Cycle.Kind.HALF_YEAR_SCORED:
        if score is None or not (0 <= score <= 100):
            raise ValidationError(_("请填写 0–100 的得分。"))
        grade = grade_for_score(score, rules_for_year(group.cycle.year))
    elif grade not in Grade.values:
        raise ValidationError(_("请选择等次。"))
    after = {pk: r.grade for pk, r in current_ratings(group, rating.period).items()}
    after[rating.appraisee_id] = grade
    _check_quota(group, after)
    summary = rating.signed_content.get("summary")
    revision = Rating(
        appraisee=rating.appraisee,
        person=rating.person,
        group=group,
        year=rating.year,
        period=rating.period,
        revision=rating.revision + 1,
        grade=grade,
        score=score if group.cycle.kind == Cycle.Kind.HALF_YEAR_SCORED else None,
        opinion=opinion.strip(),
        unit=rating.unit,
        signed_by=by,
        on_behalf_of=principal if principal != by else None,
        signed_at=timezone.now(),
        revision_reason=reason.strip(),
    )
    revision.signed_content = {**signed_content(revision, None), "summary": summary}
    revision.content_hash = content_hash(revision.signed_content)
    revision.save()
    _open_admonishments([revision])
    audit_record(
        actor=by,
        action="rating.revise",
        obj=revision,
        summary=str(revision),
        data={
            "old": {"grade": rating.grade, "opinion": rating.opinion},
            "new": {"grade": grade, "opinion": revision.opinion},
            "reason": revision.revision_reason,
        },
    )
    return revision
