"""A 2026 mid-level cadre appraisal of the organ (某区机关) over the personas of the root conftest.py, run by the top
officer (chief). 周局长 is the principal leader; Lin and 何副局长 are the leadership-team members; Bob, Sam, Wang and
Alice are the cadres.

`scored` enters every component so that the ranking has a tie (hand-computed, DOMAIN.md §6):

| cadre | work | of 2026 (a 2025 record is ignored) | principal | team (Lin, 何) | poll ballots | total      |
|-------|------|------------------------------------|-----------|----------------|--------------|------------|
| Bob   | 90   | —                                  | 90        | 90, 90         | 90, 90, 90   | 90         |
| Sam   | 85   | district + provincial, same item +5| 80        | 80, 80         | 80, 80, 80   | 84         |
| Wang  | 80   | —                                  | 90        | 85, 85         | 82, 83, 82.5 | 84         |
| Alice | 80   | city-level penalty −3              | 70        | 70, 71         | 70, 70, 71   | 72.916666… |

Ranks: Bob 1, Sam 2, Wang 2, Alice 4.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from appraisal.cadre_services import (
    cadre_exercise_create,
    cadre_principal_scores_enter,
    cadre_team_scores_enter,
    cadre_work_scores_enter,
)
from appraisal.models import CadreExercise, Commendation
from core.roles import Role
from members.services import role_assign
from reviews.services import ballot_cast, poll_close, poll_codes_issue, poll_open
from tests.factories import PersonFactory, UserFactory

PASSWORD = "pw-for-tests-1"


@pytest.fixture
def scorers(personas, org):
    zhou_user = UserFactory(username="zhou")
    zhou = PersonFactory(user=zhou_user, name="周局长", unit=org.organ, position="局长")
    role_assign(user=zhou_user, role=Role.PRINCIPAL_LEADER, unit=org.organ)
    he_user = UserFactory(username="he")
    he = PersonFactory(user=he_user, name="何副局长", unit=org.organ, position="副局长")
    role_assign(user=he_user, role=Role.LEADER, unit=org.publicity)
    return SimpleNamespace(zhou=zhou, zhou_user=zhou_user, he=he, he_user=he_user, lin=personas.people.lin)


@pytest.fixture
def exercise(personas, org, scorers) -> CadreExercise:
    p = personas.people
    return cadre_exercise_create(
        year=2026,
        unit=org.organ,
        title="2026年度中层干部考核",
        principal_leader=scorers.zhou,
        team_members=[scorers.lin, scorers.he],
        cadres=[p.bob, p.sam, p.wang, p.alice],
        by=personas.chief,
    )


def appraisee_ids(exercise: CadreExercise) -> dict[str, int]:
    return {a.person.name: a.pk for a in exercise.appraisees.select_related("person")}


def scores_by_name(exercise: CadreExercise, values: dict[str, str | None]) -> dict[int, Decimal | None]:
    ids = appraisee_ids(exercise)
    return {ids[name]: None if value is None else Decimal(value) for name, value in values.items()}


def record(person, kind: str, level: str, work_item: str, day: datetime.date, title: str = "表彰") -> Commendation:
    return Commendation.objects.create(
        person=person,
        kind=kind,
        level=level,
        title=title,
        work_item=work_item,
        awarded_on=day,
        document_number=f"区委发〔{day.year}〕{Commendation.objects.count() + 1}号",
    )


def run_poll(exercise: CadreExercise, actor, ballots: list[dict[str, str | None]], extra_codes: int = 0):
    """Issue a code per ballot (and `extra_codes` unused ones), open, cast, close."""
    poll = exercise.poll
    codes = poll_codes_issue(actor=actor, poll=poll, count=len(ballots) + extra_codes)
    poll_open(actor=actor, poll=poll)
    question = poll.questions.get()
    subjects = {s.person.name: s for s in poll.subjects.select_related("person")}
    for code, ballot in zip(codes, ballots, strict=False):
        ballot_cast(
            code=code,
            answers={(subjects[name].pk, question.pk): None if v is None else Decimal(v) for name, v in ballot.items()},
        )
    return poll_close(actor=actor, poll=poll)


BALLOTS = [
    {"李建国": "90", "孙明": "80", "王芳": "82", "张小丽": "70"},
    {"李建国": "90", "孙明": "80", "王芳": "83", "张小丽": "70"},
    {"李建国": "90", "孙明": "80", "王芳": "82.5", "张小丽": "71"},
]


def enter_scores(exercise: CadreExercise, personas, scorers) -> None:
    p = personas.people
    record(p.bob, Commendation.Kind.COMMENDATION, Commendation.Level.NATIONAL, "脱贫攻坚", datetime.date(2025, 6, 1))
    record(p.sam, Commendation.Kind.COMMENDATION, Commendation.Level.DISTRICT, "招商引资", datetime.date(2026, 3, 1))
    record(p.sam, Commendation.Kind.COMMENDATION, Commendation.Level.PROVINCE, "招商引资", datetime.date(2026, 5, 1))
    record(p.alice, Commendation.Kind.PENALTY, Commendation.Level.CITY, "安全生产", datetime.date(2026, 4, 1), "通报")
    cadre_work_scores_enter(
        exercise=exercise,
        scores=scores_by_name(exercise, {"李建国": "90", "孙明": "85", "王芳": "80", "张小丽": "80"}),
        by=personas.chief,
    )
    cadre_principal_scores_enter(
        exercise=exercise,
        scores=scores_by_name(exercise, {"李建国": "90", "孙明": "80", "王芳": "90", "张小丽": "70"}),
        by=scorers.zhou_user,
    )
    cadre_team_scores_enter(
        exercise=exercise,
        scores=scores_by_name(exercise, {"李建国": "90", "孙明": "80", "王芳": "85", "张小丽": "70"}),
        by=personas.lin,
    )
    cadre_team_scores_enter(
        exercise=exercise,
        scores=scores_by_name(exercise, {"李建国": "90", "孙明": "80", "王芳": "85", "张小丽": "71"}),
        by=scorers.he_user,
    )


@pytest.fixture
def scored(exercise, personas, scorers) -> CadreExercise:
    """Every component entered and the poll closed: ready to file."""
    enter_scores(exercise, personas, scorers)
    run_poll(exercise, personas.chief, BALLOTS)
    exercise.refresh_from_db()
    return exercise
