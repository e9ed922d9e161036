"""The appraisal year (DOMAIN.md §5): current grades per quarter, annual-excellent eligibility under the year's
rules with its explanation, the half-year ranking, and the archive in time order."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appraisal.feedback import admonishment_record, commendation_record, group_publish, rating_acknowledge
from appraisal.models import AdmonishmentTask, Commendation, Grade, MonthlyLog, Rating, RuleSet
from appraisal.services import RatingEntry, group_add, group_sign, period_end, rating_revise
from appraisal.tests.conftest import Q1_END, write_summary
from appraisal.tests.test_feedback import ALL_COMPETENT, PASSWORD, rating_of, sign
from appraisal.year import archive_timeline, competition_ranks, year_report, year_sheets
from core.maintenance import sealed_rows_writable
from tests.factories import PersonFactory

Q2_END = datetime.date(2026, 6, 30)


def test_equal_scores_share_a_rank_and_the_next_rank_is_skipped():
    scores = {"a": Decimal("95"), "b": Decimal("88.5"), "c": Decimal("88.50"), "d": Decimal("70")}
    assert competition_ranks(scores) == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert competition_ranks({}) == {}


@pytest.fixture
def seven(personas, cycle, org):
    """A group of seven in 办公室, so that one 优秀 fits the 15% quota."""
    people = [personas.people.alice, *PersonFactory.create_batch(6, unit=org.office)]
    group = group_add(cycle=cycle, name="七人组", leader=personas.lin, people=people, by=personas.chief)
    for quarter in (1, 2):
        for person in people:
            write_summary(person, quarter=quarter)
    return group


def _sign_quarter(group, quarter, grades_by_person, by, today):
    entries = {
        a.pk: RatingEntry(grades_by_person.get(a.person_id, Grade.COMPETENT), "按期完成任务")
        for a in group.appraisees.select_related("person")
    }
    return group_sign(group=group, period=quarter, entries=entries, password=PASSWORD, by=by, today=today)


def _row(report, name):
    return next(row for g in report.groups for row in g.rows if row.person.name == name)


def test_a_basic_grade_in_any_quarter_removes_annual_excellent_eligibility(personas, cycle, seven):
    alice = personas.people.alice
    other = seven.appraisees.exclude(person=alice).select_related("person").first().person
    _sign_quarter(seven, 1, {alice.pk: Grade.EXCELLENT}, personas.lin, Q1_END)
    _sign_quarter(seven, 2, {alice.pk: Grade.BASIC, other.pk: Grade.EXCELLENT}, personas.lin, Q2_END)
    report = year_report(user=personas.lin, cycle=cycle)
    alice_row = _row(report, alice.name)
    assert [r.grade for r in alice_row.periods] == [Grade.EXCELLENT, Grade.BASIC, None, None]
    assert not alice_row.eligibility.eligible
    assert "第2期被评为“基本称职”" in alice_row.eligibility.reason
    # The later quarters cannot change that, so the explanation does not call it provisional.
    assert not any("截至目前" in line for line in alice_row.explanation)
    other_row = _row(report, other.name)
    assert other_row.eligibility.eligible
    assert any("尚有 2 期未评鉴" in line for line in other_row.explanation)


def test_a_competent_only_year_is_not_eligible_for_annual_excellent(personas, cycle, seven):
    _sign_quarter(seven, 1, {}, personas.lin, Q1_END)
    row = _row(year_report(user=personas.lin, cycle=cycle), personas.people.alice.name)
    assert not row.eligibility.eligible and "少于年度优秀候选所需的 1 次" in row.eligibility.reason


def test_the_year_uses_the_current_revision_of_each_quarter(personas, cycle, group, summaries):
    first = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    rating_revise(rating=first, grade=Grade.BASIC, opinion="请假较多", reason="考勤核对有误", password=PASSWORD,
                  by=personas.lin, today=Q1_END)  # fmt: skip
    row = _row(year_report(user=personas.lin, cycle=cycle), "张小丽")
    assert row.periods[0].grade == Grade.BASIC and row.periods[0].rating.revision == 2
    assert not row.eligibility.eligible
    assert any("第 1 次修订：考勤核对有误" in line for line in row.explanation)


def test_the_explanation_names_the_years_rules_and_each_quarters_grade(personas, cycle, group, summaries):
    RuleSet.objects.filter(year=2026).update(routine_weight_percent=Decimal("45"))
    sign(group, ALL_COMPETENT, by=personas.lin)
    report = year_report(user=personas.lin, cycle=cycle)
    assert report.weight_label == "平时考核结果占年度考核权重 45%"
    explanation = _row(report, "张小丽").explanation
    assert explanation[0].startswith("依据2026年度考核规则：")
    assert "平时考核结果占年度考核权重 45%" in explanation[0]
    assert "第一季度“称职”（林志远 " in explanation[1]
    assert "第二季度 尚未评鉴" in explanation[1]


def test_the_default_routine_weight_is_forty_percent(personas, cycle, group):
    assert year_report(user=personas.lin, cycle=cycle).weight_label == "平时考核结果占年度考核权重 40%"


def test_an_open_admonishment_shows_on_the_year_until_the_talk_is_recorded(personas, cycle, group, summaries):
    sign(group, {**ALL_COMPETENT, "李建国": Grade.INCOMPETENT}, by=personas.lin)
    row = _row(year_report(user=personas.lin, cycle=cycle), "李建国")
    assert row.open_talks == ["第一季度"]
    assert any("诫勉谈话尚未记录" in line for line in row.explanation)
    admonishment_record(task=AdmonishmentTask.objects.get(), talk_on=timezone.localdate(), notes="谈话",
                        by=personas.lin)  # fmt: skip
    row = _row(year_report(user=personas.lin, cycle=cycle), "李建国")
    assert row.open_talks == [] and any("林志远已于" in line for line in row.explanation)


def test_staff_see_only_their_own_year_and_another_unit_sees_nothing(personas, cycle, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    assert [row.person.name for g in year_report(user=personas.alice, cycle=cycle).groups for row in g.rows] == [
        "张小丽"
    ]
    assert year_report(user=personas.wang, cycle=cycle).groups == []


@pytest.fixture
def scored_group(personas, half_year_cycle):
    p = personas.people
    group = group_add(cycle=half_year_cycle, name="量化组", leader=personas.lin,
                      people=[p.alice, p.bob, p.olga, p.sam], by=personas.chief)  # fmt: skip
    for person in (p.alice, p.bob, p.olga, p.sam):
        write_summary(person, quarter=2)
    return group


def test_half_year_ranking_shares_ranks_on_equal_scores(personas, half_year_cycle, scored_group):
    scores = {"张小丽": Decimal("88"), "李建国": Decimal("85.5"), "欧阳静": Decimal("85.50"), "孙明": Decimal("70")}
    entries = {a.pk: RatingEntry(None, "认真", scores[a.person.name])
               for a in scored_group.appraisees.select_related("person")}  # fmt: skip
    group_sign(group=scored_group, period=1, entries=entries, password=PASSWORD, by=personas.lin,
               today=period_end(half_year_cycle, 1).day)  # fmt: skip
    report = year_report(user=personas.chief, cycle=half_year_cycle)
    [year_group] = report.groups
    ranked = [(row.person.name, row.periods[0].rank, row.periods[0].grade_label) for row in year_group.rows]
    assert ranked[0] == ("张小丽", 1, "称职")
    assert sorted(ranked[1:3]) == [("李建国", 2, "称职"), ("欧阳静", 2, "称职")]
    assert ranked[3] == ("孙明", 4, "基本称职")
    assert "得分 90 分及以上为“优秀”，80 分及以上为“称职”，60 分及以上为“基本称职”" in year_group.rows[0].explanation[0]
    assert "上半年 88.00 分，按分数线为“称职”，组内第 1 名" in year_group.rows[0].explanation[1]


def test_the_year_exports_to_xlsx_with_the_same_rows(personas, half_year_cycle, scored_group, tmp_path):
    from openpyxl import load_workbook

    from core.exports import write_workbook

    entries = {a.pk: RatingEntry(None, "认真", Decimal("88")) for a in scored_group.appraisees.all()}
    group_sign(group=scored_group, period=1, entries=entries, password=PASSWORD, by=personas.lin,
               today=period_end(half_year_cycle, 1).day)  # fmt: skip
    path = tmp_path / "year.xlsx"
    write_workbook(year_sheets(year_report(user=personas.chief, cycle=half_year_cycle)), path)
    sheet = load_workbook(path).active
    rows = list(sheet.values)
    assert rows[0][:7] == ("考核组", "姓名", "部门", "职务", "上半年得分", "上半年等次", "上半年排名")
    assert {row[1] for row in rows[1:]} == {"张小丽", "李建国", "欧阳静", "孙明"}
    assert all(row[5] == "称职" and row[6] == 1 for row in rows[1:])


# ---- The archive ---------------------------------------------------------------------------------------------


def test_the_archive_holds_every_record_in_time_order(personas, group, summaries):
    alice = personas.people.alice
    submitted_at = timezone.make_aware(datetime.datetime(2026, 1, 30, 17))
    MonthlyLog.objects.create(person=alice, year=2026, month=1, unit=alice.unit, status="submitted",
                              submitted_at=submitted_at)  # fmt: skip
    first = rating_of(sign(group, {**ALL_COMPETENT, "张小丽": Grade.INCOMPETENT}, by=personas.lin), "张小丽")
    rating_acknowledge(rating=first, by=personas.alice)
    group_publish(group=group, period=1, by=personas.chief)
    admonishment_record(task=AdmonishmentTask.objects.get(), talk_on=timezone.localdate(), notes="谈话提醒",
                        by=personas.bob)  # fmt: skip
    rating_revise(rating=first, grade=Grade.BASIC, opinion="有所改进", reason="补充材料", password=PASSWORD,
                  by=personas.lin, today=Q1_END)  # fmt: skip
    commendation_record(person=alice, kind=Commendation.Kind.PENALTY, level=Commendation.Level.DISTRICT,
                        title="通报批评", work_item="公文办理", awarded_on=datetime.date(2026, 2, 10),
                        document_number="区纪发〔2026〕3号", by=personas.chief)  # fmt: skip
    entries = archive_timeline(user=personas.bob, person=alice)
    kinds = [entry.kind for entry in entries]
    assert kinds == [
        "log", "penalty", "summary", "rating", "admonishment", "acknowledgement", "publication", "talk", "revision",
    ]  # fmt: skip
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    revision = entries[-1]
    assert revision.flag == "签名有效" and "修订原因：补充材料" in revision.details


def test_a_tampered_rating_shows_a_failed_signature_check_in_the_archive(personas, group, summaries):
    first = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    with sealed_rows_writable():  # behind the application's back: the database refuses it otherwise
        Rating.objects.filter(pk=first.pk).update(opinion="事后改过的意见")
    [rating_entry] = [e for e in archive_timeline(user=personas.alice, person=personas.people.alice)
                      if e.kind == "rating"]  # fmt: skip
    assert rating_entry.flag_level == "danger" and "签名校验失败" in rating_entry.flag
