"""民主评议党员 (DOMAIN.md §7): opening a branch's year, self-evaluations, the anonymous mutual evaluation, the
branch's decisions, finalisation, and the counts per result with the pass rate for a branch and a subtree.

第一党支部 has 张小丽 (alice), 李建国 (bob), 欧阳静 (olga) and 孙明 (sam, its secretary); 第二党支部 has 王芳 (wang).
"""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.utils import timezone

from branches.models import PartyOrganization
from core.audit import audit_events_for
from core.models import AUDIT_ACTION_LABELS
from reviews.democratic import (
    DemocraticError,
    democratic_evaluation_create,
    democratic_evaluation_finalise,
    member_result_decide,
    members_date,
    self_evaluation_save,
)
from reviews.democratic_selectors import ResultCounts, democratic_statistics, evaluation_table, pass_rate
from reviews.models import DemocraticEvaluation, MemberGrade, Poll, PollQuestion
from reviews.results import ResultsHidden, poll_results
from reviews.services import PollError, ballot_cast, poll_close, poll_codes_issue, poll_open
from tests.concurrency import race
from tests.factories import MembershipFactory, PersonFactory

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def evaluation(personas, org):
    return democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=YEAR)


def member_of(evaluation, person):
    return evaluation.members.select_related("person", "evaluation").get(person=person)


def decide_all(evaluation, actor, results: dict[str, str]):
    """{name: result} for every member, each with a reason."""
    for member in evaluation.members.select_related("person", "evaluation"):
        member_result_decide(
            actor=actor, member_evaluation=member, result=results[member.person.name], reason="对照党员标准评定"
        )


# ---- Opening ------------------------------------------------------------------------------------------------------


def test_opening_lists_the_branchs_party_members_and_sets_up_the_anonymous_mutual_poll(personas, org, evaluation):
    assert {m.person.name for m in evaluation.members.select_related("person")} == {"张小丽", "李建国", "欧阳静",
                                                                                      "孙明"}  # fmt: skip
    assert all(m.result == "" and m.self_evaluation == "" for m in evaluation.members.all())
    poll = evaluation.mutual_poll
    assert (poll.kind, poll.organization, poll.status) == (Poll.Kind.MEMBER, org.branch_1, Poll.Status.DRAFT)
    assert poll.title == "第一党支部2025年度民主评议党员互评"
    assert {s.person_id for s in poll.subjects.all()} == {m.person_id for m in evaluation.members.all()}
    (question,) = poll.questions.all()
    assert (question.text, question.kind, question.applies_to) == ("评定等次", PollQuestion.Kind.GRADE, "person")
    assert [e.action for e in audit_events_for(evaluation)] == ["democratic.create"]


def test_members_are_those_of_the_branch_at_the_end_of_the_year(personas, org):
    late = MembershipFactory(person=PersonFactory(name="新党员"), branch=org.branch_1, stage="probationary",
                             admitted_on=datetime.date(2026, 1, 10), full_on=None)  # fmt: skip
    left = MembershipFactory(person=PersonFactory(name="转出党员"), branch=org.branch_1,
                             left_on=datetime.date(2025, 6, 30))  # fmt: skip
    stays = MembershipFactory(person=PersonFactory(name="年底转出"), branch=org.branch_1,
                              left_on=datetime.date(2026, 1, 5))  # fmt: skip

    evaluation = democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=YEAR)

    people = set(evaluation.members.values_list("person_id", flat=True))
    assert stays.person_id in people and late.person_id not in people and left.person_id not in people


def test_the_members_date_is_the_end_of_the_year_or_today_while_it_runs():
    assert members_date(2025, datetime.date(2026, 12, 7)) == datetime.date(2025, 12, 31)
    assert members_date(2026, datetime.date(2026, 12, 7)) == datetime.date(2026, 12, 7)


