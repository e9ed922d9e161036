"""The cadre appraisal's writes (DOMAIN.md §6): set-up with its poll, score entry by the right scorer only, filing
that locks the exercise, stamps who and when and writes each cadre's result, and the refusals in words."""

# ruff: noqa: F811 (the fixtures imported from cadre_fixtures are named again as test arguments)

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from appraisal import cadre_rules
from appraisal.cadre_selectors import exercise_ranking
from appraisal.cadre_services import (
    cadre_appraisee_remove,
    cadre_appraisees_add,
    cadre_exercise_create,
    cadre_exercise_file,
    cadre_exercise_update,
    cadre_principal_scores_enter,
    cadre_team_scores_enter,
    cadre_work_scores_enter,
)
from appraisal.models import CadreAppraisee, CadreExercise, CadreResult, CadreTeamScore, Commendation
from appraisal.year import archive_timeline
from core.models import AuditEvent
from reviews.models import Poll, PollQuestion
from reviews.services import poll_open

from .cadre_fixtures import (  # noqa: F401 (fixtures)
    BALLOTS,
    PASSWORD,
    appraisee_ids,
    enter_scores,
    exercise,
    record,
    run_poll,
    scored,
    scorers,
    scores_by_name,
)


def _messages(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def test_creating_an_exercise_creates_its_cadre_poll_with_one_subject_per_cadre(exercise, org):
    poll = exercise.poll
    assert poll.kind == Poll.Kind.CADRE
    assert poll.unit == org.organ
    assert poll.status == Poll.Status.DRAFT
    assert [q.text for q in poll.questions.all()] == ["综合评价"]
    assert {q.kind for q in poll.questions.all()} == {PollQuestion.Kind.SCORE}
    assert sorted(s.person.name for s in poll.subjects.all()) == sorted(["李建国", "孙明", "王芳", "张小丽"])
    assert exercise.appraisees.count() == 4
    assert AuditEvent.objects.filter(action="cadre.exercise_create", object_id=str(exercise.pk)).count() == 1


def test_only_an_officer_covering_the_unit_creates_an_exercise(personas, org, scorers):
    for user in (personas.olga, personas.lin, scorers.zhou_user):
        with pytest.raises(PermissionDenied):
            cadre_exercise_create(
                year=2026,
                unit=org.organ,
                title="2026年度中层干部考核",
                principal_leader=scorers.zhou,
                team_members=[scorers.lin],
                cadres=[personas.people.bob],
                by=user,
            )
    assert not CadreExercise.objects.exists()
    assert not Poll.objects.exists()


def test_one_exercise_per_unit_and_year(exercise, personas, org, scorers):
    with pytest.raises(ValidationError) as exc_info:
        cadre_exercise_create(
            year=2026,
            unit=org.organ,
            title="重复",
            principal_leader=scorers.zhou,
            team_members=[scorers.lin],
            cadres=[personas.people.bob],
            by=personas.chief,
        )
    assert "已经建立" in _messages(exc_info)
    assert CadreExercise.objects.count() == 1


def test_a_scorer_cannot_also_be_a_cadre_and_scorers_need_an_account(personas, org, scorers):
    scorers.he.user = None
    scorers.he.save()
    with pytest.raises(ValidationError) as exc_info:
        cadre_exercise_create(
            year=2026,
            unit=org.organ,
            title="2026年度中层干部考核",
            principal_leader=scorers.zhou,
            team_members=[scorers.lin, scorers.he, scorers.zhou],
            cadres=[personas.people.bob, scorers.lin],
            by=personas.chief,
        )
    text = _messages(exc_info)
    assert "何副局长" in text and "没有登录账号" in text
    assert "主要领导周局长不能同时作为班子成员评分" in text
    assert "评分人不能同时是被考核干部：林志远" in text
    assert not CadreExercise.objects.exists()


def test_only_the_principal_leader_enters_the_principal_score(exercise, personas, scorers):
    ids = appraisee_ids(exercise)
    for user in (personas.chief, personas.lin, personas.bob):
        with pytest.raises(PermissionDenied):
            cadre_principal_scores_enter(exercise=exercise, scores={ids["李建国"]: Decimal("90")}, by=user)
    cadre_principal_scores_enter(exercise=exercise, scores={ids["李建国"]: Decimal("90")}, by=scorers.zhou_user)
    assert CadreAppraisee.objects.get(pk=ids["李建国"]).principal_score == Decimal("90")


def test_a_team_member_enters_and_changes_only_their_own_scores(exercise, personas, scorers):
    ids = appraisee_ids(exercise)
    with pytest.raises(PermissionDenied):
        cadre_team_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("80")}, by=scorers.zhou_user)
    cadre_team_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("80")}, by=personas.lin)
    cadre_team_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("70")}, by=scorers.he_user)
    cadre_team_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("88.5")}, by=personas.lin)
    assert dict(CadreTeamScore.objects.values_list("scorer__name", "score")) == {
        "林志远": Decimal("88.5"),
        "何副局长": Decimal("70"),
    }
    cadre_team_scores_enter(exercise=exercise, scores={ids["孙明"]: None}, by=personas.lin)
    assert list(CadreTeamScore.objects.values_list("scorer__name", flat=True)) == ["何副局长"]


