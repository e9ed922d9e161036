"""群众评议 (DOMAIN.md §7): results by the §7 rule, rectification and its re-evaluation, the statistics sheet."""

import datetime
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied

from branches.models import PartyOrganization
from reviews.mass import (
    activity_record,
    mass_round_close,
    mass_round_create,
    rectification_complete,
    rectification_update,
    talk_record,
)
from reviews.mass_selectors import rectifications_attention, round_results, statistics_sheet
from reviews.models import (
    Ballot,
    MassActivity,
    MassRoundKind,
    PollQuestion,
    Rectification,
    Satisfaction,
    StagedBallot,
    VotingCode,
)
from reviews.results import ResultsHidden
from reviews.services import PollError, ballot_cast, poll_codes_issue, poll_open
from reviews.tests.mass_fixtures import ballots, build_coal_mine_round, run_round

pytestmark = pytest.mark.django_db

S, B, U = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED
DAY = datetime.date(2026, 3, 31)


@pytest.fixture
def quarter_round(personas, org, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    return mass_round_create(
        actor=personas.sam, organization=org.branch_1, kind=MassRoundKind.QUARTER, year=2026, period=1
    )


def test_a_round_evaluates_the_branch_on_six_aspects_and_each_member_on_five(quarter_round, org):
    poll = quarter_round.poll
    labels = list(poll.subjects.values_list("label", flat=True))
    assert labels[0] == "第一党支部"
    assert sorted(labels[1:]) == sorted(["孙明", "张小丽", "李建国", "欧阳静"])
    branch_questions = poll.questions.filter(applies_to=PollQuestion.AppliesTo.ORGANIZATION)
    member_questions = poll.questions.filter(applies_to=PollQuestion.AppliesTo.PERSON)
    assert branch_questions.filter(is_overall=False).count() == 6
    assert member_questions.filter(is_overall=False).count() == 5
    assert branch_questions.filter(is_overall=True).count() == member_questions.filter(is_overall=True).count() == 1
    assert poll.title == "第一党支部2026年第一季度群众评议"


def test_a_second_round_for_the_same_quarter_is_refused(quarter_round, personas, org):
    with pytest.raises(PollError, match="已经建立"):
        mass_round_create(
            actor=personas.sam, organization=org.branch_1, kind=MassRoundKind.QUARTER, year=2026, period=1
        )


def test_only_the_organisations_secretary_or_officer_creates_a_round(personas, org):
    with pytest.raises(PermissionDenied):
        mass_round_create(actor=personas.alice, organization=org.branch_1, kind=MassRoundKind.YEAR_END, year=2026)
    with pytest.raises(PermissionDenied):
        mass_round_create(actor=personas.sam, organization=org.branch_2, kind=MassRoundKind.YEAR_END, year=2026)


def _single_branch_round(actor, organization):
    """A round of a branch that has no members: one subject, the branch."""
    return mass_round_create(actor=actor, organization=organization, kind=MassRoundKind.YEAR_END, year=2026)


@pytest.fixture
def empty_branch(org):
    return PartyOrganization.objects.create(name="第三党支部", kind=PartyOrganization.Kind.BRANCH, parent=org.general_1)


def test_subject_with_5_satisfied_3_basic_2_unsatisfied_is_satisfied_at_80_percent(personas, empty_branch):
    mass_round = _single_branch_round(personas.olga, empty_branch)

    opened = run_round(mass_round, personas.olga, {"第三党支部": ballots(S=5, B=3, U=2)})

    result = round_results(mass_round).subjects[0]
    assert (result.verdict, result.satisfaction_rate, result.valid) == (S, Fraction(4, 5), 10)
    assert opened == []


def test_subject_with_2_3_5_is_basically_satisfied_because_half_are_at_least_basic(personas, empty_branch):
    mass_round = _single_branch_round(personas.olga, empty_branch)

    run_round(mass_round, personas.olga, {"第三党支部": ballots(S=2, B=3, U=5)})

    result = round_results(mass_round).subjects[0]
    assert (result.verdict, result.satisfaction_rate) == (B, Fraction(1, 2))


def test_only_the_overall_question_decides_the_result_the_aspects_are_shown(personas, empty_branch):
    mass_round = _single_branch_round(personas.olga, empty_branch)
    poll = mass_round.poll
    codes = poll_codes_issue(actor=personas.olga, poll=poll, count=1)
    poll_open(actor=personas.olga, poll=poll)
    subject = poll.subjects.get()
    answers = {(subject.pk, q.pk): (S if q.is_overall else U) for q in poll.questions.all()}
    ballot_cast(code=codes[0], answers=answers)
    mass_round_close(actor=personas.olga, mass_round=mass_round)

    result = round_results(mass_round).subjects[0]
    assert result.verdict == S
    assert [q.verdict for q in result.questions if not q.question.is_overall] == [U] * 6


def test_subject_with_2_2_6_is_unsatisfied_and_opens_a_rectification_reevaluated_three_months_later(
    personas, empty_branch, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    mass_round = _single_branch_round(personas.olga, empty_branch)

    opened = run_round(mass_round, personas.olga, {"第三党支部": ballots(S=2, B=2, U=6)})

    assert round_results(mass_round).subjects[0].verdict == U
    [rectification] = opened
    assert rectification.organization == empty_branch
    assert rectification.status == Rectification.Status.OPEN
    assert rectification.reevaluation_due == datetime.date(2026, 6, 30)
    assert rectification.deadline == datetime.date(2026, 4, 30)
    assert not rectification.talk_required


def test_results_below_the_minimum_turnout_open_no_rectification(personas, empty_branch):
    mass_round = _single_branch_round(personas.olga, empty_branch)

    opened = run_round(mass_round, personas.olga, {"第三党支部": ballots(U=2)}, codes=4)

    assert opened == [] and not round_results(mass_round).turnout_reached


def _fail_and_reevaluate(personas, organization, time_machine, second_marks):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    first = _single_branch_round(personas.olga, organization)
    [rectification] = run_round(first, personas.olga, {organization.name: ballots(S=2, B=2, U=6)})
    rectification_update(
        actor=personas.olga,
        rectification=rectification,
        deadline=datetime.date(2026, 4, 30),
        measures="每月走访群众一次",
        evidence="走访记录 3 份",
    )
    rectification_complete(actor=personas.olga, rectification=rectification)
    time_machine.move_to(datetime.datetime(2026, 7, 1, 10, 0))
    again = mass_round_create(
        actor=personas.olga,
        organization=organization,
        kind=MassRoundKind.REEVALUATION,
        year=2026,
        rectifications=[rectification],
    )
    opened = run_round(again, personas.olga, {organization.name: second_marks})
    rectification.refresh_from_db()
    return rectification, opened


def test_a_reevaluation_with_basic_or_better_passes_the_rectification(personas, empty_branch, time_machine):
    rectification, opened = _fail_and_reevaluate(personas, empty_branch, time_machine, ballots(S=3, B=2))

    assert (rectification.status, rectification.reevaluation_result, opened) == (Rectification.Status.PASSED, S, [])


def test_a_second_unsatisfied_demands_an_organisational_talk_record(personas, empty_branch, time_machine):
    first, opened = _fail_and_reevaluate(personas, empty_branch, time_machine, ballots(S=1, U=4))

    assert (first.status, first.reevaluation_result) == (Rectification.Status.FAILED, U)
    [second] = opened
    assert second.previous == first and second.talk_required
    rectification_update(
        actor=personas.olga,
        rectification=second,
        deadline=datetime.date(2026, 8, 1),
        measures="支部书记约谈",
        evidence="整改报告",
    )
    with pytest.raises(PollError, match="组织谈话"):
        rectification_complete(actor=personas.olga, rectification=second)
    assert second in rectifications_attention(user=personas.olga, today=datetime.date(2026, 7, 2))

    talk_record(
        actor=personas.olga,
        rectification=second,
        talked_on=datetime.date(2026, 7, 1),
        talked_by="欧阳静",
        content="指出问题，提出要求",
    )
    rectification_complete(actor=personas.olga, rectification=second)

    second.refresh_from_db()
    assert second.status == Rectification.Status.DONE


def test_a_talk_is_refused_for_a_first_rectification(personas, empty_branch, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    [rectification] = run_round(
        _single_branch_round(personas.olga, empty_branch), personas.olga, {"第三党支部": ballots(U=3)}
    )
    with pytest.raises(PollError, match="只有复评再次不满意"):
        talk_record(actor=personas.olga, rectification=rectification, talked_on=DAY, talked_by="欧阳静", content="谈话")


def test_a_reevaluation_before_three_months_is_not_one(personas, empty_branch, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    [rectification] = run_round(
        _single_branch_round(personas.olga, empty_branch), personas.olga, {"第三党支部": ballots(U=3)}
    )
    time_machine.move_to(datetime.datetime(2026, 5, 15, 10, 0))
    early = mass_round_create(
        actor=personas.olga, organization=empty_branch, kind=MassRoundKind.QUARTER, year=2026, period=2
    )

    opened = run_round(early, personas.olga, {"第三党支部": ballots(U=3)})

    rectification.refresh_from_db()
    assert opened == [] and rectification.status == Rectification.Status.OPEN


def test_overdue_rectifications_appear_for_the_secretary_and_the_officer_only(
    personas, empty_branch, org, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    [rectification] = run_round(
        _single_branch_round(personas.olga, empty_branch), personas.olga, {"第三党支部": ballots(U=3)}
    )

    assert list(rectifications_attention(user=personas.olga, today=datetime.date(2026, 4, 30))) == []
    assert list(rectifications_attention(user=personas.olga, today=datetime.date(2026, 5, 1))) == [rectification]
    assert list(rectifications_attention(user=personas.chief, today=datetime.date(2026, 5, 1))) == [rectification]
    assert list(rectifications_attention(user=personas.sam, today=datetime.date(2026, 5, 1))) == []
    assert list(rectifications_attention(user=personas.alice, today=datetime.date(2026, 5, 1))) == []


def test_results_stay_hidden_until_the_round_closes_and_ballots_are_unlinked(personas, quarter_round):
    poll = quarter_round.poll
    codes = poll_codes_issue(actor=personas.sam, poll=poll, count=3)
    poll_open(actor=personas.sam, poll=poll)
    subject = poll.subjects.first()
    answers = {(subject.pk, q.pk): S for q in poll.questions.all() if q.applies_to_subject(subject)}
    ballot_cast(code=codes[0], answers=answers)
    with pytest.raises(ResultsHidden):
        round_results(quarter_round)
    with pytest.raises(ResultsHidden):
        statistics_sheet(quarter_round, quarter_round.organization)
    with pytest.raises(PollError, match="已经投过票"):
        ballot_cast(code=codes[0], answers=answers)

    mass_round_close(actor=personas.sam, mass_round=quarter_round)

    assert Ballot.objects.filter(poll=poll).count() == 1
    assert not StagedBallot.objects.filter(poll=poll).exists() and not VotingCode.objects.filter(poll=poll).exists()


# ---- The coal-mine case of the fourth document of 003_… ----------------------------------------------------------


def test_statistics_sheet_reproduces_the_coal_mine_case(personas, org, time_machine):
    """One branch of 9 members, all evaluated (8 满意, 1 基本满意), 3 meetings with 20 participants, 5 visits,
    8 talks, 2 forums, 30 opinion forms, 9 self-introductions, 5 things done for the public."""
    time_machine.move_to(datetime.datetime(2026, 1, 15, 9, 0))
    mass_round, mine = build_coal_mine_round(personas.chief, org)

    sheet = statistics_sheet(mass_round, mine)

    assert (sheet.branches_evaluated, sheet.branches_at_least_basic, sheet.branches_satisfied) == (1, 1, 1)
    assert (sheet.members_total, sheet.members_evaluated, sheet.members_at_least_basic, sheet.members_satisfied) == (
        9,
        9,
        9,
        8,
    )
    assert (sheet.meetings, sheet.participants) == (3, 20)
    assert (sheet.visits, sheet.talks, sheet.forums, sheet.opinion_forms) == (5, 8, 2, 30)
    assert (sheet.leader_reports, sheet.upper_attendance) == (3, 0)
    assert (sheet.self_introductions, sheet.public_services) == (9, 5)


def test_statistics_sheet_of_a_committee_sums_its_branches_and_leaves_others_out(personas, org, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    chief = personas.chief
    mass_round = mass_round_create(
        actor=chief, organization=org.committee, kind=MassRoundKind.QUARTER, year=2026, period=1
    )
    day = datetime.date(2026, 3, 20)
    activity_record(
        actor=chief,
        mass_round=mass_round,
        organization=org.branch_1,
        kind=MassActivity.Kind.VISIT,
        held_on=day,
        count=2,
    )
    activity_record(
        actor=chief,
        mass_round=mass_round,
        organization=org.branch_2,
        kind=MassActivity.Kind.VISIT,
        held_on=day,
        count=3,
    )
    labels = list(mass_round.poll.subjects.values_list("label", flat=True))
    # Two participants mark only 第二党支部 and 王芳; one marks everything.
    marks = {label: [S, None, None] for label in labels}
    marks["第二党支部"] = [S, S, U]
    marks["王芳"] = [S, B, B]
    poll = mass_round.poll
    codes = poll_codes_issue(actor=chief, poll=poll, count=3)
    poll_open(actor=chief, poll=poll)
    subjects = {s.label: s for s in poll.subjects.all()}
    for i, code in enumerate(codes):
        answers = {
            (subjects[label].pk, q.pk): marks[label][i]
            for label in labels
            for q in poll.questions.all()
            if q.applies_to_subject(subjects[label])
        }
        ballot_cast(code=code, answers=answers)
    mass_round_close(actor=chief, mass_round=mass_round)

    whole = statistics_sheet(mass_round, org.committee)
    second = statistics_sheet(mass_round, org.general_2)

    assert (whole.branches_evaluated, whole.members_total, whole.members_evaluated, whole.participants) == (2, 5, 5, 3)
    assert whole.visits == 5
    assert (second.branches_evaluated, second.branches_satisfied, second.members_total, second.participants) == (
        1,
        1,
        1,
        3,
    )
    assert (second.members_evaluated, second.members_at_least_basic, second.visits) == (1, 1, 3)


def test_a_reevaluation_round_before_the_three_months_is_refused(personas, empty_branch, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    [rectification] = run_round(
        _single_branch_round(personas.olga, empty_branch), personas.olga, {"第三党支部": ballots(U=3)}
    )
    time_machine.move_to(datetime.datetime(2026, 6, 29, 10, 0))

    with pytest.raises(PollError, match="2026-06-30 以后"):
        mass_round_create(
            actor=personas.olga,
            organization=empty_branch,
            kind=MassRoundKind.REEVALUATION,
            year=2026,
            rectifications=[rectification],
        )
    time_machine.move_to(datetime.datetime(2026, 6, 30, 10, 0))
    mass_round_create(
        actor=personas.olga,
        organization=empty_branch,
        kind=MassRoundKind.REEVALUATION,
        year=2026,
        rectifications=[rectification],
    )
    with pytest.raises(PollError, match="已经在进行中"):
        mass_round_create(
            actor=personas.olga,
            organization=empty_branch,
            kind=MassRoundKind.REEVALUATION,
            year=2026,
            rectifications=[rectification],
        )


def test_the_secretary_of_a_members_branch_sees_and_handles_a_rectification_from_a_committee_round(
    personas, org, time_machine
):
    time_machine.move_to(datetime.datetime(2026, 3, 31, 10, 0))
    mass_round = mass_round_create(
        actor=personas.chief, organization=org.committee, kind=MassRoundKind.YEAR_END, year=2025
    )
    labels = list(mass_round.poll.subjects.values_list("label", flat=True))
    marks = {label: ballots(S=3) for label in labels}
    marks["李建国"] = ballots(U=3)
    [rectification] = run_round(mass_round, personas.chief, marks)

    assert list(rectifications_attention(user=personas.sam, today=datetime.date(2026, 5, 1))) == [rectification]
    rectification_update(
        actor=personas.sam,
        rectification=rectification,
        deadline=datetime.date(2026, 4, 30),
        measures="改进办事流程",
        evidence="流程图",
    )
    with pytest.raises(PermissionDenied):
        rectification_update(actor=personas.wang, rectification=rectification, deadline=DAY, measures="x", evidence="y")