def test_an_officer_covering_the_branch_may_open_it_and_others_may_not(personas, org):
    for outsider in (personas.alice, personas.bob):
        with pytest.raises(DemocraticError, match="书记"):
            democratic_evaluation_create(actor=outsider, branch=org.branch_1, year=YEAR)
    with pytest.raises(DemocraticError, match="书记"):
        democratic_evaluation_create(actor=personas.sam, branch=org.branch_2, year=YEAR)
    assert democratic_evaluation_create(actor=personas.olga, branch=org.branch_1, year=YEAR).branch == org.branch_1
    assert not Poll.objects.filter(organization=org.branch_2).exists()


def test_an_evaluation_is_opened_for_a_branch_only(personas, org):
    with pytest.raises(DemocraticError, match="以党支部为单位"):
        democratic_evaluation_create(actor=personas.chief, branch=org.general_1, year=YEAR)


def test_a_branch_is_evaluated_once_a_year(personas, org, evaluation):
    with pytest.raises(DemocraticError, match="第一党支部2025年度的民主评议党员已经建立"):
        democratic_evaluation_create(actor=personas.olga, branch=org.branch_1, year=YEAR)
    assert democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=YEAR - 1).year == YEAR - 1


def test_a_year_not_yet_begun_is_refused(personas, org):
    next_year = timezone.localdate().year + 1
    with pytest.raises(DemocraticError, match="年度须在"):
        democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=next_year)


def test_a_branch_without_members_cannot_be_evaluated_and_nothing_is_left_behind(personas, org):
    empty = PartyOrganization.objects.create(
        name="第三党支部", kind=PartyOrganization.Kind.BRANCH, parent=org.general_1
    )
    with pytest.raises(DemocraticError, match="没有党员"):
        democratic_evaluation_create(actor=personas.olga, branch=empty, year=YEAR)
    assert not DemocraticEvaluation.objects.exists() and not Poll.objects.exists()


# ---- Self-evaluation ----------------------------------------------------------------------------------------------


def test_only_the_member_writes_their_self_evaluation(personas, evaluation):
    alice = member_of(evaluation, personas.people.alice)

    self_evaluation_save(actor=personas.alice, member_evaluation=alice, text="  认真学习，按时缴纳党费。 ")
    self_evaluation_save(actor=personas.alice, member_evaluation=alice, text="认真学习，按时缴纳党费，带头完成任务。")

    alice.refresh_from_db()
    assert alice.self_evaluation == "认真学习，按时缴纳党费，带头完成任务。" and alice.self_evaluated_at is not None
    events = list(audit_events_for(alice).order_by("pk"))
    assert [e.action for e in events] == ["democratic.self_evaluate"] * 2 and events[1].data["rewritten"] is True
    for other in (personas.sam, personas.chief):  # not even the secretary or the officer
        with pytest.raises(DemocraticError, match="党员本人"):
            self_evaluation_save(actor=other, member_evaluation=alice, text="代写")


def test_an_empty_self_evaluation_is_refused(personas, evaluation):
    with pytest.raises(DemocraticError, match="请填写自我评价"):
        self_evaluation_save(actor=personas.alice, member_evaluation=member_of(evaluation, personas.people.alice),
                             text="   ")  # fmt: skip


# ---- Decisions ----------------------------------------------------------------------------------------------------


def test_a_decision_needs_one_of_the_four_results_and_a_reason(personas, evaluation):
    bob = member_of(evaluation, personas.people.bob)
    with pytest.raises(DemocraticError, match="请填写李建国的评定理由"):
        member_result_decide(actor=personas.sam, member_evaluation=bob, result=MemberGrade.QUALIFIED, reason=" ")
    with pytest.raises(DemocraticError, match="优秀、合格、基本合格或不合格"):
        member_result_decide(actor=personas.sam, member_evaluation=bob, result="satisfied", reason="理由")
    bob.refresh_from_db()
    assert bob.result == "" and bob.decided_at is None


