"""Writes of the mid-level cadre appraisal (中层干部考核, DOMAIN.md §6): setting up an exercise with its democratic
poll, entering the three entered components, and filing (备案) the ranking with the organisation department.

Who does what: the organisation officer covering the exercise's unit sets it up, enters the work-performance scores,
imports scores collected on paper, and files; the principal leader (主要领导) enters the principal's score of each
cadre; each leadership-team member (班子成员) enters their own score of each cadre. The democratic component comes
from the closed poll of reviews/. Every write locks the exercise row, so a score entered while the exercise is being
filed either lands before the filing reads it or is refused after; a filed exercise refuses every change.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import Unit
from core.audit import audit_record
from core.models import User
from core.roles import Role
from members.models import Person
from members.scopes import Scope, scope_for
from reviews.models import Poll, PollQuestion, PollSubject
from reviews.services import PollError, poll_create, poll_question_add, poll_subject_add, poll_subject_remove

from . import cadre_rules
from .cadre_selectors import exercise_ranking, result_inputs
from .models import CadreAppraisee, CadreExercise, CadreResult, CadreTeamScore
from .services import content_hash

POLL_QUESTION = "综合评价"
# What filing seals of each result, besides its inputs and who filed it when (result_content).
SEALED_RESULT_FIELDS = (
    "work_base", "adjustment", "work_adjusted", "principal", "team_mean", "poll_mean", "total", "total_display", "rank",
)  # fmt: skip
SCORE_PLACES = Decimal("0.01")


# ---- Who may do what -----------------------------------------------------------------------------------------


def can_create_exercises(scope: Scope) -> bool:
    return bool(scope.units_for(Role.ORG_OFFICER))


def can_manage(scope: Scope, exercise: CadreExercise) -> bool:
    """Set up, enter work scores, import, see the provisional ranking and file: an organisation officer whose unit
    scope covers the exercise's unit."""
    return exercise.unit_id in scope.units_for(Role.ORG_OFFICER)


def is_principal_leader(scope: Scope, exercise: CadreExercise) -> bool:
    return scope.person_id is not None and exercise.principal_leader_id == scope.person_id


def is_team_member(scope: Scope, exercise: CadreExercise) -> bool:
    return scope.person_id is not None and exercise.team_members.filter(pk=scope.person_id).exists()


def can_see_ranking(scope: Scope, exercise: CadreExercise) -> bool:
    """The officer always; the scorers once it is filed. Before filing the ranking shows the principal leader's
    scores and the team's means, which scorers should not see while they are still scoring on their own."""
    if can_manage(scope, exercise):
        return True
    return exercise.is_filed and (is_principal_leader(scope, exercise) or is_team_member(scope, exercise))


# ---- Checks shared by the writes ----------------------------------------------------------------------------


def _locked(exercise: CadreExercise) -> CadreExercise:
    """The exercise row under an update lock; refused once filed."""
    locked = CadreExercise.objects.select_for_update().get(pk=exercise.pk)
    if locked.is_filed:
        raise ValidationError(
            _("%(title)s已于 %(at)s 备案，不能再修改。")
            % {"title": locked.title, "at": timezone.localtime(locked.filed_at).strftime("%Y-%m-%d %H:%M")}
        )
    return locked


def _require_manager(by: User | None, exercise: CadreExercise) -> None:
    if by is None or not can_manage(scope_for(by), exercise):
        raise PermissionDenied


def _poll_is_draft(exercise: CadreExercise) -> bool:
    """Subjects can change only before voting starts (reviews.services). Every exercise has its poll from creation."""
    return exercise.poll.status == Poll.Status.DRAFT


def _check_people(
    *,
    unit: Unit,
    principal_leader: Person,
    team_members: Iterable[Person],
    cadres: Iterable[Person],
) -> None:
    """Everyone belongs to the unit (with its departments); scorers can log in to enter their scores; nobody both
    scores and is scored, and the principal leader is not also counted as a team member."""
    team_members, cadres = list(team_members), list(cadres)
    errors: list[str] = []
    in_unit = Unit.objects.subtree_ids([unit.pk])
    outside = [p.name for p in [principal_leader, *team_members, *cadres] if p.unit_id not in in_unit]
    if outside:
        errors.append(_("以下人员不属于%(unit)s：%(names)s。") % {"unit": unit.name, "names": "、".join(outside)})
    no_account = [p.name for p in [principal_leader, *team_members] if p.user_id is None]
    if no_account:
        errors.append(
            _("以下评分人没有登录账号，无法录入评分：%(names)s。") % {"names": "、".join(dict.fromkeys(no_account))}
        )
    if principal_leader in team_members:
        errors.append(_("主要领导%(name)s不能同时作为班子成员评分。") % {"name": principal_leader.name})
    scorers = {principal_leader.pk, *(p.pk for p in team_members)}
    both = [p.name for p in cadres if p.pk in scorers]
    if both:
        errors.append(_("评分人不能同时是被考核干部：%(names)s。") % {"names": "、".join(both)})
    if errors:
        raise ValidationError(errors)


