"""Feedback and publication (DOMAIN.md §5): the appraisee acknowledges a rating, the organisation officer
publishes (公示) a group's period, a 不称职 rating is followed by an admonishment talk (诫勉谈话), and the officer
records commendations and penalties. The writes are transactional, audited and permission-checked; the reads that
go with them (my results, the publication list, the talk list, commendations) are below them.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import Unit
from core.audit import audit_record
from core.models import User
from core.roles import Role
from members.models import Person
from members.scopes import Scope, scope_for

from .models import (
    Acknowledgement,
    AdmonishmentTask,
    AppraisalGroup,
    Commendation,
    Cycle,
    Grade,
    Publication,
    Rating,
)
from .services import current_ratings

# ---- Who may do what -----------------------------------------------------------------------------------------


def can_publish(scope: Scope, group: AppraisalGroup) -> bool:
    """An organisation officer whose unit scope holds every appraisee of the group."""
    officer_units = scope.units_for(Role.ORG_OFFICER)
    if not officer_units:
        return False
    return all(unit_id in officer_units for unit_id in group.appraisees.values_list("person__unit_id", flat=True))


def can_record_talk(user: User, task: AdmonishmentTask) -> bool:
    """The leaders of the rating (the group's leader, whoever signed or was signed for, a leader named for a recused
    appraisee) and the unit head of the person's unit; never the person themself."""
    rating = task.rating
    if task.person.user_id == user.pk:
        return False
    leaders = {rating.group.leader_id, rating.signed_by_id, rating.on_behalf_of_id, rating.appraisee.rating_leader_id}
    if user.pk in leaders:
        return True
    unit_heads_of = scope_for(user).units_for(Role.UNIT_HEAD)
    return rating.unit_id in unit_heads_of or task.person.unit_id in unit_heads_of


def can_record_commendation(scope: Scope, person: Person) -> bool:
    return person.unit_id in scope.units_for(Role.ORG_OFFICER)


def is_current_revision(rating: Rating) -> bool:
    return not Rating.objects.filter(
        person_id=rating.person_id, year=rating.year, period=rating.period, revision__gt=rating.revision
    ).exists()


# ---- Writes --------------------------------------------------------------------------------------------------


@transaction.atomic
def rating_acknowledge(*, rating: Rating, by: User) -> Acknowledgement:
    """The appraisee confirms having seen their rating (反馈, §5). An acknowledgement belongs to one revision: a
    later revision is a new rating and needs its own."""
    if getattr(by, "person", None) is None or by.person.pk != rating.person_id:
        raise PermissionDenied
    if not is_current_revision(rating):
        raise ValidationError(_("该评鉴已有新的修订，请确认最新的考核结果。"))
    try:
        with transaction.atomic():
            acknowledgement = Acknowledgement.objects.create(rating=rating)
    except IntegrityError:
        raise ValidationError(_("您已确认过这一考核结果。")) from None
    audit_record(
        actor=by,
        action="rating.acknowledge",
        obj=rating,
        summary=str(rating),
        data={"revision": rating.revision, "grade": rating.grade},
    )
    return acknowledgement


@transaction.atomic
def group_publish(*, group: AppraisalGroup, period: int, by: User) -> Publication:
    """公示: make a group's ratings for the period visible to the staff of their units (§5). Only when every
    appraisee of the group is signed; the refusal names who is missing."""
    group = AppraisalGroup.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=group.pk)
    if not can_publish(scope_for(by), group):
        raise PermissionDenied
    cycle = group.cycle
    if period not in cycle.periods:
        raise ValidationError(_("考核期不正确。"))
    if Publication.objects.filter(group=group, year=cycle.year, period=period).exists():
        raise ValidationError(_("%(group)s %(period)s的考核结果已经公示。") % {
            "group": group.name, "period": period_label(cycle.kind, period)})  # fmt: skip
    appraisees = list(group.appraisees.select_related("person").order_by("person__name"))
    if not appraisees:
        raise ValidationError(_("考核组没有被考核人，无需公示。"))
    signed = current_ratings(group, period)
    missing = [a.person.name for a in appraisees if a.pk not in signed]
    if missing:
        raise ValidationError(
            _("以下人员%(period)s尚未签署评鉴，暂不能公示：%(names)s。")
            % {"period": period_label(cycle.kind, period), "names": "、".join(missing)}
        )
    publication = Publication.objects.create(group=group, year=cycle.year, period=period, published_by=by)
    audit_record(
        actor=by,
        action="publication.publish",
        obj=publication,
        summary=f"{group.name} {cycle.year} {period_label(cycle.kind, period)}",
        data={"group": group.pk, "period": period, "grades": {r.person_id: r.grade for r in signed.values()}},
    )
    return publication