def test_a_decision_can_be_changed_before_finalisation_and_each_change_is_audited(personas, evaluation):
    bob = member_of(evaluation, personas.people.bob)

    member_result_decide(actor=personas.sam, member_evaluation=bob, result=MemberGrade.BASIC, reason="学习不够经常")
    member_result_decide(actor=personas.olga, member_evaluation=bob, result=MemberGrade.QUALIFIED, reason="已改进")

    bob.refresh_from_db()
    assert (bob.result, bob.reason, bob.decided_by) == (MemberGrade.QUALIFIED, "已改进", personas.olga)
    first, second = audit_events_for(bob).order_by("pk")
    assert first.data == {"old": {"result": "", "reason": ""},
                          "new": {"result": "basic_qualified", "reason": "学习不够经常"}}  # fmt: skip
    assert second.data["old"] == {"result": "basic_qualified", "reason": "学习不够经常"}
    assert second.actor == personas.olga


def test_only_an_organiser_of_the_branch_decides(personas, org, evaluation):
    bob = member_of(evaluation, personas.people.bob)
    for actor in (personas.alice, personas.bob):
        with pytest.raises(DemocraticError, match="书记"):
            member_result_decide(actor=actor, member_evaluation=bob, result=MemberGrade.EXCELLENT, reason="自评优秀")
    other = democratic_evaluation_create(actor=personas.chief, branch=org.branch_2, year=YEAR)
    with pytest.raises(DemocraticError, match="书记"):
        member_result_decide(actor=personas.sam, member_evaluation=member_of(other, personas.people.wang),
                             result=MemberGrade.UNQUALIFIED, reason="越权")  # fmt: skip


# ---- Finalisation -------------------------------------------------------------------------------------------------


def test_finalising_needs_every_member_decided(personas, evaluation):
    member_result_decide(actor=personas.sam, member_evaluation=member_of(evaluation, personas.people.bob),
                         result=MemberGrade.QUALIFIED, reason="合格")  # fmt: skip
    with pytest.raises(DemocraticError, match="尚未评定结果") as refused:
        democratic_evaluation_finalise(actor=personas.sam, evaluation=evaluation)
    assert all(name in refused.value.message for name in ("张小丽", "欧阳静", "孙明"))
    assert "李建国" not in refused.value.message
    evaluation.refresh_from_db()
    assert evaluation.status == DemocraticEvaluation.Status.OPEN


def test_finalising_waits_for_the_mutual_vote_to_close(personas, evaluation):
    decide_all(evaluation, personas.sam, dict.fromkeys(["张小丽", "李建国", "欧阳静", "孙明"], MemberGrade.QUALIFIED))
    poll_codes_issue(actor=personas.sam, poll=evaluation.mutual_poll, count=4)
    poll_open(actor=personas.sam, poll=evaluation.mutual_poll)
    with pytest.raises(DemocraticError, match="投票尚未结束"):
        democratic_evaluation_finalise(actor=personas.sam, evaluation=evaluation)

    poll_close(actor=personas.sam, poll=evaluation.mutual_poll)
    democratic_evaluation_finalise(actor=personas.sam, evaluation=evaluation)

    assert (evaluation.status, evaluation.finalised_by) == (DemocraticEvaluation.Status.FINALISED, personas.sam)
    event = audit_events_for(evaluation).get(action="democratic.finalise")
    assert event.data["counts"] == {"excellent": 0, "qualified": 4, "basic_qualified": 0, "unqualified": 0}


def test_a_finalised_evaluation_refuses_every_change(personas, evaluation):
    decide_all(evaluation, personas.sam, dict.fromkeys(["张小丽", "李建国", "欧阳静", "孙明"], MemberGrade.QUALIFIED))
    democratic_evaluation_finalise(actor=personas.sam, evaluation=evaluation)
    alice = member_of(evaluation, personas.people.alice)

    with pytest.raises(DemocraticError, match="已经确定"):
        member_result_decide(actor=personas.sam, member_evaluation=alice, result=MemberGrade.EXCELLENT, reason="改")
    with pytest.raises(DemocraticError, match="已经确定"):
        self_evaluation_save(actor=personas.alice, member_evaluation=alice, text="补写")
    with pytest.raises(DemocraticError, match="已经确定"):
        democratic_evaluation_finalise(actor=personas.sam, evaluation=evaluation)
    alice.refresh_from_db()
    assert (alice.result, alice.self_evaluation) == (MemberGrade.QUALIFIED, "")


