"""Races on filing (备案, DOMAIN.md §6): two officers filing at once file once; a score entered while the exercise
is being filed either lands before the filing reads it (and is in the result) or is refused, never lost between.
Real concurrent transactions need PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhibu pytest appraisal/tests/test_cadre_races.py
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from appraisal.cadre_services import cadre_exercise_file, cadre_work_scores_enter
from appraisal.models import CadreAppraisee, CadreExercise, CadreResult
from core.models import AuditEvent
from core.roles import Role
from members.services import role_assign
from tests.concurrency import race
from tests.factories import PersonFactory, UserFactory

from .cadre_fixtures import PASSWORD, appraisee_ids, exercise, scored, scorers  # noqa: F401 (fixtures)

# ruff: noqa: F811 (the fixtures imported above are named again as test arguments)

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def second_officer(org):
    user = UserFactory(username="qian")
    PersonFactory(user=user, name="钱干事", unit=org.office)
    role_assign(user=user, role=Role.ORG_OFFICER, unit=org.organ)
    return user


def test_two_officers_filing_at_once_file_once(scored, personas, second_officer):
    outcomes = race(
        lambda: cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief),
        lambda: cadre_exercise_file(exercise=scored, password=PASSWORD, by=second_officer),
    )
    filed = [o for o in outcomes if isinstance(o, CadreExercise)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(filed) == 1 and len(refused) == 1, outcomes
    assert "备案，不能再修改" in " ".join(refused[0].messages)
    assert CadreResult.objects.count() == 4
    assert AuditEvent.objects.filter(action="cadre.file").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_a_score_entered_while_filing_is_in_the_result_or_refused(scored, personas, second_officer, attempt):
    sam = appraisee_ids(scored)["孙明"]
    outcomes = race(
        lambda: cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief),
        lambda: cadre_work_scores_enter(exercise=scored, scores={sam: Decimal("95")}, by=second_officer),
    )
    assert isinstance(outcomes[0], CadreExercise), outcomes
    stored = CadreAppraisee.objects.get(pk=sam).work_score
    assert CadreResult.objects.get(appraisee_id=sam).work_base == stored
    if isinstance(outcomes[1], ValidationError):
        assert stored == Decimal("85")
    else:
        assert outcomes[1] == 1 and stored == Decimal("95")