@transaction.atomic
def admonishment_record(
    *, task: AdmonishmentTask, talk_on: datetime.date, notes: str, by: User, today: datetime.date | None = None
) -> AdmonishmentTask:
    """Record the admonishment talk (诫勉谈话) that a 不称职 rating requires (§5); the recording user is the one
    who talked. The task stays open until this is done."""
    task = (
        AdmonishmentTask.objects.select_for_update(of=("self",))
        .select_related("rating__group", "rating__appraisee", "person")
        .get(pk=task.pk)
    )
    if not can_record_talk(by, task):
        raise PermissionDenied
    if not task.is_open:
        raise ValidationError(_("这次诫勉谈话已经记录。"))
    rating = task.rating
    if not is_current_revision(rating):
        raise ValidationError(_("该评鉴已有新的修订，本谈话任务已失效；请按最新修订办理。"))
    today = today or timezone.localdate()
    signed_on = timezone.localdate(rating.signed_at)
    errors = []
    if talk_on > today:
        errors.append(_("谈话日期不能晚于今天。"))
    elif talk_on < signed_on:
        errors.append(_("谈话日期不能早于评鉴签署日期（%(d)s）。") % {"d": signed_on.isoformat()})
    if not notes.strip():
        errors.append(_("请填写谈话记录。"))
    if errors:
        raise ValidationError(errors)
    task.talk_on = talk_on
    task.talk_by = by
    task.notes = notes.strip()
    task.recorded_at = timezone.now()
    task.full_clean()
    task.save()
    audit_record(
        actor=by,
        action="admonishment.record",
        obj=task,
        summary=str(task),
        data={"rating": rating.pk, "talk_on": talk_on.isoformat()},
    )
    return task


@transaction.atomic
def commendation_record(
    *,
    person: Person,
    kind: str,
    level: str,
    title: str,
    work_item: str,
    awarded_on: datetime.date,
    document_number: str,
    by: User,
    today: datetime.date | None = None,
) -> Commendation:
    """An organisation officer records a commendation or a penalty of a person in their unit scope (§5, §6)."""
    if not can_record_commendation(scope_for(by), person):
        raise PermissionDenied
    today = today or timezone.localdate()
    commendation = Commendation(
        person=person,
        kind=kind,
        level=level,
        title=title.strip(),
        work_item=work_item.strip(),
        awarded_on=awarded_on,
        document_number=document_number.strip(),
        recorded_by=by,
    )
    commendation.full_clean()
    if awarded_on > today:
        raise ValidationError({"awarded_on": _("日期不能晚于今天。")})
    commendation.save()
    audit_record(
        actor=by,
        action="commendation.record",
        obj=commendation,
        summary=str(commendation),
        data={"kind": kind, "level": level, "document_number": commendation.document_number},
    )
    return commendation


# ---- Reads ---------------------------------------------------------------------------------------------------

QUARTER_LABELS = {
    1: gettext_lazy("第一季度"),
    2: gettext_lazy("第二季度"),
    3: gettext_lazy("第三季度"),
    4: gettext_lazy("第四季度"),
}
HALF_YEAR_LABELS = {1: gettext_lazy("上半年"), 2: gettext_lazy("下半年")}


def period_label(kind: str, period: int) -> str:
    labels = HALF_YEAR_LABELS if kind == Cycle.Kind.HALF_YEAR_SCORED else QUARTER_LABELS
    return str(labels.get(period, period))


def user_label(user: User | None) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person is not None else (user.get_full_name() or user.get_username())


def latest_revisions(ratings: Iterable[Rating]) -> dict[tuple[int, int, int], Rating]:
    """The latest revision per (person, year, period) among `ratings`."""
    latest: dict[tuple[int, int, int], Rating] = {}
    for rating in ratings:
        key = (rating.person_id, rating.year, rating.period)
        if key not in latest or latest[key].revision < rating.revision:
            latest[key] = rating
    return latest


@dataclass
class MyResult:
    cycle: Cycle
    period: int
    period_label: str
    current: Rating
    # Every revision, oldest first; the current one last.
    revisions: list[Rating] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return hasattr(self.current, "acknowledgement")


def my_results(*, user: User) -> list[MyResult]:
    """The user's own ratings, newest period first, each with its revisions (§5 feedback)."""
    person_id = scope_for(user).person_id
    if person_id is None:
        return []
    ratings = list(
        Rating.objects.filter(person_id=person_id)
        .select_related("group__cycle", "signed_by__person", "on_behalf_of__person", "acknowledgement")
        .order_by("year", "period", "revision")
    )
    by_period: dict[tuple[int, int], MyResult] = {}
    for rating in ratings:
        key = (rating.year, rating.period)
        cycle = rating.group.cycle
        result = by_period.get(key)
        if result is None:
            result = by_period[key] = MyResult(cycle, rating.period, period_label(cycle.kind, rating.period), rating)
        result.revisions.append(rating)
        result.current = rating
    return sorted(by_period.values(), key=lambda r: (r.current.year, r.period), reverse=True)


def publication_units(*, user: User) -> QuerySet[Unit]:
    """Units whose publication list the user may read: their own unit, and the units they cover."""
    scope = scope_for(user)
    own_unit = Person.objects.filter(pk=scope.person_id).values_list("unit_id", flat=True)
    return Unit.objects.filter(Q(pk__in=scope.unit_ids) | Q(pk__in=own_unit))