def test_every_democratic_action_has_a_label_in_the_audit_log():
    for action in ("democratic.create", "democratic.self_evaluate", "democratic.decide", "democratic.finalise"):
        assert action in AUDIT_ACTION_LABELS


# ---- Pass rate and statistics ---------------------------------------------------------------------------------


def test_pass_rate_counts_everyone_not_unqualified():
    counts = {"excellent": 1, "qualified": 1, "basic_qualified": 1, "unqualified": 1}
    assert pass_rate(counts) == Fraction(3, 4)  # 基本合格 passes
    assert ResultCounts(counts=counts).pass_percent == Decimal("75.00")


def test_pass_rate_leaves_undecided_members_out_of_both_sides():
    counts = ResultCounts(counts={"excellent": 0, "qualified": 2, "basic_qualified": 0, "unqualified": 1}, undecided=1)
    assert (counts.total, counts.decided, counts.passed) == (4, 3, 2)
    assert counts.pass_rate == Fraction(2, 3) and counts.pass_percent == Decimal("66.67")


def test_pass_rate_of_nobody_decided_is_none_not_zero():
    assert pass_rate(dict.fromkeys(MemberGrade.values, 0)) is None
    assert ResultCounts(undecided=4).pass_percent is None


def test_pass_rate_is_exact_and_shown_to_two_places_half_up():
    # 29 of 32 is 90.625 %: half up gives 90.63 (rounding half to even would give 90.62).
    assert pass_rate({"qualified": 29, "unqualified": 3}) == Fraction(29, 32)
    assert ResultCounts.of(["qualified"] * 29 + ["unqualified"] * 3).pass_percent == Decimal("90.63")


def test_branch_statistics_count_each_result_and_the_undecided(personas, org, evaluation):
    for person, result in ((personas.people.alice, MemberGrade.EXCELLENT), (personas.people.bob, MemberGrade.BASIC),
                           (personas.people.olga, MemberGrade.UNQUALIFIED)):  # fmt: skip
        member_result_decide(actor=personas.sam, member_evaluation=member_of(evaluation, person), result=result,
                             reason="支部评定")  # fmt: skip

    statistics = democratic_statistics(organization=org.branch_1, year=YEAR)

    (branch,) = statistics.branches
    assert branch.evaluation == evaluation and branch.status_label == "进行中"
    assert branch.counts.counts == {"excellent": 1, "qualified": 0, "basic_qualified": 1, "unqualified": 1}
    assert (branch.counts.undecided, branch.counts.total, branch.counts.pass_percent) == (1, 4, Decimal("66.67"))
    assert statistics.total == branch.counts


def test_subtree_statistics_add_up_the_branches_and_list_those_not_evaluated(personas, org, evaluation):
    decide_all(evaluation, personas.sam, {"张小丽": MemberGrade.EXCELLENT, "李建国": MemberGrade.QUALIFIED,
                                          "欧阳静": MemberGrade.QUALIFIED, "孙明": MemberGrade.BASIC})  # fmt: skip
    democratic_evaluation_finalise(actor=personas.sam, evaluation=evaluation)

    before = democratic_statistics(organization=org.committee, year=YEAR)
    assert [(b.branch.name, b.status_label) for b in before.branches] == [("第一党支部", "已确定结果"),
                                                                          ("第二党支部", "未开展")]  # fmt: skip
    assert (before.evaluated, before.finalised, before.total.total) == (1, 1, 4)
    assert before.total.pass_percent == Decimal("100.00")

    second = democratic_evaluation_create(actor=personas.chief, branch=org.branch_2, year=YEAR)
    member_result_decide(actor=personas.chief, member_evaluation=member_of(second, personas.people.wang),
                         result=MemberGrade.UNQUALIFIED, reason="长期不参加组织生活")  # fmt: skip
    after = democratic_statistics(organization=org.committee, year=YEAR)

    assert after.total.counts == {"excellent": 1, "qualified": 2, "basic_qualified": 1, "unqualified": 1}
    assert after.total == after.branches[0].counts + after.branches[1].counts
    assert after.total.pass_percent == Decimal("80.00")
    assert democratic_statistics(organization=org.committee, year=YEAR - 1).total.total == 0