def test_only_an_officer_enters_work_scores_and_scores_stay_within_0_to_100(exercise, personas, scorers):
    ids = appraisee_ids(exercise)
    with pytest.raises(PermissionDenied):
        cadre_work_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("80")}, by=scorers.zhou_user)
    with pytest.raises(ValidationError) as exc_info:
        cadre_work_scores_enter(
            exercise=exercise, scores={ids["孙明"]: Decimal("100.5"), ids["王芳"]: Decimal("80.125")}, by=personas.chief
        )
    assert "孙明的评分应在 0 到 100 之间" in _messages(exc_info)
    assert "王芳的评分最多保留两位小数" in _messages(exc_info)
    assert not CadreAppraisee.objects.filter(work_score__isnull=False).exists()


def test_score_entry_is_audited_with_old_and_new_values(exercise, personas):
    ids = appraisee_ids(exercise)
    cadre_work_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("80")}, by=personas.chief)
    cadre_work_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("85")}, by=personas.chief)
    cadre_work_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("85")}, by=personas.chief)  # no change
    events = AuditEvent.objects.filter(action="cadre.score_enter").order_by("pk")
    assert [e.data["changes"][str(ids["孙明"])] for e in events] == [[None, "80.00"], ["80.00", "85.00"]]
    assert {e.actor for e in events} == {personas.chief}


def test_cadres_are_added_and_removed_only_before_the_poll_opens(exercise, personas):
    added = cadre_appraisees_add(exercise=exercise, people=[personas.people.olga], by=personas.chief)
    assert exercise.poll.subjects.filter(person=personas.people.olga).exists()
    cadre_appraisee_remove(appraisee=added[0], by=personas.chief)
    assert not exercise.appraisees.filter(person=personas.people.olga).exists()
    assert not exercise.poll.subjects.filter(person=personas.people.olga).exists()

    poll_open(actor=personas.chief, poll=exercise.poll)
    with pytest.raises(ValidationError) as exc_info:
        cadre_appraisees_add(exercise=exercise, people=[personas.people.olga], by=personas.chief)
    assert "民主测评已经开始" in _messages(exc_info)
    with pytest.raises(ValidationError):
        cadre_appraisee_remove(appraisee=exercise.appraisees.first(), by=personas.chief)
    assert exercise.appraisees.count() == 4