def _clean_scores(scores: Mapping[int, Decimal | None], appraisees: Mapping[int, CadreAppraisee]) -> None:
    errors = []
    for appraisee_id, score in scores.items():
        if appraisee_id not in appraisees:
            raise ValidationError(_("被考核干部不属于本次考核。"))
        if score is None:
            continue
        name = appraisees[appraisee_id].person.name
        if not Decimal(0) <= score <= Decimal(100):
            errors.append(_("%(name)s的评分应在 0 到 100 之间。") % {"name": name})
        elif score != score.quantize(SCORE_PLACES):
            errors.append(_("%(name)s的评分最多保留两位小数。") % {"name": name})
    if errors:
        raise ValidationError(errors)


def _appraisees(exercise: CadreExercise) -> dict[int, CadreAppraisee]:
    return {a.pk: a for a in exercise.appraisees.select_related("person")}


def _names(people: Iterable[Person]) -> str:
    return "、".join(p.name for p in people)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(SCORE_PLACES))


# ---- Setting up ----------------------------------------------------------------------------------------------


def _already_exists(unit: Unit, year: int) -> str:
    return _("%(unit)s%(year)d年度的中层干部考核已经建立。") % {"unit": unit.name, "year": year}


@transaction.atomic
def cadre_exercise_create(
    *,
    year: int,
    unit: Unit,
    title: str,
    principal_leader: Person,
    team_members: Iterable[Person],
    cadres: Iterable[Person],
    by: User,
) -> CadreExercise:
    """A year's appraisal of the cadres of a unit (§6), with its democratic poll (民主测评): one score question,
    one subject per cadre. Only an organisation officer covering the unit."""
    if unit.pk not in scope_for(by).units_for(Role.ORG_OFFICER):
        raise PermissionDenied
    team_members, cadres = list(team_members), list(cadres)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写名称。")})
    if CadreExercise.objects.filter(unit=unit, year=year).exists():
        raise ValidationError(
            {"year": _("%(unit)s%(year)d年度的中层干部考核已经建立。") % {"unit": unit.name, "year": year}}
        )
    _check_people(unit=unit, principal_leader=principal_leader, team_members=team_members, cadres=cadres)
    exercise = CadreExercise(year=year, unit=unit, title=title, principal_leader=principal_leader, created_by=by)
    exercise.full_clean(exclude=["poll"])
    try:
        with transaction.atomic():
            exercise.save()
    except IntegrityError:
        raise ValidationError({"year": _already_exists(unit, year)}) from None
    exercise.team_members.set(team_members)
    try:
        poll = poll_create(actor=by, title=_("%(title)s民主测评") % {"title": title}, kind=Poll.Kind.CADRE, unit=unit)
        poll_question_add(actor=by, poll=poll, text=POLL_QUESTION, kind=PollQuestion.Kind.SCORE, managed=True)
    except PollError as exc:
        raise ValidationError(exc.message) from exc
    exercise.poll = poll
    exercise.save(update_fields=["poll"])
    _add_cadres(exercise, cadres, by)
    audit_record(
        actor=by,
        action="cadre.exercise_create",
        obj=exercise,
        summary=title,
        data={
            "year": year,
            "unit": unit.pk,
            "principal_leader": principal_leader.pk,
            "team_members": [p.pk for p in team_members],
            "cadres": [p.pk for p in cadres],
            "poll": poll.pk,
        },
    )
    return exercise