@dataclass(frozen=True)
class PublishedRow:
    rating: Rating
    published_at: datetime.datetime
    # A revision signed after the publication: the list shows the current grade and says so.
    revised_after: bool


def publication_rows(*, cycle: Cycle, period: int, unit: Unit) -> list[PublishedRow]:
    """The publication list (公示) of a unit and its sub-units for a period: the current grade of everyone rated in
    a published group, without opinions. The caller has checked that the user may read this unit's list."""
    publications = {p.group_id: p.published_at for p in Publication.objects.filter(group__cycle=cycle, period=period)}
    if not publications:
        return []
    ratings = Rating.objects.filter(
        group_id__in=publications,
        year=cycle.year,
        period=period,
        unit_id__in=Unit.objects.subtree_ids([unit.pk]),
    ).select_related("person", "unit")
    rows = [
        PublishedRow(r, publications[r.group_id], r.signed_at > publications[r.group_id])
        for r in latest_revisions(ratings).values()
    ]
    return sorted(rows, key=lambda row: (row.rating.unit.sort_order, row.rating.unit_id, row.rating.person.name))


@dataclass(frozen=True)
class GroupPublicationState:
    group: AppraisalGroup
    appraised: int
    signed: int
    publication: Publication | None

    @property
    def ready(self) -> bool:
        return self.publication is None and self.appraised > 0 and self.signed == self.appraised


def publishable_groups(*, user: User, cycle: Cycle, period: int, unit: Unit) -> list[GroupPublicationState]:
    """For an organisation officer: the groups of the cycle with people in the unit that they may publish, with
    how many of each are signed for the period."""
    scope = scope_for(user)
    if not scope.units_for(Role.ORG_OFFICER):
        return []
    groups = (
        AppraisalGroup.objects.filter(cycle=cycle, appraisees__person__unit_id__in=Unit.objects.subtree_ids([unit.pk]))
        .distinct()
        .order_by("name")
    )
    publications = {
        p.group_id: p
        for p in Publication.objects.filter(group__cycle=cycle, period=period).select_related("published_by__person")
    }
    states = []
    for group in groups:
        if not can_publish(scope, group):
            continue
        states.append(
            GroupPublicationState(
                group=group,
                appraised=group.appraisees.count(),
                signed=len(current_ratings(group, period)),
                publication=publications.get(group.pk),
            )
        )
    return states


def admonishments_visible_to(user: User) -> QuerySet[AdmonishmentTask]:
    """Talk tasks of the ratings the user may read, each marked `superseded` when its rating has a later
    revision (the task then no longer needs a talk)."""
    later = Rating.objects.filter(
        person_id=OuterRef("rating__person_id"),
        year=OuterRef("rating__year"),
        period=OuterRef("rating__period"),
        revision__gt=OuterRef("rating__revision"),
    )
    return (
        AdmonishmentTask.objects.filter(rating__in=Rating.objects.visible_to(user))
        .annotate(superseded=Exists(later))
        .select_related(
            "person__unit",
            "rating__group__cycle",
            "rating__appraisee",
            "rating__signed_by__person",
            "talk_by__person",
        )
        .order_by("-opened_at", "-id")
    )


@dataclass(frozen=True)
class AdmonishmentRow:
    task: AdmonishmentTask
    period_label: str
    can_record: bool

    @property
    def state(self) -> str:
        if not self.task.is_open:
            return "recorded"
        return "superseded" if self.task.superseded else "open"


def admonishment_rows(*, user: User) -> tuple[list[AdmonishmentRow], list[AdmonishmentRow]]:
    """(open tasks, closed ones: recorded talks and tasks of ratings since revised)."""
    open_rows, closed_rows = [], []
    for task in admonishments_visible_to(user):
        row = AdmonishmentRow(
            task=task,
            period_label=period_label(task.rating.group.cycle.kind, task.rating.period),
            can_record=task.is_open and not task.superseded and can_record_talk(user, task),
        )
        (open_rows if row.state == "open" else closed_rows).append(row)
    return open_rows, closed_rows


def archive_people(*, user: User) -> QuerySet[Person]:
    """People whose appraisal archive, commendations and penalties the user may read: themself, and the people of
    the units they cover as unit head, leader or officer (not a secretary's party scope)."""
    scope = scope_for(user)
    return Person.objects.visible_to(user).filter(Q(pk=scope.person_id) | Q(unit_id__in=scope.unit_ids))


def commendations_visible_to(*, user: User, person: Person | None = None) -> QuerySet[Commendation]:
    commendations = Commendation.objects.filter(person__in=archive_people(user=user))
    if person is not None:
        commendations = commendations.filter(person=person)
    return commendations.select_related("person__unit", "recorded_by__person").order_by("person__name", "-awarded_on")


def grade_label(grade: str) -> str:
    return str(dict(Grade.choices).get(grade, grade))
