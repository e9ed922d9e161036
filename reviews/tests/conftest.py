"""Polls over the personas of the root conftest.py: a cadre poll of the organ run by the top officer (two cadres,
one score question) and a mass evaluation of 第一党支部 run by its secretary (the branch and a member, 满意度)."""

from decimal import Decimal

import pytest

from reviews.models import Poll, PollQuestion
from reviews.services import (
    ballot_cast,
    poll_close,
    poll_codes_issue,
    poll_create,
    poll_open,
    poll_question_add,
    poll_subject_add,
)


@pytest.fixture
def cadre_poll(personas, org):
    poll = poll_create(actor=personas.chief, title="2026年度中层干部民主测评", kind=Poll.Kind.CADRE, unit=org.organ)
    poll_subject_add(actor=personas.chief, poll=poll, label="", person=personas.people.bob)
    poll_subject_add(actor=personas.chief, poll=poll, label="", person=personas.people.lin)
    poll_question_add(actor=personas.chief, poll=poll, text="综合评价", kind=PollQuestion.Kind.SCORE)
    return poll


@pytest.fixture
def mass_poll(personas, org):
    poll = poll_create(actor=personas.sam, title="2026年一季度群众评议", kind=Poll.Kind.MASS, organization=org.branch_1)
    poll_subject_add(actor=personas.sam, poll=poll, label="", organization=org.branch_1)
    poll_subject_add(actor=personas.sam, poll=poll, label="", person=personas.people.alice)
    poll_question_add(actor=personas.sam, poll=poll, text="总体评价", kind=PollQuestion.Kind.SATISFACTION)
    return poll


def subjects_and_question(poll):
    """The poll's subjects in order and its first question."""
    return list(poll.subjects.all()), poll.questions.first()


def run_score_poll(poll, actor, ballots):
    """Issue one code per ballot, open, cast each ballot ({subject: score or None}), close; returns the poll."""
    codes = poll_codes_issue(actor=actor, poll=poll, count=len(ballots))
    poll_open(actor=actor, poll=poll)
    question = poll.questions.first()
    for code, ballot in zip(codes, ballots, strict=True):
        ballot_cast(
            code=code,
            answers={(s.pk, question.pk): Decimal(v) if v is not None else None for s, v in ballot.items()},
        )
    return poll_close(actor=actor, poll=poll)


# The Playwright page of tests/browser (CSP violations fail the test), for the participant's page in a real browser.
from tests.browser.conftest import page  # noqa: E402, F401