def test_a_team_member_who_has_scored_cannot_be_removed(exercise, personas, scorers):
    ids = appraisee_ids(exercise)
    cadre_team_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("80")}, by=scorers.he_user)
    with pytest.raises(ValidationError) as exc_info:
        cadre_exercise_update(
            exercise=exercise, title=exercise.title, principal_leader=scorers.zhou, team_members=[scorers.lin],
            by=personas.chief,
        )  # fmt: skip
    assert "何副局长" in _messages(exc_info)
    cadre_exercise_update(
        exercise=exercise, title="改名", principal_leader=scorers.zhou, team_members=[scorers.lin, scorers.he],
        by=personas.chief,
    )  # fmt: skip
    assert CadreExercise.objects.get().title == "改名"


# ---- Filing ------------------------------------------------------------------------------------------------------


def test_filing_writes_each_result_ranks_ties_and_stamps_who_and_when(scored, personas):
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)

    scored.refresh_from_db()
    assert scored.status == CadreExercise.Status.FILED
    assert scored.filed_by == personas.chief
    assert scored.filed_at is not None
    results = {r.appraisee.person.name: r for r in CadreResult.objects.select_related("appraisee__person")}
    assert {name: (r.total_display, r.rank) for name, r in results.items()} == {
        "李建国": (Decimal("90.00"), 1),
        "孙明": (Decimal("84.00"), 2),
        "王芳": (Decimal("84.00"), 2),
        "张小丽": (Decimal("72.92"), 4),
    }
    sam = results["孙明"]
    assert (sam.work_base, sam.adjustment, sam.work_adjusted) == (Decimal("85"), 5, Decimal("90"))
    alice = results["张小丽"]
    assert alice.adjustment == -3
    assert alice.team_mean == Decimal("70.500000")
    assert alice.poll_mean == Decimal("70.333333")
    assert Fraction(alice.inputs["total"]) == Fraction(875, 12)  # 72.91666…
    assert results["李建国"].adjustment == 0  # the 2025 commendation is not of this year
    event = AuditEvent.objects.get(action="cadre.file")
    assert event.actor == personas.chief and event.object_id == str(scored.pk)


def test_filing_refuses_with_a_list_of_what_is_missing(exercise, personas, scorers):
    ids = appraisee_ids(exercise)
    cadre_work_scores_enter(exercise=exercise, scores={ids["孙明"]: Decimal("85")}, by=personas.chief)
    with pytest.raises(ValidationError) as exc_info:
        cadre_exercise_file(exercise=exercise, password=PASSWORD, by=personas.chief)
    text = _messages(exc_info)
    assert "以下干部尚未录入工作实绩得分：张小丽、李建国、王芳。" in text
    assert "主要领导周局长尚未给以下干部评分" in text
    assert "班子成员林志远尚未给以下干部评分" in text
    assert "民主测评尚未结束" in text
    assert not CadreResult.objects.exists()
    assert CadreExercise.objects.get().status == CadreExercise.Status.DRAFT


def test_filing_refuses_when_the_poll_turnout_is_not_reached(exercise, personas, scorers):
    enter_scores(exercise, personas, scorers)
    run_poll(exercise, personas.chief, BALLOTS, extra_codes=2)  # 3 of 5 codes used: below two thirds
    with pytest.raises(ValidationError) as exc_info:
        cadre_exercise_file(exercise=exercise, password=PASSWORD, by=personas.chief)
    assert "民主测评投票率未达到 2/3：发放投票码 5 个，收回选票 3 张" in _messages(exc_info)
    assert not CadreResult.objects.exists()


def test_filing_needs_the_officers_password(scored, personas):
    with pytest.raises(ValidationError) as exc_info:
        cadre_exercise_file(exercise=scored, password="wrong", by=personas.chief)
    assert "密码不正确" in _messages(exc_info)
    assert CadreExercise.objects.get().status == CadreExercise.Status.DRAFT


def test_only_an_officer_with_unit_scope_files(scored, personas, scorers):
    for user in (scorers.zhou_user, personas.olga, personas.lin):
        with pytest.raises(PermissionDenied):
            cadre_exercise_file(exercise=scored, password=PASSWORD, by=user)
    assert not CadreResult.objects.exists()


