"""The leader's signing pages (DOMAIN.md §5; issue 4 items 4 and 10): what a leader sees and does on them, who
may not see them, and what stays unchanged once signed."""

import datetime
import re
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.models import Delegation, Grade, Kinship, LogStatus, MonthlyLog, QuarterlySummary, Rating
from appraisal.services import RatingEntry, group_add, group_sign
from appraisal.tests.conftest import Q1_END, write_summary
from core.maintenance import sealed_rows_writable
from tests.factories import PersonFactory, UserFactory

PASSWORD = "pw-for-tests-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def quarter_end():
    """The tests run on the last working day of 2026 Q1, the first day its ratings may be signed."""
    with time_machine.travel(datetime.datetime(2026, 3, 31, 10, 0, tzinfo=SHANGHAI), tick=False):
        yield


def _url(group, period=1):
    return reverse("appraisal:sign", args=[group.pk, period])


def _form(group, grades=None, *, password=PASSWORD, opinion="{name}工作认真负责"):
    """The signing form as a leader fills it in: a grade and an opinion for every appraisee."""
    data = {"password": password}
    for appraisee in group.appraisees.select_related("person"):
        name = appraisee.person.name
        data[f"grade-{appraisee.pk}"] = (grades or {}).get(name, Grade.COMPETENT)
        data[f"opinion-{appraisee.pk}"] = opinion.format(name=name)
    return data


def _text(response) -> str:
    """The page as a user reads it: tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def _sign_all(group, by, grades=None):
    entries = {
        a.pk: RatingEntry((grades or {}).get(a.person.name, Grade.COMPETENT), f"{a.person.name}工作认真负责")
        for a in group.appraisees.select_related("person")
    }
    return group_sign(group=group, period=1, entries=entries, password=PASSWORD, by=by, today=Q1_END)


@pytest.fixture
def seven(personas, cycle, org):
    """A group of seven in 宣传部's cycle: 15% of 7 rounded down leaves one 优秀."""
    people = [personas.people.wang, *PersonFactory.create_batch(6, unit=org.publicity)]
    group = group_add(cycle=cycle, name="宣传部", leader=personas.lin, people=people, by=personas.chief)
    for person in people:
        write_summary(person)
    return group


# ---- The leader's home ---------------------------------------------------------------------------------------


def test_leader_home_lists_each_group_and_period_with_its_status(client, personas, group, summaries):
    client.force_login(personas.lin)
    response = client.get(reverse("appraisal:leader_home"))
    text = _text(response)
    assert "办公室" in text and "评鉴领导" in text
    assert "2026年第一季度" in text and "2026年第四季度" in text
    assert 'data-period="1" data-status="pending"' in response.content.decode()
    assert _url(group) in response.content.decode()

    _sign_all(group, personas.lin)
    response = client.get(reverse("appraisal:leader_home"))
    assert 'data-period="1" data-status="signed"' in response.content.decode()
    assert 'data-period="2" data-status="pending"' in response.content.decode()


def test_leader_home_is_empty_for_someone_who_signs_nothing(client, personas, group):
    client.force_login(personas.alice)
    assert "您目前没有需要签署的考核组" in _text(client.get(reverse("appraisal:leader_home")))


def test_leader_home_says_when_the_user_signs_by_delegation(client, personas, group, summaries):
    Delegation.objects.create(leader=personas.lin, acting=personas.chief, starts_on=datetime.date(2026, 3, 1),
                              ends_on=datetime.date(2026, 4, 30), reason="出差")  # fmt: skip
    client.force_login(personas.chief)
    assert "代签：代 林志远 签署（至 2026-04-30，出差）" in _text(client.get(reverse("appraisal:leader_home")))