def _add_cadres(exercise: CadreExercise, people: list[Person], by: User) -> list[CadreAppraisee]:
    added = []
    for person in people:
        try:
            with transaction.atomic():
                appraisee = CadreAppraisee.objects.create(exercise=exercise, person=person, position=person.position)
        except IntegrityError:
            raise ValidationError(_("%(name)s已在本次考核中。") % {"name": person.name}) from None
        try:
            poll_subject_add(actor=by, poll=exercise.poll, label=person.name, person=person, managed=True)
        except PollError as exc:
            raise ValidationError(exc.message) from exc
        added.append(appraisee)
    return added


@transaction.atomic
def cadre_exercise_update(
    *, exercise: CadreExercise, title: str, principal_leader: Person, team_members: Iterable[Person], by: User
) -> CadreExercise:
    """Change the name and the scorers before filing. A scorer who has already scored stays: their scores would
    otherwise be lost or be attributed to someone else."""
    _require_manager(by, exercise)
    locked = _locked(exercise)
    team_members = list(team_members)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写名称。")})
    cadres = [a.person for a in locked.appraisees.select_related("person")]
    _check_people(unit=locked.unit, principal_leader=principal_leader, team_members=team_members, cadres=cadres)
    if (
        principal_leader.pk != locked.principal_leader_id
        and locked.appraisees.filter(principal_score__isnull=False).exists()
    ):
        raise ValidationError(
            _("主要领导%(name)s已经评分，不能更换；如确需更换，请先由其清空评分。")
            % {"name": locked.principal_leader.name}
        )
    before = set(locked.team_members.values_list("pk", flat=True))
    after = {p.pk for p in team_members}
    scored = (
        CadreTeamScore.objects.filter(appraisee__exercise=locked, scorer_id__in=before - after)
        .values_list("scorer__name", flat=True)
        .distinct()
    )
    if scored:
        raise ValidationError(
            _("以下班子成员已经评分，不能移出：%(names)s；如确需移出，请先由其清空评分。")
            % {"names": "、".join(sorted(scored))}
        )
    old = {"title": locked.title, "principal_leader": locked.principal_leader_id, "team_members": sorted(before)}
    locked.title = title
    locked.principal_leader = principal_leader
    locked.save(update_fields=["title", "principal_leader"])
    locked.team_members.set(team_members)
    audit_record(
        actor=by,
        action="cadre.exercise_update",
        obj=locked,
        summary=title,
        data={
            "old": old,
            "new": {"title": title, "principal_leader": principal_leader.pk, "team_members": sorted(after)},
        },
    )
    exercise.refresh_from_db()
    return locked


@transaction.atomic
def cadre_appraisees_add(*, exercise: CadreExercise, people: Iterable[Person], by: User) -> list[CadreAppraisee]:
    """Add cadres while the poll has not started (its subjects are fixed once voting begins)."""
    _require_manager(by, exercise)
    locked = _locked(exercise)
    people = list(people)
    if not people:
        raise ValidationError(_("请选择要添加的干部。"))
    if not _poll_is_draft(locked):
        raise ValidationError(_("民主测评已经开始，不能再添加被考核干部。"))
    _check_people(
        unit=locked.unit,
        principal_leader=locked.principal_leader,
        team_members=locked.team_members.all(),
        cadres=people,
    )
    added = _add_cadres(locked, people, by)
    audit_record(
        actor=by,
        action="cadre.exercise_update",
        obj=locked,
        summary=_("添加被考核干部：%(names)s") % {"names": "、".join(p.name for p in people)},
        data={"added": [p.pk for p in people]},
    )
    return added


@transaction.atomic
def cadre_appraisee_remove(*, appraisee: CadreAppraisee, by: User) -> None:
    """Remove a cadre, with their scores, while the poll has not started."""
    exercise = appraisee.exercise
    _require_manager(by, exercise)
    locked = _locked(exercise)
    if not _poll_is_draft(locked):
        raise ValidationError(_("民主测评已经开始，不能再移除被考核干部。"))
    appraisee = CadreAppraisee.objects.select_related("person").get(pk=appraisee.pk, exercise=locked)
    data = {
        "person": appraisee.person_id,
        "work_score": _text(appraisee.work_score),
        "principal_score": _text(appraisee.principal_score),
        "team_scores": {str(s.scorer_id): str(s.score) for s in appraisee.team_scores.all()},
    }
    subject = PollSubject.objects.filter(poll_id=locked.poll_id, person_id=appraisee.person_id).first()
    if subject is not None:
        try:
            poll_subject_remove(actor=by, subject=subject, managed=True)
        except PollError as exc:
            raise ValidationError(exc.message) from exc
    appraisee.delete()
    audit_record(
        actor=by,
        action="cadre.exercise_update",
        obj=locked,
        summary=_("移除被考核干部：%(name)s") % {"name": appraisee.person.name},
        data={"removed": data},
    )