# ---- The mutual evaluation ---------------------------------------------------------------------------------------


def _vote(evaluation, actor, ballots: list[dict[str, str]]):
    """One code per ballot ({name: grade}); the poll is opened and the ballots cast, not closed."""
    poll = evaluation.mutual_poll
    codes = poll_codes_issue(actor=actor, poll=poll, count=len(ballots))
    poll_open(actor=actor, poll=poll)
    question = poll.questions.get()
    subjects = {s.label: s for s in poll.subjects.all()}
    for code, ballot in zip(codes, ballots, strict=True):
        ballot_cast(code=code, answers={(subjects[name].pk, question.pk): grade for name, grade in ballot.items()})
    return poll


def test_mutual_grades_are_hidden_while_voting_and_counted_per_member_after_close(personas, evaluation):
    everyone = ["张小丽", "李建国", "欧阳静", "孙明"]
    ballots = [
        dict.fromkeys(everyone, MemberGrade.EXCELLENT),
        {**dict.fromkeys(everyone, MemberGrade.QUALIFIED), "欧阳静": MemberGrade.UNQUALIFIED},
        {**dict.fromkeys(everyone, MemberGrade.QUALIFIED), "孙明": MemberGrade.BASIC},
        {"张小丽": MemberGrade.EXCELLENT},  # blank for the others
    ]
    poll = _vote(evaluation, personas.sam, ballots)

    table = evaluation_table(evaluation)
    assert table.mutual_results is None and all(row.mutual is None for row in table.rows)
    with pytest.raises(ResultsHidden):
        poll_results(poll)

    poll_close(actor=personas.sam, poll=poll)
    evaluation.refresh_from_db()
    rows = {row.member.person.name: row for row in evaluation_table(evaluation).rows}

    assert rows["张小丽"].mutual == {"excellent": 2, "qualified": 2, "basic_qualified": 0, "unqualified": 0}
    assert rows["欧阳静"].mutual_in_order == [1, 1, 0, 1] and rows["欧阳静"].mutual_valid == 3
    assert rows["孙明"].mutual_in_order == [1, 1, 1, 0]
    assert evaluation_table(evaluation).mutual_results.turnout_reached


def test_a_mutual_ballot_takes_only_the_four_grades(personas, evaluation):
    poll = evaluation.mutual_poll
    (code,) = poll_codes_issue(actor=personas.sam, poll=poll, count=1)
    poll_open(actor=personas.sam, poll=poll)
    subject, question = poll.subjects.first(), poll.questions.get()
    with pytest.raises(PollError, match="优秀、合格、基本合格、不合格"):
        ballot_cast(code=code, answers={(subject.pk, question.pk): "satisfied"})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_self_evaluation_racing_the_finalisation_lands_before_it_or_is_refused(personas, org):
    evaluation = democratic_evaluation_create(actor=personas.sam, branch=org.branch_1, year=YEAR)
    decide_all(evaluation, personas.sam, dict.fromkeys(["张小丽", "李建国", "欧阳静", "孙明"], MemberGrade.QUALIFIED))
    alice = member_of(evaluation, personas.people.alice)

    saved, finalised = race(
        lambda: self_evaluation_save(actor=personas.alice, member_evaluation=alice, text="年终自评"),
        lambda: democratic_evaluation_finalise(actor=personas.sam, evaluation=evaluation),
    )

    assert not isinstance(finalised, Exception), finalised
    evaluation.refresh_from_db()
    alice.refresh_from_db()
    if isinstance(saved, DemocraticError):
        assert alice.self_evaluation == "" and "已经确定" in saved.message
    else:
        assert alice.self_evaluation == "年终自评" and alice.self_evaluated_at <= evaluation.finalised_at