def test_leader_home_exports_to_excel(client, personas, group, summaries):
    client.force_login(personas.lin)
    response = client.get(reverse("appraisal:leader_home") + "?export=xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("年度", "考核周期", "考核组", "签署身份", "考核期")
    assert rows[1][2:7] == ("办公室", "评鉴领导", "2026年第一季度", datetime.datetime(2026, 3, 31), "待签")


# ---- The signing page: what the leader sees ------------------------------------------------------------------


def test_signing_page_shows_every_appraisee_with_summary_logs_grade_and_opinion(client, personas, group, summaries):
    MonthlyLog.objects.create(person=personas.people.alice, year=2026, month=2, unit=personas.people.alice.unit,
                              status=LogStatus.SUBMITTED, duties="起草文件")  # fmt: skip
    client.force_login(personas.lin)
    response = client.get(_url(group))
    html, text = response.content.decode(), _text(response)
    for name in ("张小丽", "李建国", "欧阳静", "孙明"):
        assert name in text
    assert "按期完成各项任务" in text  # the summary, expandable
    alice = group.appraisees.get(person=personas.people.alice)
    assert reverse("appraisal:appraisee_logs", args=[group.pk, 1]) + f"?appraisee={alice.pk}" in html
    assert 'class="text-success" title="已提交">2月' in html
    assert html.count("data-grade") == 4 and html.count('name="opinion-') == 4
    assert "优秀 0 / 名额 0" in text
    assert 'id="sign-button"' in html and 'name="password"' in html


def test_the_quota_counter_counts_against_fifteen_percent_rounded_down(client, personas, seven):
    client.force_login(personas.lin)
    response = client.get(_url(seven))
    assert "优秀 0 / 名额 1" in _text(response)
    assert "本组 7 人，“优秀”不超过 15%，向下取整" in _text(response)


def test_signing_before_the_last_working_day_of_the_quarter_is_refused(client, personas, group, summaries):
    client.force_login(personas.lin)
    with time_machine.travel(datetime.datetime(2026, 3, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert "未到签署日" in _text(client.get(_url(group)))
        response = client.post(_url(group), _form(group))
    assert "领导评鉴在考核期最后一个工作日（2026-03-31）起进行" in _text(response)
    assert not Rating.objects.exists()


# ---- Signing -------------------------------------------------------------------------------------------------


def test_leader_signs_the_group_in_one_step_with_the_password(client, personas, group, summaries):
    client.force_login(personas.lin)
    response = client.post(_url(group), _form(group))
    assert response.status_code == 302 and response.url == _url(group)
    assert Rating.objects.filter(signed_by=personas.lin, on_behalf_of=None).count() == 4
    text = _text(client.get(_url(group)))
    assert "已签署 4 人的评鉴（2026年第一季度）" in text
    assert text.count("签名校验一致") == 4
    assert "林志远" in text and "2026-03-31 10:00" in text
    assert "待签" not in text


def test_signing_over_the_quota_is_refused_naming_quota_and_count_and_nothing_changes(
    client, personas, group, summaries
):
    client.force_login(personas.lin)
    response = client.post(_url(group), _form(group, {"张小丽": Grade.EXCELLENT, "李建国": Grade.EXCELLENT}))
    text = _text(response)
    assert response.status_code == 200
    assert "“优秀”名额为 0 名（4 人的 15%，向下取整），本次共评定 2 名“优秀”，超出名额，未签署。" in text
    assert not Rating.objects.exists()
    # Everything typed is still there, and the counter shows the excess.
    assert "张小丽工作认真负责" in text and "孙明工作认真负责" in text
    assert response.content.decode().count('value="excellent" selected') == 2
    assert "优秀 2 / 名额 0" in text and "超出名额，不能签署" in text


@pytest.mark.parametrize("password", ["", "not-my-password"])
def test_signing_without_the_right_password_fails_and_keeps_what_was_typed(
    client, personas, group, summaries, password
):
    client.force_login(personas.lin)
    response = client.post(_url(group), _form(group, password=password))
    assert "密码不正确，未签署。签署须重新输入您的登录密码。" in _text(response)
    assert "欧阳静工作认真负责" in _text(response)
    assert not Rating.objects.exists()


def test_missing_summary_and_opinion_are_named_and_nothing_is_signed(client, personas, group, summaries):
    summaries.sam.delete()
    data = _form(group)
    bob = group.appraisees.get(person=personas.people.bob)
    data[f"opinion-{bob.pk}"] = ""
    client.force_login(personas.lin)
    text = _text(client.post(_url(group), data))
    assert "孙明：尚无季度小结。" in text and "李建国：请填写评鉴意见。" in text
    assert not Rating.objects.exists()


def test_an_acting_leader_signs_by_delegation_and_the_page_says_so(client, personas, group, summaries):
    Delegation.objects.create(leader=personas.lin, acting=personas.chief, starts_on=datetime.date(2026, 3, 1),
                              ends_on=datetime.date(2026, 4, 30), reason="出差")  # fmt: skip
    client.force_login(personas.chief)
    assert "您受 林志远 委托代签（2026-03-01 至 2026-04-30，事由：出差）" in _text(client.get(_url(group)))
    client.post(_url(group), _form(group))
    assert set(Rating.objects.values_list("signed_by", "on_behalf_of")) == {(personas.chief.pk, personas.lin.pk)}
    assert _text(client.get(_url(group))).count("代 林志远 签署") == 4


def test_a_delegation_that_has_ended_gives_no_access(client, personas, group, summaries):
    Delegation.objects.create(leader=personas.lin, acting=personas.chief, starts_on=datetime.date(2026, 1, 1),
                              ends_on=datetime.date(2026, 3, 30), reason="出差")  # fmt: skip
    client.force_login(personas.chief)
    assert client.get(_url(group)).status_code == 404


def test_a_recused_appraisee_is_listed_as_recused_and_signed_by_the_named_leader(client, personas, group, summaries):
    Kinship.objects.create(person=personas.people.lin, relative=personas.people.alice, relation="配偶")
    alice = group.appraisees.get(person=personas.people.alice)
    alice.rating_leader = personas.chief
    alice.save()
    client.force_login(personas.lin)
    response = client.get(_url(group))
    html = response.content.decode()
    assert f'id="appraisee-{alice.pk}" data-state="recused"' in html
    assert f'name="grade-{alice.pk}"' not in html
    assert "由 赵书记 评鉴，尚未签署" in _text(response)
    assert client.post(_url(group), _form(group)).status_code == 302
    assert Rating.objects.count() == 3 and not Rating.objects.filter(appraisee=alice).exists()
    home = client.get(reverse("appraisal:leader_home")).content.decode()
    assert 'data-period="1" data-status="partial"' in home

    client.force_login(personas.chief)
    assert "回避情形下指定评鉴 1 人" in _text(client.get(reverse("appraisal:leader_home")))
    response = client.get(_url(group))
    assert response.content.decode().count("data-grade") == 1  # only 张小丽
    data = {"password": PASSWORD, f"grade-{alice.pk}": Grade.COMPETENT, f"opinion-{alice.pk}": "认真"}
    assert client.post(_url(group), data).status_code == 302
    client.force_login(personas.lin)
    home = client.get(reverse("appraisal:leader_home")).content.decode()
    assert 'data-period="1" data-status="signed"' in home


def test_a_recused_appraisee_without_another_leader_blocks_signing_with_a_warning(client, personas, group, summaries):
    Kinship.objects.create(person=personas.people.alice, relative=personas.people.lin, relation="配偶")
    client.force_login(personas.lin)
    text = _text(client.get(_url(group)))
    assert "以下人员须回避评鉴，尚未指定其他评鉴领导" in text and "张小丽" in text
    text = _text(client.post(_url(group), _form(group)))
    assert "张小丽：评鉴领导须回避，请由组织部门指定其他领导评鉴。" in text
    assert not Rating.objects.exists()


def test_half_year_scored_page_takes_scores_and_signs_the_grades_they_give(client, personas, half_year_cycle):
    p = personas.people
    group = group_add(cycle=half_year_cycle, name="量化组", leader=personas.lin, people=[p.alice, p.bob],
                      by=personas.chief)  # fmt: skip
    for person in (p.alice, p.bob):
        write_summary(person, quarter=2)
    alice, bob = (group.appraisees.get(person=person) for person in (p.alice, p.bob))
    client.force_login(personas.lin)
    html = client.get(_url(group)).content.decode()
    assert 'data-excellent-min="90' in html and f'name="score-{alice.pk}"' in html and "data-grade" not in html
    data = {"password": PASSWORD, f"score-{alice.pk}": "91", f"opinion-{alice.pk}": "突出",
            f"score-{bob.pk}": "79.5", f"opinion-{bob.pk}": "一般"}  # fmt: skip
    with time_machine.travel(datetime.datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI), tick=False):
        client.force_login(personas.lin)
        # Two appraised leave no 优秀: a score of 91 is 优秀 by the year's thresholds and over the quota.
        assert "本次共评定 1 名“优秀”，超出名额" in _text(client.post(_url(group), data))
        response = client.post(_url(group), {**data, f"score-{alice.pk}": "89.5"})
    assert response.status_code == 302
    assert {r.person.name: (r.grade, r.score) for r in Rating.objects.all()} == {
        "张小丽": (Grade.COMPETENT, Decimal("89.5")),
        "李建国": (Grade.BASIC, Decimal("79.5")),
    }


# ---- Who may see the pages -----------------------------------------------------------------------------------


def test_a_leader_of_another_group_gets_404_for_the_group_page(client, personas, group, cycle, org):
    other_leader = UserFactory(username="zhou")
    other = group_add(cycle=cycle, name="宣传部", leader=other_leader, people=[personas.people.wang],
                      by=personas.chief)  # fmt: skip
    client.force_login(other_leader)
    assert client.get(_url(group)).status_code == 404
    assert client.post(_url(group), _form(group)).status_code == 404
    assert client.get(_url(other)).status_code == 200
    client.force_login(personas.lin)
    assert client.get(_url(other)).status_code == 404


@pytest.mark.parametrize("who", ["alice", "bob", "wang", "olga"])
def test_staff_and_unit_heads_get_404_for_the_group_page(client, personas, group, summaries, who):
    client.force_login(getattr(personas, who))
    assert client.get(_url(group)).status_code == 404
    assert client.post(_url(group), _form(group)).status_code == 404
    assert not Rating.objects.exists()


def test_a_period_outside_the_cycle_is_404(client, personas, group):
    client.force_login(personas.lin)
    assert client.get(_url(group, period=5)).status_code == 404


def test_the_correction_page_is_403_for_someone_who_sees_the_rating_and_404_for_others(
    client, personas, group, summaries
):
    [rating, *_] = _sign_all(group, personas.lin)
    url = reverse("appraisal:rating_revise", args=[rating.pk])
    client.force_login(personas.bob)  # the unit head sees the ratings of his unit, but does not sign them
    assert client.get(url).status_code == 403
    client.force_login(personas.wang)
    assert client.get(url).status_code == 404


# ---- Signed ratings: immutable, corrected by revisions -------------------------------------------------------


def test_a_signed_rating_cannot_be_changed_through_any_view(client, personas, group, summaries):
    ratings = _sign_all(group, personas.lin)
    before = set(Rating.objects.values_list("pk", "grade", "opinion", "content_hash"))
    client.force_login(personas.lin)
    # Signing again, with other grades and opinions, is refused.
    response = client.post(_url(group), _form(group, {"张小丽": Grade.BASIC}, opinion="改过的意见"))
    assert "已签署，不能重复签署；如需更正请提交修订。" in _text(response)
    # The page offers no input for a signed rating, only 更正.
    html = client.get(_url(group)).content.decode()
    assert "data-grade" not in html and 'name="password"' not in html
    assert html.count(">更正</a>") == 4
    assert set(Rating.objects.values_list("pk", "grade", "opinion", "content_hash")) == before
    # A correction adds a revision and keeps the signed one.
    rating = ratings[0]
    response = client.post(
        reverse("appraisal:rating_revise", args=[rating.pk]),
        {"grade": Grade.BASIC, "opinion": "出勤不足", "reason": "考勤核对有误", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert set(Rating.objects.values_list("pk", "grade", "opinion", "content_hash")) >= before
    assert Rating.objects.count() == 5
    revision = Rating.objects.get(revision=2)
    assert (revision.appraisee_id, revision.grade, revision.revision_reason) == (
        rating.appraisee_id, Grade.BASIC, "考勤核对有误"
    )  # fmt: skip


def test_a_correction_shows_with_who_when_and_why_next_to_the_signed_rating(client, personas, group, summaries):
    [rating, *_] = _sign_all(group, personas.lin)
    with time_machine.travel(datetime.datetime(2026, 4, 2, 9, 30, tzinfo=SHANGHAI), tick=False):
        client.force_login(personas.lin)
        client.post(
            reverse("appraisal:rating_revise", args=[rating.pk]),
            {"grade": Grade.BASIC, "opinion": "出勤不足", "reason": "考勤核对有误", "password": PASSWORD},
        )
        text = _text(client.get(_url(group)))
    assert "已签署 " in text and "的更正（第 2 版），原评鉴已保留" in text
    assert "修订记录" in text and "更正原因：考勤核对有误" in text
    assert "称职，林志远，2026-03-31 10:00" in text and "基本称职，林志远，2026-04-02 09:30" in text


def test_a_correction_over_the_quota_is_refused_and_keeps_what_was_typed(client, personas, group, summaries):
    [rating, *_] = _sign_all(group, personas.lin)
    client.force_login(personas.lin)
    response = client.post(
        reverse("appraisal:rating_revise", args=[rating.pk]),
        {"grade": Grade.EXCELLENT, "opinion": "表现突出", "reason": "补充材料", "password": PASSWORD},
    )
    text = _text(response)
    assert "“优秀”名额为 0 名（4 人的 15%，向下取整），本次共评定 1 名“优秀”，超出名额，未签署。" in text
    assert "表现突出" in text and "补充材料" in text
    assert Rating.objects.count() == 4


def test_a_correction_needs_the_password_and_a_reason(client, personas, group, summaries):
    [rating, *_] = _sign_all(group, personas.lin)
    client.force_login(personas.lin)
    url = reverse("appraisal:rating_revise", args=[rating.pk])
    form = {"grade": Grade.BASIC, "opinion": "出勤不足", "reason": "考勤核对有误", "password": "wrong"}
    assert "密码不正确" in _text(client.post(url, form))
    assert "请填写修订原因" in _text(client.post(url, {**form, "reason": "", "password": PASSWORD}))
    assert Rating.objects.count() == 4


def test_an_older_revision_cannot_be_corrected(client, personas, group, summaries):
    [rating, *_] = _sign_all(group, personas.lin)
    client.force_login(personas.lin)
    url = reverse("appraisal:rating_revise", args=[rating.pk])
    form = {"grade": Grade.BASIC, "opinion": "出勤不足", "reason": "考勤核对有误", "password": PASSWORD}
    client.post(url, form)
    assert "这不是最新一版评鉴" in _text(client.get(url))
    assert "该评鉴已有更新的修订" in _text(client.post(url, {**form, "grade": Grade.INCOMPETENT}))
    assert Rating.objects.count() == 5


# ---- Signatures ----------------------------------------------------------------------------------------------


def test_tampering_with_a_signed_rating_is_shown_on_the_page_and_by_the_command(
    client, personas, group, summaries, capsys
):
    [rating, *_] = _sign_all(group, personas.lin)
    with sealed_rows_writable():  # behind the application's back: the database refuses it otherwise
        Rating.objects.filter(pk=rating.pk).update(grade=Grade.EXCELLENT)
    client.force_login(personas.lin)
    text = _text(client.get(_url(group)))
    assert text.count("内容已被改动，与签署时不一致") == 1 and text.count("签名校验一致") == 3
    with pytest.raises(CommandError, match="共校验 4 条评鉴，1 条与签署时不一致") as failed:
        call_command("verify_signatures")
    assert failed.value.returncode != 0  # manage.py exits with it
    out = capsys.readouterr().out
    assert (
        f"不一致：{rating.person.name}（人员编号 {rating.person_id}），2026年第一季度，第 1 版，评鉴编号 {rating.pk}"
        in out
    )


def test_changing_the_signed_summary_text_in_the_database_is_detected(client, personas, group, summaries):
    [rating, *_] = _sign_all(group, personas.lin)
    content = {**rating.signed_content, "summary": {**rating.signed_content["summary"], "duties": "后来改写的小结"}}
    with sealed_rows_writable():
        Rating.objects.filter(pk=rating.pk).update(signed_content=content)
    client.force_login(personas.lin)
    assert "内容已被改动，与签署时不一致" in _text(client.get(_url(group)))
    assert "内容已被改动" in _text(client.get(reverse("appraisal:rating_revise", args=[rating.pk])))


def test_verify_signatures_prints_the_count_when_every_signature_matches(personas, group, summaries, capsys):
    _sign_all(group, personas.lin)
    call_command("verify_signatures", "--year", "2026")
    assert "共校验 4 条评鉴，签名全部一致；0 条中层干部考核结果，全部与备案一致。" in capsys.readouterr().out
    call_command("verify_signatures", "--year", "2025")
    assert "共校验 0 条评鉴" in capsys.readouterr().out


# ---- Monthly logs a click away -------------------------------------------------------------------------------


def test_the_rating_leader_reads_the_submitted_logs_of_those_they_rate(client, personas, group, summaries):
    unit = personas.people.alice.unit
    MonthlyLog.objects.create(person=personas.people.alice, year=2026, month=1, unit=unit,
                              status=LogStatus.SUBMITTED, duties="起草年度工作要点")  # fmt: skip
    MonthlyLog.objects.create(person=personas.people.alice, year=2026, month=2, unit=unit, duties="未完成的草稿")
    outsider = UserFactory(username="zhou")  # a leader named for 张小丽 whose role covers no unit
    alice = group.appraisees.get(person=personas.people.alice)
    alice.rating_leader = outsider
    alice.save()
    url = reverse("appraisal:appraisee_logs", args=[group.pk, 1]) + f"?appraisee={alice.pk}"
    client.force_login(outsider)
    assert url in client.get(_url(group)).content.decode()
    text = _text(client.get(url))
    assert "张小丽 的月工作记实" in text and "起草年度工作要点" in text
    assert "草稿，未提交" in text and "未完成的草稿" not in text  # a draft is its author's until submitted
    assert "3月 未填写" in text
    # Someone the user does not rate, or a user who rates nobody here, finds nothing.
    bob = group.appraisees.get(person=personas.people.bob)
    assert client.get(url.replace(f"={alice.pk}", f"={bob.pk}")).status_code == 404
    client.force_login(personas.wang)
    assert client.get(url).status_code == 404


# ---- Export and cost -----------------------------------------------------------------------------------------


def test_the_signed_ratings_export_to_excel(client, personas, group, summaries):
    _sign_all(group, personas.lin, {"张小丽": Grade.COMPETENT})
    client.force_login(personas.lin)
    response = client.get(_url(group) + "?export=xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "部门", "职务", "回避", "等次")
    alice = next(r for r in rows if r[0] == "张小丽")
    assert (alice[4], alice[6], alice[7], alice[11]) == ("称职", "张小丽工作认真负责", "林志远", "一致")


def _page_queries(client, group) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_url(group)).status_code == 200
    return len(queries)


def test_the_signing_page_costs_the_same_queries_for_200_appraisees_as_for_5(client, personas, cycle, org):
    small_people = PersonFactory.create_batch(5, unit=org.office)
    large_people = PersonFactory.create_batch(200, unit=org.publicity)
    small = group_add(cycle=cycle, name="五人组", leader=personas.lin, people=small_people, by=personas.chief)
    large = group_add(cycle=cycle, name="二百人组", leader=personas.lin, people=large_people, by=personas.chief)
    QuarterlySummary.objects.bulk_create(
        QuarterlySummary(person=p, year=2026, quarter=1, unit=p.unit, duties="履职", tasks_completed="完成")
        for p in small_people + large_people
    )
    MonthlyLog.objects.bulk_create(
        MonthlyLog(person=p, year=2026, month=m, unit=p.unit, status=LogStatus.SUBMITTED)
        for p in small_people + large_people
        for m in (1, 2, 3)
    )
    client.force_login(personas.lin)
    _page_queries(client, small)  # warm the session
    assert _page_queries(client, small) == _page_queries(client, large)
    for group in (small, large):
        _sign_all(group, personas.lin)
    assert _page_queries(client, small) == _page_queries(client, large)