# ---- Entering scores -----------------------------------------------------------------------------------------


def _set_field_scores(
    exercise: CadreExercise, field: str, scores: Mapping[int, Decimal | None]
) -> dict[str, list[str | None]]:
    """Write work or principal scores; the changes as {appraisee id: [old, new]}."""
    appraisees = _appraisees(exercise)
    _clean_scores(scores, appraisees)
    changes: dict[str, list[str | None]] = {}
    for appraisee_id, score in scores.items():
        appraisee = appraisees[appraisee_id]
        old = getattr(appraisee, field)
        if old == score:
            continue
        setattr(appraisee, field, score)
        appraisee.save(update_fields=[field])
        changes[str(appraisee_id)] = [_text(old), _text(score)]
    return changes


def _set_team_scores(
    exercise: CadreExercise, scorer: Person, scores: Mapping[int, Decimal | None]
) -> dict[str, list[str | None]]:
    appraisees = _appraisees(exercise)
    _clean_scores(scores, appraisees)
    existing = {s.appraisee_id: s for s in CadreTeamScore.objects.filter(appraisee__exercise=exercise, scorer=scorer)}
    changes: dict[str, list[str | None]] = {}
    for appraisee_id, score in scores.items():
        row = existing.get(appraisee_id)
        old = row.score if row else None
        if old == score:
            continue
        if score is None:
            row.delete()
        elif row is None:
            CadreTeamScore.objects.create(appraisee_id=appraisee_id, scorer=scorer, score=score)
        else:
            row.score = score
            row.save(update_fields=["score"])
        changes[str(appraisee_id)] = [_text(old), _text(score)]
    return changes


def _audit_scores(
    *, by: User | None, exercise: CadreExercise, component: str, changes: Mapping[str, Any], scorer: Person | None
) -> None:
    if not changes:
        return
    labels = {"work": _("工作实绩得分"), "principal": _("主要领导评分"), "team": _("班子成员评分")}
    summary = _("%(title)s：%(what)s %(n)d 人") % {
        "title": exercise.title,
        "what": labels[component],
        "n": len(changes),
    }
    data: dict[str, Any] = {"component": component, "changes": changes}
    if scorer is not None:
        data["scorer"] = scorer.pk
    audit_record(
        actor=by,
        action="cadre.score_enter",
        obj=exercise,
        summary=summary,
        data=data,
    )


@transaction.atomic
def cadre_work_scores_enter(*, exercise: CadreExercise, scores: Mapping[int, Decimal | None], by: User) -> int:
    """The organisation officer enters each cadre's work-performance score 0–100 from the unit's targets (§6),
    before commendations and penalties, which are applied from the records of the year. None clears a score.
    Returns how many changed."""
    _require_manager(by, exercise)
    locked = _locked(exercise)
    changes = _set_field_scores(locked, "work_score", scores)
    _audit_scores(by=by, exercise=locked, component="work", changes=changes, scorer=None)
    return len(changes)


@transaction.atomic
def cadre_principal_scores_enter(*, exercise: CadreExercise, scores: Mapping[int, Decimal | None], by: User) -> int:
    """The principal leader of the exercise, and only they, scores each cadre 0–100 (§6)."""
    locked = _locked(exercise)
    if not is_principal_leader(scope_for(by), locked):
        raise PermissionDenied
    changes = _set_field_scores(locked, "principal_score", scores)
    _audit_scores(by=by, exercise=locked, component="principal", changes=changes, scorer=locked.principal_leader)
    return len(changes)


@transaction.atomic
def cadre_team_scores_enter(*, exercise: CadreExercise, scores: Mapping[int, Decimal | None], by: User) -> int:
    """A leadership-team member of the exercise scores each cadre 0–100 (§6); they enter and change only their
    own scores."""
    locked = _locked(exercise)
    scope = scope_for(by)
    if not is_team_member(scope, locked):
        raise PermissionDenied
    scorer = Person.objects.get(pk=scope.person_id)
    changes = _set_team_scores(locked, scorer, scores)
    _audit_scores(by=by, exercise=locked, component="team", changes=changes, scorer=scorer)
    return len(changes)


