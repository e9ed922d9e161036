"""Setting up, running and closing a poll through reviews.services (DOMAIN.md §7; issue 5 item 1)."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from core.audit import audit_events_for
from reviews.codes import code_hash, code_normalise
from reviews.mass import mass_round_create
from reviews.models import Answer, Ballot, MassRoundKind, Poll, PollQuestion, Satisfaction, StagedBallot, VotingCode
from reviews.services import (
    CodeRejected,
    PollError,
    ballot_cast,
    ballot_poll_for_code,
    poll_close,
    poll_codes_issue,
    poll_codes_void_unused,
    poll_create,
    poll_open,
    poll_question_add,
    poll_question_remove,
    poll_subject_add,
    poll_subject_remove,
)
from reviews.tests.conftest import subjects_and_question

pytestmark = pytest.mark.django_db


def _score_ballot(poll, *scores):
    subjects, question = subjects_and_question(poll)
    return {(s.pk, question.pk): Decimal(v) for s, v in zip(subjects, scores, strict=False)}


def test_code_casts_one_ballot_only(personas, cadre_poll):
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=1)[0]
    poll_open(actor=personas.chief, poll=cadre_poll)

    ballot_cast(code=code, answers=_score_ballot(cadre_poll, 90, 80))
    with pytest.raises(CodeRejected) as refused:
        ballot_cast(code=code, answers=_score_ballot(cadre_poll, 10, 10))

    assert refused.value.reason == "used"
    assert "已经投过票" in refused.value.message
    assert StagedBallot.objects.filter(poll=cadre_poll).count() == 1
    with pytest.raises(CodeRejected, match="已经投过票"):
        ballot_poll_for_code(code)


def test_a_code_is_typed_in_any_case_with_or_without_the_dash(personas, cadre_poll):
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=1)[0]
    poll_open(actor=personas.chief, poll=cadre_poll)

    assert ballot_poll_for_code(f" {code.replace('-', ' ').lower()} ") == cadre_poll


def test_unknown_and_malformed_codes_are_rejected(personas, cadre_poll):
    poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=2)
    poll_open(actor=personas.chief, poll=cadre_poll)

    for code in ("ABCDE-FGHJK", "not a code", ""):
        with pytest.raises(CodeRejected, match="投票码不正确") as refused:
            ballot_cast(code=code, answers={})
        assert refused.value.reason == "unknown"
    assert not StagedBallot.objects.exists()


def test_codes_vote_only_while_the_poll_is_open(personas, cadre_poll):
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=2)[0]
    with pytest.raises(CodeRejected, match="投票尚未开始"):
        ballot_cast(code=code, answers=_score_ballot(cadre_poll, 90, 80))

    poll_open(actor=personas.chief, poll=cadre_poll)
    poll_close(actor=personas.chief, poll=cadre_poll)

    # The code rows are gone with the close: the code is simply no longer known.
    with pytest.raises(CodeRejected):
        ballot_cast(code=code, answers=_score_ballot(cadre_poll, 90, 80))
    assert cadre_poll.ballots_cast == 0


def test_a_refused_ballot_does_not_use_up_the_code(personas, cadre_poll):
    code = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=1)[0]
    poll_open(actor=personas.chief, poll=cadre_poll)

    with pytest.raises(PollError, match="0 到 100"):
        ballot_cast(code=code, answers=_score_ballot(cadre_poll, 90, "100.5"))
    ballot_cast(code=code, answers=_score_ballot(cadre_poll, 90, 100))

    assert VotingCode.objects.get(poll=cadre_poll).used


@pytest.mark.parametrize(
    "bad_answer",
    ["three decimals", "satisfaction on a score question", "unknown subject", "question not for this subject"],
)
def test_marks_that_are_not_possible_answers_are_refused(personas, org, mass_poll, bad_answer):
    branch, alice = subjects_and_question(mass_poll)[0]
    overall = mass_poll.questions.get()
    score = poll_question_add(actor=personas.sam, poll=mass_poll, text="履职评分", kind=PollQuestion.Kind.SCORE)
    for_people = poll_question_add(
        actor=personas.sam, poll=mass_poll, text="五带头", kind=PollQuestion.Kind.SATISFACTION,
        applies_to=PollQuestion.AppliesTo.PERSON,
    )  # fmt: skip
    code = poll_codes_issue(actor=personas.sam, poll=mass_poll, count=1)[0]
    poll_open(actor=personas.sam, poll=mass_poll)
    answers = {
        "three decimals": {(alice.pk, score.pk): "85.555"},
        "satisfaction on a score question": {(alice.pk, score.pk): Satisfaction.SATISFIED},
        "unknown subject": {(999_999, overall.pk): Satisfaction.SATISFIED},
        "question not for this subject": {(branch.pk, for_people.pk): Satisfaction.SATISFIED},
    }[bad_answer]

    with pytest.raises(PollError):
        ballot_cast(code=code, answers=answers)
    assert not StagedBallot.objects.exists()
    assert not VotingCode.objects.get(poll=mass_poll).used


def test_subjects_and_questions_are_fixed_once_voting_starts(personas, cadre_poll):
    poll_open(actor=personas.chief, poll=cadre_poll)

    with pytest.raises(PollError, match="投票已经开始"):
        poll_subject_add(actor=personas.chief, poll=cadre_poll, label="", person=personas.people.alice)
    with pytest.raises(PollError, match="投票已经开始"):
        poll_question_add(actor=personas.chief, poll=cadre_poll, text="廉洁", kind=PollQuestion.Kind.SCORE)
    assert cadre_poll.subjects.count() == 2 and cadre_poll.questions.count() == 1


def test_a_poll_opens_only_with_subjects_each_having_a_question(personas, org):
    poll = poll_create(actor=personas.sam, title="评议", kind=Poll.Kind.MASS, organization=org.branch_1)
    with pytest.raises(PollError, match="请先添加测评对象"):
        poll_open(actor=personas.sam, poll=poll)
    poll_subject_add(actor=personas.sam, poll=poll, label="", organization=org.branch_1)
    poll_question_add(
        actor=personas.sam, poll=poll, text="五带头", kind=PollQuestion.Kind.SATISFACTION,
        applies_to=PollQuestion.AppliesTo.PERSON,
    )  # fmt: skip
    with pytest.raises(PollError, match="第一党支部"):
        poll_open(actor=personas.sam, poll=poll)


def test_a_subject_is_added_once(personas, cadre_poll):
    with pytest.raises(PollError, match="已是本测评的对象"):
        poll_subject_add(actor=personas.chief, poll=cadre_poll, label="", person=personas.people.bob)


def test_codes_are_stored_only_as_keyed_hashes(personas, cadre_poll):
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=30)

    assert len(set(codes)) == 30
    stored = list(VotingCode.objects.filter(poll=cadre_poll).values())
    assert {row["code_hash"] for row in stored} == {code_hash(code_normalise(c)) for c in codes}
    dump = json.dumps(stored, default=str)
    assert not any(c in dump or code_normalise(c) in dump for c in codes)
    cadre_poll.refresh_from_db()
    assert cadre_poll.codes_issued == 30


def test_unused_codes_are_voided_while_draft(personas, cadre_poll):
    lost = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=5)

    assert poll_codes_void_unused(actor=personas.chief, poll=cadre_poll) == 5
    assert cadre_poll.codes_issued == 0
    fresh = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=3)
    poll_open(actor=personas.chief, poll=cadre_poll)
    with pytest.raises(CodeRejected, match="投票码不正确"):
        ballot_poll_for_code(lost[0])
    assert ballot_poll_for_code(fresh[0]) == cadre_poll
    with pytest.raises(PollError, match="投票已经开始"):
        poll_codes_void_unused(actor=personas.chief, poll=cadre_poll)


def test_close_moves_staged_ballots_deletes_codes_and_freezes_the_counts(personas, cadre_poll):
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=4)
    poll_open(actor=personas.chief, poll=cadre_poll)
    # Codes may also be issued after voting has started, e.g. for latecomers.
    codes += poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=1)
    ballot_cast(code=codes[0], answers=_score_ballot(cadre_poll, 90, 80))
    ballot_cast(code=codes[4], answers=_score_ballot(cadre_poll, "70.5"))
    ballot_cast(code=codes[2], answers={})

    poll_close(actor=personas.chief, poll=cadre_poll)

    assert cadre_poll.status == Poll.Status.CLOSED and cadre_poll.closed_at is not None
    assert (cadre_poll.codes_issued, cadre_poll.ballots_cast) == (5, 3)
    assert Ballot.objects.filter(poll=cadre_poll).count() == 3
    assert sorted(Answer.objects.filter(ballot__poll=cadre_poll).values_list("score", flat=True)) == [
        Decimal("70.50"), Decimal("80.00"), Decimal("90.00"),
    ]  # fmt: skip
    assert not StagedBallot.objects.exists()
    assert not VotingCode.objects.exists()
    with pytest.raises(PollError, match="只有投票中的测评可以结束"):
        poll_close(actor=personas.chief, poll=cadre_poll)


def test_audit_records_counts_but_never_codes_or_marks(personas, cadre_poll):
    codes = poll_codes_issue(actor=personas.chief, poll=cadre_poll, count=2)
    poll_open(actor=personas.chief, poll=cadre_poll)
    ballot_cast(code=codes[0], answers=_score_ballot(cadre_poll, "87.25", "61.75"))
    poll_close(actor=personas.chief, poll=cadre_poll)

    events = list(audit_events_for(cadre_poll).values("action", "summary", "data"))
    actions = [e["action"] for e in events]
    assert {"poll.create", "poll.codes_issue", "poll.open", "poll.close"} <= set(actions)
    close = next(e for e in events if e["action"] == "poll.close")
    assert close["data"] == {"codes_issued": 2, "ballots_cast": 1}
    dump = json.dumps(events, ensure_ascii=False)
    for secret in (*codes, *(code_normalise(c) for c in codes), "87.25", "61.75"):
        assert secret not in dump


def test_only_organisers_in_scope_set_up_polls(personas, org):
    # Olga is an officer of 第一党总支 only: organisation polls there, no unit polls.
    with pytest.raises(PermissionDenied):
        poll_create(actor=personas.olga, title="测评", kind=Poll.Kind.CADRE, unit=org.office)
    assert poll_create(actor=personas.olga, title="评议", kind=Poll.Kind.MASS, organization=org.branch_1)
    # Sam is secretary of 第一党支部: not of 第二党支部, nor of the general branch above his own.
    for organization in (org.branch_2, org.general_1):
        with pytest.raises(PermissionDenied):
            poll_create(actor=personas.sam, title="评议", kind=Poll.Kind.MASS, organization=organization)
    # A unit head organises nothing.
    with pytest.raises(PermissionDenied):
        poll_create(actor=personas.bob, title="测评", kind=Poll.Kind.CADRE, unit=org.office)


def test_someone_outside_the_poll_cannot_run_it(personas, cadre_poll):
    with pytest.raises(PermissionDenied):
        poll_open(actor=personas.sam, poll=cadre_poll)
    with pytest.raises(PermissionDenied):
        poll_codes_issue(actor=personas.olga, poll=cadre_poll, count=1)
    cadre_poll.refresh_from_db()
    assert cadre_poll.status == Poll.Status.DRAFT and cadre_poll.codes_issued == 0


def test_a_poll_belongs_to_a_unit_or_an_organisation(personas, org):
    with pytest.raises(PollError, match="二选一"):
        poll_create(actor=personas.chief, title="测评", kind=Poll.Kind.CADRE)
    with pytest.raises(PollError, match="二选一"):
        poll_create(
            actor=personas.chief, title="测评", kind=Poll.Kind.CADRE, unit=org.office, organization=org.branch_1
        )


def test_the_subjects_and_questions_of_a_managed_poll_change_only_through_its_manager(personas, org):
    """A mass-evaluation round sets its poll's subjects and the §7 aspects (DOMAIN.md §7); the poll services refuse
    the same edits from anywhere else, not only the poll pages."""
    mass_round = mass_round_create(
        actor=personas.sam, organization=org.branch_1, kind=MassRoundKind.YEAR_END, year=2026
    )
    poll = mass_round.poll

    with pytest.raises(PollError, match=r"由“.*”确定"):
        poll_subject_add(actor=personas.sam, poll=poll, label="外来对象")
    with pytest.raises(PollError, match=r"由“.*”确定"):
        poll_question_add(actor=personas.sam, poll=poll, text="另加的题", kind=PollQuestion.Kind.SATISFACTION)
    with pytest.raises(PollError, match=r"由“.*”确定"):
        poll_question_remove(actor=personas.sam, question=poll.questions.first())
    with pytest.raises(PollError, match=r"由“.*”确定"):
        poll_subject_remove(actor=personas.sam, subject=poll.subjects.first())
