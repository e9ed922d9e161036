"""One code, one ballot, also when submissions race (R21: "20 concurrent submissions by one voter give one ballot"),
and no ballot lost when the poll closes while ballots are being cast. Real concurrent transactions need PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhibu_polls pytest reviews/tests/test_races.py
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from reviews.mass import mass_round_close, mass_round_create
from reviews.models import Ballot, MassRoundKind, Poll, Rectification, StagedBallot, VotingCode
from reviews.results import poll_results
from reviews.services import CodeRejected, PollError, ballot_cast, poll_close, poll_codes_issue, poll_open
from reviews.tests.conftest import subjects_and_question
from tests.concurrency import race

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _answers(poll, score):
    subjects, question = subjects_and_question(poll)
    return {(s.pk, question.pk): Decimal(score) for s in subjects}


def test_twenty_simultaneous_submissions_of_one_code_cast_one_ballot(personas, cadre_poll):
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=3)[0]
    poll_open(actor=personas.chief, poll=cadre_poll)

    outcomes = race(*(lambda s=score: ballot_cast(code=code, answers=_answers(cadre_poll, s)) for score in range(20)))

    refused = [o for o in outcomes if isinstance(o, CodeRejected)]
    assert outcomes.count(None) == 1 and len(refused) == 19, outcomes
    assert {o.reason for o in refused} == {"used"}
    assert StagedBallot.objects.filter(poll=cadre_poll).count() == 1
    assert VotingCode.objects.filter(poll=cadre_poll, used=True).count() == 1


def test_the_same_code_submitted_twice_at_once_through_the_page_gives_one_ballot_and_a_409(personas, cadre_poll):
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=3)[0]
    poll_open(actor=personas.chief, poll=cadre_poll)
    subjects, question = subjects_and_question(cadre_poll)
    data = {"code": code, **{f"s{s.pk}_q{question.pk}": "88" for s in subjects}}

    def submit():
        return Client().post(reverse("vote:submit"), data).status_code

    outcomes = race(submit, submit)

    assert sorted(outcomes) == [302, 409], outcomes
    assert StagedBallot.objects.filter(poll=cadre_poll).count() == 1


def test_closing_while_ballots_are_cast_loses_no_ballot(personas, cadre_poll):
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=12)
    poll_open(actor=personas.chief, poll=cadre_poll)

    def cast(code):
        return lambda: ballot_cast(code=code, answers=_answers(cadre_poll, 80))

    outcomes = race(*(cast(c) for c in codes), lambda: poll_close(actor=personas.chief, poll=cadre_poll))

    closed = outcomes[-1]
    assert isinstance(closed, Poll), outcomes
    accepted = outcomes[:-1].count(None)
    late = [o for o in outcomes[:-1] if isinstance(o, CodeRejected)]
    assert accepted + len(late) == len(codes), outcomes
    # Every ballot accepted is counted, and only those: none left in staging, none moved twice.
    assert closed.ballots_cast == accepted == Ballot.objects.filter(poll=cadre_poll).count()
    assert not StagedBallot.objects.exists() and not VotingCode.objects.exists()
    assert poll_results(closed).subjects[0].valid == accepted


def _mass_round_with_ballots(personas, org, marks):
    mass_round = mass_round_create(
        actor=personas.sam, organization=org.branch_1, kind=MassRoundKind.YEAR_END, year=2026
    )
    poll = mass_round.poll
    codes = poll_codes_issue(actor=personas.sam, poll=poll, count=len(marks))
    poll_open(actor=personas.sam, poll=poll)
    questions = list(poll.questions.all())
    subjects = list(poll.subjects.all())
    for code, mark in zip(codes, marks, strict=True):
        ballot_cast(
            code=code,
            answers={(s.pk, q.pk): mark for s in subjects for q in questions if q.applies_to_subject(s)},
        )
    return mass_round


def test_a_mass_round_closed_twice_at_once_opens_each_rectification_once(personas, org):
    mass_round = _mass_round_with_ballots(personas, org, ["unsatisfied"] * 3)

    outcomes = race(*(lambda: mass_round_close(actor=personas.sam, mass_round=mass_round) for _ in range(2)))

    assert sum(isinstance(o, PollError) for o in outcomes) == 1, outcomes
    # The branch and its four members: one rectification each, not two.
    assert Rectification.objects.filter(round=mass_round).count() == 5