# ---- Filing (备案) -------------------------------------------------------------------------------------------


def _six_places(value: Fraction) -> Decimal:
    """For the six-decimal reading columns; the display and the rank never come from these."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000001"))


@transaction.atomic
def cadre_exercise_file(*, exercise: CadreExercise, password: str, by: User) -> CadreExercise:
    """File (备案) the ranking with the organisation department (§6). The officer re-enters their password; every
    component must be complete and the poll closed with its turnout reached, else the refusal lists what is missing.
    Writes each cadre's result (components, exact total, two-place total, rank, and the inputs they came from) and
    stamps who and when; from then on the exercise and its results are read-only, and each result shows in the
    cadre's appraisal archive."""
    _require_manager(by, exercise)
    if not password or not by.check_password(password):
        raise ValidationError(_("密码不正确，未备案。备案须重新输入您的登录密码。"))
    locked = _locked(exercise)
    ranking = exercise_ranking(locked)
    if ranking.missing:
        raise ValidationError([_("暂不能备案："), *ranking.missing])
    locked.filed_by = by
    locked.filed_at = timezone.now()
    for row in ranking.rows:
        result = CadreResult(
            appraisee=row.appraisee,
            work_base=row.work_base,
            adjustment=row.adjustment,
            work_adjusted=row.work_adjusted,
            principal=row.principal,
            team_mean=_six_places(row.team_mean),
            poll_mean=_six_places(row.poll_mean),
            total=_six_places(row.total),
            total_display=row.total_shown,
            rank=row.rank,
            inputs=result_inputs(row, locked),
        )
        result.digest = content_hash(result_content(result, locked))
        result.save()
    # The results are written while the exercise is still a draft: the database refuses results of a filed one.
    locked.status = CadreExercise.Status.FILED
    locked.save(update_fields=["status", "filed_by", "filed_at"])
    audit_record(
        actor=by,
        action="cadre.file",
        obj=locked,
        summary=locked.title,
        data={
            "ranking": [[row.person.pk, str(row.total_shown), row.rank] for row in ranking.rows],
            "poll": {"codes_issued": ranking.codes_issued, "ballots_cast": ranking.ballots_cast},
        },
    )
    exercise.refresh_from_db()
    return locked


# ---- Verifying filed results (RELIABILITY R12, R16) ----------------------------------------------------------


def result_content(result: CadreResult, exercise: CadreExercise) -> dict:
    """What filing seals of one cadre's result: whose result in which exercise, every figure at its stored
    precision, the inputs it was computed from, and who filed it when."""
    figures = {}
    for name in SEALED_RESULT_FIELDS:
        value = getattr(result, name)
        places = getattr(CadreResult._meta.get_field(name), "decimal_places", None)
        figures[name] = value if places is None else f"{value:.{places}f}"
    return {
        "exercise": exercise.pk,
        "appraisee": result.appraisee_id,
        "person": result.appraisee.person_id,
        **figures,
        "inputs": result.inputs,
        "filed_by": exercise.filed_by_id,
        "filed_at": exercise.filed_at.isoformat(),
    }


def result_verify(result: CadreResult) -> bool:
    """True when the stored result still matches its digest and its total is reproduced from its inputs by the
    rules of §6 (cadre_rules): the team mean from the team scores, the total from the four components, the shown
    total by rounding the exact one. `result.appraisee.exercise` is read, so select it with the result."""
    exercise = result.appraisee.exercise
    if exercise.filed_at is None or content_hash(result_content(result, exercise)) != result.digest:
        return False
    try:
        inputs = result.inputs
        adjustment = sum(int(line["points"]) for line in inputs["commendations"])
        team_mean = cadre_rules.mean([Decimal(v) for v in inputs["team_scores"].values()])
        total = cadre_rules.weighted_total(
            cadre_rules.adjusted_work(Decimal(inputs["work_base"]), adjustment),
            Decimal(inputs["principal"]),
            Fraction(inputs["team_mean"]),
            Fraction(inputs["poll"]["mean"]),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return False
    return (
        adjustment == result.adjustment
        and team_mean == Fraction(inputs["team_mean"])
        and total == Fraction(inputs["total"])
        and cadre_rules.two_places(total) == result.total_display
    )
