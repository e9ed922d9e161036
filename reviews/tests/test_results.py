"""What a closed poll reports (DOMAIN.md §6, §7): valid, blank and invalid ballots, means, turnout, verdicts."""

from decimal import Decimal
from fractions import Fraction

import pytest

from reviews.models import Poll, PollQuestion, Satisfaction
from reviews.results import ResultsHidden, poll_results
from reviews.services import (
    ballot_cast,
    poll_close,
    poll_codes_issue,
    poll_create,
    poll_open,
    poll_question_add,
    poll_subject_add,
)
from reviews.tests.conftest import run_score_poll, subjects_and_question

pytestmark = pytest.mark.django_db


def test_results_are_hidden_until_the_poll_closes(personas, cadre_poll):
    with pytest.raises(ResultsHidden, match="投票结束后"):
        poll_results(cadre_poll)
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=1)
    poll_open(actor=personas.chief, poll=cadre_poll)
    subjects, question = subjects_and_question(cadre_poll)
    ballot_cast(code=codes[0], answers={(s.pk, question.pk): Decimal(90) for s in subjects})
    with pytest.raises(ResultsHidden):
        poll_results(cadre_poll)

    poll_close(actor=personas.chief, poll=cadre_poll)

    assert poll_results(cadre_poll).subjects[0].score == 90


def test_the_score_is_the_mean_of_valid_ballots(personas, cadre_poll):
    bob, lin = subjects_and_question(cadre_poll)[0]
    run_score_poll(
        cadre_poll, personas.chief, [{bob: "90", lin: "80"}, {bob: "85.5", lin: "70"}, {bob: "80", lin: "60.25"}]
    )

    results = poll_results(cadre_poll)

    assert results.subject_for_person(personas.people.bob.pk).score == Fraction(511, 6)
    assert results.subject_for_person(personas.people.lin.pk).score == Fraction(21025, 300)
    assert results.subject_for_person(personas.people.alice.pk) is None
    question = results.subject_for_person(personas.people.bob.pk).questions[0]
    assert (question.valid, question.minimum, question.maximum) == (3, Decimal("80.00"), Decimal("90.00"))


def test_blank_ballots_are_counted_and_excluded_from_the_mean(personas, cadre_poll):
    bob, lin = subjects_and_question(cadre_poll)[0]
    run_score_poll(cadre_poll, personas.chief, [{bob: "90", lin: "80"}, {bob: None, lin: "70"}, {}, {bob: "70"}])

    results = poll_results(cadre_poll)

    bob_result = results.subject_for_person(personas.people.bob.pk)
    assert (bob_result.valid, bob_result.blank, bob_result.invalid) == (2, 2, 0)
    assert bob_result.score == 80
    lin_result = results.subject_for_person(personas.people.lin.pk)
    assert (lin_result.valid, lin_result.blank, lin_result.invalid) == (2, 2, 0)
    assert lin_result.score == 75
    assert results.ballots_cast == 4


def test_a_subject_partly_marked_is_an_invalid_ballot_counted_and_excluded(personas, cadre_poll):
    bob = subjects_and_question(cadre_poll)[0][0]
    score = cadre_poll.questions.get()
    integrity = poll_question_add(actor=personas.chief, poll=cadre_poll, text="廉洁自律", kind=PollQuestion.Kind.SCORE)
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=3)
    poll_open(actor=personas.chief, poll=cadre_poll)
    ballot_cast(code=codes[0], answers={(bob.pk, score.pk): "90", (bob.pk, integrity.pk): "100"})
    ballot_cast(code=codes[1], answers={(bob.pk, score.pk): "10"})  # integrity left out: invalid for Bob
    ballot_cast(code=codes[2], answers={(bob.pk, score.pk): "80", (bob.pk, integrity.pk): "90"})
    poll_close(actor=personas.chief, poll=cadre_poll)

    bob_result = poll_results(cadre_poll).subject_for_person(personas.people.bob.pk)

    assert (bob_result.valid, bob_result.blank, bob_result.invalid) == (2, 0, 1)
    assert [q.mean for q in bob_result.questions] == [85, 95]
    assert bob_result.score == 90  # the mean per question, averaged over the two score questions


def test_turnout_below_two_thirds_marks_the_result_invalid(personas, org):
    outcomes = {}
    for cast in (2, 1):
        poll = poll_create(actor=personas.chief, title=f"测评{cast}", kind=Poll.Kind.CADRE, unit=org.organ)
        subject = poll_subject_add(actor=personas.chief, poll=poll, label="", person=personas.people.bob)
        question = poll_question_add(actor=personas.chief, poll=poll, text="综合评价", kind=PollQuestion.Kind.SCORE)
        codes = poll_codes_issue(actor=personas.chief, poll=poll, count=3)
        poll_open(actor=personas.chief, poll=poll)
        for code in codes[:cast]:
            ballot_cast(code=code, answers={(subject.pk, question.pk): "90"})
        poll_close(actor=personas.chief, poll=poll)
        outcomes[cast] = poll_results(poll)

    assert outcomes[2].turnout_reached and outcomes[2].turnout == Fraction(2, 3)
    assert not outcomes[1].turnout_reached and (outcomes[1].codes_issued, outcomes[1].ballots_cast) == (3, 1)


def test_trimmed_mean_drops_the_highest_and_the_lowest_score_when_chosen(personas, org):
    scores = ["100", "90", "85", "80", "20"]
    figures = {}
    for trimmed in (False, True):
        poll = poll_create(
            actor=personas.chief, title="测评", kind=Poll.Kind.CADRE, unit=org.organ, trimmed_mean=trimmed
        )
        subject = poll_subject_add(actor=personas.chief, poll=poll, label="", person=personas.people.bob)
        poll_question_add(actor=personas.chief, poll=poll, text="综合评价", kind=PollQuestion.Kind.SCORE)
        run_score_poll(poll, personas.chief, [{subject: s} for s in scores])
        figures[trimmed] = poll_results(poll).subjects[0]

    assert figures[False].score == 75
    assert figures[True].score == 85
    assert figures[False].questions[0].trimmed_mean == 85  # shown either way; used only when chosen


def test_satisfaction_results_follow_section_7(personas, mass_poll):
    branch, alice = subjects_and_question(mass_poll)[0]
    question = mass_poll.questions.get()
    S, B, U = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED
    marks = {branch: [S] * 5 + [B] * 3 + [U] * 2, alice: [S] * 2 + [B] * 2 + [U] * 6}
    codes = poll_codes_issue(actor=personas.sam, poll=mass_poll, count=11)
    poll_open(actor=personas.sam, poll=mass_poll)
    for i, code in enumerate(codes[:10]):
        ballot_cast(code=code, answers={(s.pk, question.pk): marks[s][i] for s in (branch, alice)})
    ballot_cast(code=codes[10], answers={})
    poll_close(actor=personas.sam, poll=mass_poll)

    results = poll_results(mass_poll)

    branch_result = results.subject_for_organization(mass_poll.organization_id)
    assert (branch_result.valid, branch_result.blank) == (10, 1)
    assert branch_result.verdict == Satisfaction.SATISFIED
    assert branch_result.satisfaction_rate == Fraction(4, 5)
    assert branch_result.questions[0].counts == {S: 5, B: 3, U: 2}
    alice_result = results.subject_for_person(personas.people.alice.pk)
    assert alice_result.verdict == Satisfaction.UNSATISFIED
    assert alice_result.satisfaction_rate == Fraction(2, 5)
    assert branch_result.score is None
