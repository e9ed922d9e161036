"""Demo data of the mid-level cadre appraisal (DOMAIN.md §6) for `manage.py seed_demo`, called from
appraisal/demo.py: last year's exercise of the demo organ, scored, polled and filed (备案) in January, so that the
ranking and the archive entries are there to read; and this year's, set up with the work scores entered, waiting
for the demo principal leader's and team member's scores.

Keyed on the exercise (one per unit and year), so a second run adds nothing. Everything goes through the services
of appraisal/ and reviews/, so the rules are the real ones; what happened in the past is then dated in the past.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from core.audit import audit_backdated
from core.maintenance import sealed_rows_writable
from core.models import User
from members.models import Person, ServiceStatus
from reviews.models import Poll
from reviews.services import ballot_cast, poll_close, poll_codes_issue, poll_open

from . import feedback
from .cadre_services import (
    cadre_exercise_create,
    cadre_exercise_file,
    cadre_principal_scores_enter,
    cadre_team_scores_enter,
    cadre_work_scores_enter,
    result_content,
)
from .models import CadreExercise, CadreResult, Commendation
from .services import content_hash

# The department heads (主任, 部长) are the demo organ's mid-level cadres.
CADRE_POSITIONS = ("主任", "部长")
PARTICIPANTS = 30
BALLOTS = 26


def _score(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 2, high * 2)) / 2


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return min(timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0))), timezone.now())


def build_cadre_demo(*, today: datetime.date, users: dict[str, User], seed: int) -> None:
    """Build the exercises that are missing. `users` are the demo logins of appraisal/demo.py by username."""
    officer, principal_user, leader_user = users["officer"], users["principal"], users["leader"]
    principal, leader = principal_user.person, leader_user.person
    organ = principal.unit
    cadres = list(
        Person.objects.filter(position__in=CADRE_POSITIONS, service_status=ServiceStatus.IN_SERVICE)
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id", "name")
    )
    for year in (today.year - 1, today.year):
        if CadreExercise.objects.filter(unit=organ, year=year).exists():
            continue
        rng = random.Random(seed + year)  # noqa: S311  # nosec B311  # reproducible demo data, not a secret
        current = year == today.year
        filed_at = _at(today - datetime.timedelta(days=10), 9) if current else _at(datetime.date(year + 1, 1, 20), 15)
        # Audit rows are written with the demo's date, never edited afterwards: the log is append-only (R23).
        with audit_backdated(filed_at):
            exercise = cadre_exercise_create(
                year=year, unit=organ, title=f"{year}年度中层干部考核", principal_leader=principal,
                team_members=[leader], cadres=cadres, by=officer,
            )  # fmt: skip
            ids = {a.person_id: a.pk for a in exercise.appraisees.all()}
            work = {pk: _score(rng, 82, 95) for pk in ids.values()}
            cadre_work_scores_enter(exercise=exercise, scores=work, by=officer)
            if not current:
                _last_year(exercise, rng, ids, cadres, users)
        if current:
            CadreExercise.objects.filter(pk=exercise.pk).update(created_at=filed_at)
            continue
        _backdate_filing(exercise, created_at=_at(datetime.date(year, 12, 1), 9), filed_at=filed_at)
        Poll.objects.filter(pk=exercise.poll_id).update(
            created_at=_at(datetime.date(year, 12, 1), 9),
            opened_at=_at(datetime.date(year + 1, 1, 10), 14),
            closed_at=_at(datetime.date(year + 1, 1, 10), 17),
        )


def _backdate_filing(exercise: CadreExercise, *, created_at: datetime.datetime, filed_at: datetime.datetime) -> None:
    """Filed in January: the filing time is part of each result's digest, so the results are sealed again. The
    database refuses changes to a filed exercise except under the maintenance switch (RELIABILITY R12)."""
    with sealed_rows_writable():
        CadreExercise.objects.filter(pk=exercise.pk).update(created_at=created_at, filed_at=filed_at)
        exercise.refresh_from_db()
        for result in CadreResult.objects.filter(appraisee__exercise=exercise).select_related("appraisee"):
            CadreResult.objects.filter(pk=result.pk).update(digest=content_hash(result_content(result, exercise)))


def _last_year(
    exercise: CadreExercise, rng: random.Random, ids: dict[int, int], cadres: list[Person], users: dict[str, User]
) -> None:
    """Commendations of the year, the scorers' scores, the poll at the 述职 meeting, and the filing."""
    from .demo import _signing_as  # that module calls this one

    officer = users["officer"]
    year = exercise.year
    first = cadres[0]
    # Two levels for the same work: only the city one (3 points) counts.
    for level, title, month in ((Commendation.Level.DISTRICT, "全区机关档案工作先进集体", 6),
                                (Commendation.Level.CITY, "全市机关档案工作先进集体", 11)):  # fmt: skip
        feedback.commendation_record(
            person=first, kind=Commendation.Kind.COMMENDATION, level=level, title=title, work_item="档案规范化管理",
            awarded_on=datetime.date(year, month, 15), document_number=f"档发〔{year}〕{month}号", by=officer,
            today=datetime.date(year, 12, 31),
        )  # fmt: skip
    cadre_principal_scores_enter(
        exercise=exercise, scores={pk: _score(rng, 80, 96) for pk in ids.values()}, by=users["principal"]
    )
    cadre_team_scores_enter(
        exercise=exercise, scores={pk: _score(rng, 80, 96) for pk in ids.values()}, by=users["leader"]
    )
    poll = exercise.poll
    codes = poll_codes_issue(actor=officer, poll=poll, count=PARTICIPANTS)
    poll_open(actor=officer, poll=poll)
    question = poll.questions.get()
    subjects = list(poll.subjects.all())
    for code in codes[:BALLOTS]:
        ballot_cast(code=code, answers={(s.pk, question.pk): _score(rng, 75, 98) for s in subjects})
    poll_close(actor=officer, poll=poll)
    with _signing_as(officer) as password:
        cadre_exercise_file(exercise=exercise, password=password, by=officer)
