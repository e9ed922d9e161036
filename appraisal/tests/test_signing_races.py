"""Races on the 优秀 quota (DOMAIN.md §5; issue 4 acceptance): two leaders signing the same group at once, or two
corrections racing for the last place, never end over the quota. Real concurrent transactions need PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhibu pytest appraisal/tests/test_signing_races.py
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from appraisal.models import Delegation, Grade, Rating
from appraisal.rules import excellent_quota, rules_for_year
from appraisal.services import RatingEntry, current_ratings, group_add, group_sign, rating_revise
from appraisal.tests.conftest import Q1_END, write_summary
from tests.concurrency import race
from tests.factories import PersonFactory

PASSWORD = "pw-for-tests-1"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def seven(personas, cycle, org):
    """Seven appraised: 15% of 7 rounded down leaves exactly one 优秀."""
    people = [personas.people.alice, *PersonFactory.create_batch(6, unit=org.office)]
    group = group_add(cycle=cycle, name="七人组", leader=personas.lin, people=people, by=personas.chief)
    for person in people:
        write_summary(person)
    return group


def _current_excellent(group) -> int:
    return sum(1 for r in current_ratings(group, 1).values() if r.grade == Grade.EXCELLENT)


def test_two_leaders_signing_the_same_group_at_once_sign_it_once_within_the_quota(personas, seven):
    # Lin and the leader acting for him (代签) open the page together; each gives 优秀 to a different person.
    Delegation.objects.create(leader=personas.lin, acting=personas.chief, starts_on=datetime.date(2026, 3, 1),
                              ends_on=datetime.date(2026, 4, 30), reason="出差")  # fmt: skip
    appraisees = list(seven.appraisees.order_by("pk"))

    def sign(by, excellent):
        entries = {a.pk: RatingEntry(Grade.EXCELLENT if a == excellent else Grade.COMPETENT, "认真")
                   for a in appraisees}  # fmt: skip
        return lambda: group_sign(group=seven, period=1, entries=entries, password=PASSWORD, by=by, today=Q1_END)

    outcomes = race(sign(personas.lin, appraisees[0]), sign(personas.chief, appraisees[1]))

    signed = [o for o in outcomes if isinstance(o, list)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(signed) == 1 and len(refused) == 1, outcomes
    assert "已签署，不能重复签署" in refused[0].messages[0]
    assert Rating.objects.filter(group=seven).count() == len(appraisees)
    assert _current_excellent(seven) <= excellent_quota(len(appraisees), rules_for_year(2026)) == 1


def test_two_corrections_racing_for_the_last_excellent_place_never_exceed_the_quota(personas, seven):
    appraisees = list(seven.appraisees.order_by("pk"))
    entries = {a.pk: RatingEntry(Grade.COMPETENT, "认真") for a in appraisees}
    signed = group_sign(group=seven, period=1, entries=entries, password=PASSWORD, by=personas.lin, today=Q1_END)
    ratings = {r.appraisee_id: r for r in signed}

    def revise(appraisee):
        return lambda: rating_revise(
            rating=ratings[appraisee.pk],
            grade=Grade.EXCELLENT,
            opinion="表现突出",
            reason="补充材料后重新评定",
            password=PASSWORD,
            by=personas.lin,
            today=Q1_END,
        )

    outcomes = race(revise(appraisees[0]), revise(appraisees[1]))

    revised = [o for o in outcomes if isinstance(o, Rating)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(revised) == 1 and len(refused) == 1, outcomes
    assert "超出名额" in refused[0].messages[0]
    assert _current_excellent(seven) == 1
    assert Rating.objects.filter(group=seven).count() == len(appraisees) + 1
