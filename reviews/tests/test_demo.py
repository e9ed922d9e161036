"""The party-review demo data: built through the services, and a second run adds nothing."""

import datetime

import pytest

from reviews.demo import build_mass_demo, build_reviews_demo
from reviews.mass_selectors import round_results, statistics_sheet
from reviews.models import (
    DemocraticEvaluation,
    LeaderCommentary,
    MassEvaluationRound,
    Poll,
    PublicCommitment,
    Rectification,
    StarRating,
)

pytestmark = pytest.mark.django_db


def test_mass_demo_has_a_closed_round_with_its_rectification_and_a_round_for_this_quarter(personas, org, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 23, 9, 0))
    today = datetime.date(2026, 11, 23)

    build_mass_demo(today=today, secretary=personas.sam, branch=org.branch_1)
    build_mass_demo(today=today, secretary=personas.sam, branch=org.branch_1)

    closed, current = MassEvaluationRound.objects.order_by("period")
    assert (closed.year, closed.period, closed.poll.status) == (2026, 3, Poll.Status.CLOSED)
    assert (current.period, current.poll.status) == (4, Poll.Status.DRAFT)
    assert round_results(closed).turnout_reached
    [rectification] = Rectification.objects.all()
    assert rectification.reevaluation_due == datetime.date(2026, 12, 30)
    sheet = statistics_sheet(closed, org.branch_1)
    assert (sheet.meetings, sheet.participants, sheet.public_services) == (2, 21, 3)


def test_reviews_demo_builds_every_record_kind_through_the_services_once(personas, org, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 23, 9, 0))
    today = datetime.date(2026, 11, 23)

    for _run in range(2):
        build_reviews_demo(today=today, secretary=personas.sam, officer=personas.chief, branch=org.branch_1)

    last, current = DemocraticEvaluation.objects.order_by("year")
    assert (last.year, last.status, current.status) == (2025, "finalised", "open")
    assert last.members.exclude(result="").count() == 4
    assert PublicCommitment.objects.filter(year=2026).count() == 5
    assert StarRating.objects.filter(year=2025).count() == 4
    assert LeaderCommentary.objects.filter(year=2025).count() == 1