def test_after_filing_every_change_is_refused(scored, personas, scorers):
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    ids = appraisee_ids(scored)
    changed = {ids["孙明"]: Decimal("99")}
    attempts = [
        lambda: cadre_work_scores_enter(exercise=scored, scores=changed, by=personas.chief),
        lambda: cadre_principal_scores_enter(exercise=scored, scores=changed, by=scorers.zhou_user),
        lambda: cadre_team_scores_enter(exercise=scored, scores=changed, by=personas.lin),
        lambda: cadre_appraisees_add(exercise=scored, people=[personas.people.olga], by=personas.chief),
        lambda: cadre_exercise_update(
            exercise=scored, title="x", principal_leader=scorers.zhou, team_members=[scorers.lin], by=personas.chief
        ),
        lambda: cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as exc_info:
            attempt()
        assert "已于" in _messages(exc_info) and "备案，不能再修改" in _messages(exc_info)
    assert CadreAppraisee.objects.get(pk=ids["孙明"]).work_score == Decimal("85")
    assert CadreResult.objects.count() == 4


def test_a_filed_exercise_and_its_results_cannot_be_saved_again(scored, personas):
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    exercise = CadreExercise.objects.get()
    exercise.title = "改动"
    with pytest.raises(ValueError, match="filed"):
        exercise.save()
    result = CadreResult.objects.first()
    result.rank = 1
    with pytest.raises(ValueError, match="filed"):
        result.save()


def test_the_live_ranking_before_filing_equals_the_filed_one(scored, personas):
    before = [(row.person.name, row.total_shown, row.rank) for row in exercise_ranking(scored).rows]
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    scored.refresh_from_db()
    after = [(row.person.name, row.total_shown, row.rank) for row in exercise_ranking(scored).rows]
    assert before == after
    assert [rank for _name, _total, rank in after] == [1, 2, 2, 4]


def test_commendations_recorded_after_filing_do_not_change_the_filed_result(scored, personas):
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    national = Commendation.Level.NATIONAL
    record(personas.people.wang, Commendation.Kind.COMMENDATION, national, "宣传", datetime.date(2026, 6, 1))
    scored.refresh_from_db()
    wang = next(row for row in exercise_ranking(scored).rows if row.person.name == "王芳")
    assert (wang.adjustment, wang.total_shown, wang.rank) == (0, Decimal("84.00"), 2)


def test_the_filed_result_goes_into_the_cadres_archive(scored, personas):
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    entries = [e for e in archive_timeline(user=personas.alice, person=personas.people.alice) if e.kind == "cadre"]
    assert len(entries) == 1
    assert entries[0].title == "2026年度中层干部考核：总分 72.92，第 4 名（共 4 人）"
    assert "调整后 77.00" in entries[0].details[0]
    assert "民主测评均值 70.33（有效票 3 张）" in entries[0].details
    # Wang's result is not Alice's to read.
    assert not [e for e in archive_timeline(user=personas.alice, person=personas.people.wang) if e.kind == "cadre"]
    assert [e for e in archive_timeline(user=personas.chief, person=personas.people.wang) if e.kind == "cadre"]


def test_a_filed_result_recomputes_from_the_inputs_it_records(scored, personas):
    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    for result in CadreResult.objects.all():
        inputs = result.inputs
        adjustment = sum(c["points"] for c in inputs["commendations"])
        team_mean = cadre_rules.mean([Decimal(v) for v in inputs["team_scores"].values()])
        total = cadre_rules.weighted_total(
            Decimal(inputs["work_base"]) + adjustment,
            Decimal(inputs["principal"]),
            team_mean,
            Fraction(inputs["poll"]["mean"]),
        )
        assert team_mean == Fraction(inputs["team_mean"])
        assert total == Fraction(inputs["total"])
        assert cadre_rules.two_places(total) == result.total_display
        assert result.adjustment == adjustment
