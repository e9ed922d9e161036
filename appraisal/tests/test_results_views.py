"""The result pages as users meet them: 我的考核结果 with its 确认 button, the publication list (公示), admonishment
talks, the year, commendations and the archive; each with the allowed and the forbidden case."""

import datetime
from io import BytesIO

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appraisal.feedback import commendation_record, group_publish
from appraisal.models import Acknowledgement, AdmonishmentTask, Commendation, Grade, Publication
from appraisal.tests.test_feedback import ALL_COMPETENT, rating_of, sign
from tests.factories import UserFactory


def _html(response) -> str:
    return response.content.decode()


def _sheet_rows(response) -> list[tuple]:
    return list(load_workbook(BytesIO(response.content)).active.values)


# ---- 我的考核结果 ---------------------------------------------------------------------------------------------


def test_my_results_highlight_an_unacknowledged_rating_until_it_is_confirmed(client, personas, group, summaries):
    rating = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    client.force_login(personas.alice)
    html = _html(client.get(reverse("appraisal:my_results")))
    assert "有 1 项考核结果待您确认" in html and 'data-acknowledged="no"' in html
    assert "张小丽全年工作认真" in html and "林志远" in html
    response = client.post(reverse("appraisal:rating_acknowledge", args=[rating.pk]), follow=True)
    assert Acknowledgement.objects.filter(rating=rating).exists()
    html = _html(response)
    assert "已确认2026年第一季度的考核结果" in html and 'data-acknowledged="yes"' in html and "待您确认" not in html


def test_a_revision_needs_a_new_acknowledgement_on_the_page(client, personas, group, summaries):
    from appraisal.feedback import rating_acknowledge
    from appraisal.services import rating_revise

    rating = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    rating_acknowledge(rating=rating, by=personas.alice)
    revision = rating_revise(rating=rating, grade=Grade.BASIC, opinion="请假较多", reason="考勤核对有误",
                             password="pw-for-tests-1", by=personas.lin, today=datetime.date(2026, 3, 31))  # fmt: skip
    client.force_login(personas.alice)
    html = _html(client.get(reverse("appraisal:my_results")))
    assert f'id="result-{revision.pk}" data-acknowledged="no"' in html
    assert "考勤核对有误" in html and "基本称职" in html
    response = client.post(reverse("appraisal:rating_acknowledge", args=[rating.pk]), follow=True)
    assert "已有新的修订" in _html(response)
    assert not Acknowledgement.objects.filter(rating=revision).exists()


def test_nobody_acknowledges_someone_elses_rating(client, personas, group, summaries):
    rating = rating_of(sign(group, ALL_COMPETENT, by=personas.lin), "张小丽")
    client.force_login(personas.lin)  # sees it as the signer: 403
    assert client.post(reverse("appraisal:rating_acknowledge", args=[rating.pk])).status_code == 403
    client.force_login(personas.wang)  # another unit: 404
    assert client.post(reverse("appraisal:rating_acknowledge", args=[rating.pk])).status_code == 404
    assert not Acknowledgement.objects.exists()


# ---- 公示 ----------------------------------------------------------------------------------------------------


def _publication_url(group, org, period=1):
    return reverse("appraisal:publication") + f"?cycle={group.cycle_id}&period={period}&unit={org.office.pk}"


def test_staff_cannot_see_an_unpublished_period(client, personas, org, group, summaries):
    sign(group, {**ALL_COMPETENT, "李建国": Grade.BASIC}, by=personas.lin)
    client.force_login(personas.alice)
    html = _html(client.get(_publication_url(group, org)))
    assert "本期考核结果尚未公示" in html
    assert "李建国" not in html and "基本称职" not in html
    xlsx = client.get(_publication_url(group, org) + "&export=xlsx")
    assert _sheet_rows(xlsx)[1:] == []


def test_the_published_list_shows_name_department_position_and_grade_but_no_opinion(
    client, personas, org, group, summaries
):
    sign(group, {**ALL_COMPETENT, "李建国": Grade.BASIC}, by=personas.lin)
    group_publish(group=group, period=1, by=personas.chief)
    client.force_login(personas.alice)
    html = _html(client.get(_publication_url(group, org)))
    assert "办公室2026年第一季度平时考核结果公示" in html
    assert "李建国" in html and "基本称职" in html and "全年工作认真" not in html
    # Printed, the list stands alone: the print stylesheet hides the menu and the buttons.
    assert 'media="print" href="/static/css/print.css"' in html
    assert "nav.navbar" in (settings.BASE_DIR / "static" / "css" / "print.css").read_text()
    rows = _sheet_rows(client.get(_publication_url(group, org) + "&export=xlsx"))
    assert rows[0] == ("序号", "姓名", "部门", "职务", "等次")
    assert {(r[1], r[4]) for r in rows[1:]} == {("张小丽", "称职"), ("李建国", "基本称职"), ("欧阳静", "称职"),
                                                ("孙明", "称职")}  # fmt: skip


def test_staff_of_another_unit_cannot_read_this_units_publication(client, personas, org, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    group_publish(group=group, period=1, by=personas.chief)
    client.force_login(personas.wang)
    html = _html(client.get(_publication_url(group, org)))
    assert "张小丽" not in html
    assert not _html(client.get(reverse("appraisal:publication"))).count("张小丽")


def test_the_officer_publishes_from_the_page_and_a_refusal_names_who_is_missing(
    client, personas, org, group, summaries
):
    sam = group.appraisees.get(person=personas.people.sam)
    sam.rating_leader = UserFactory(username="deputy")
    sam.save()
    sign(group, {name: g for name, g in ALL_COMPETENT.items() if name != "孙明"}, by=personas.lin)
    client.force_login(personas.chief)
    html = _html(client.get(_publication_url(group, org)))
    assert "3/4" in html and "尚有人员未签署" in html
    publish = reverse("appraisal:group_publish", args=[group.pk, 1])
    response = client.post(publish, {"unit": org.office.pk}, follow=True)
    assert "暂不能公示：孙明" in _html(response)
    assert not Publication.objects.exists()


def test_publishing_is_for_officers_only(client, personas, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    publish = reverse("appraisal:group_publish", args=[group.pk, 1])
    client.force_login(personas.alice)  # an appraisee of the group: sees it, may not publish
    assert client.post(publish).status_code == 403
    client.force_login(personas.wang)  # another unit: the group does not exist for her
    assert client.post(publish).status_code == 404
    client.force_login(personas.chief)
    assert client.post(publish).status_code == 302
    assert Publication.objects.filter(group=group, period=1).exists()


# ---- 诫勉谈话 ------------------------------------------------------------------------------------------------


def test_a_leader_records_the_talk_and_the_task_closes(client, personas, group, summaries):
    sign(group, {**ALL_COMPETENT, "李建国": Grade.INCOMPETENT}, by=personas.lin)
    task = AdmonishmentTask.objects.get()
    client.force_login(personas.lin)
    html = _html(client.get(reverse("appraisal:admonishments")))
    assert reverse("appraisal:admonishment_record", args=[task.pk]) in html
    url = reverse("appraisal:admonishment_record", args=[task.pk])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"talk_on": today, "notes": "指出问题，提出整改要求。"}, follow=True)
    assert "已记录与李建国的诫勉谈话" in _html(response)
    task.refresh_from_db()
    assert not task.is_open and task.talk_by == personas.lin


def test_a_refused_talk_keeps_what_was_typed(client, personas, group, summaries):
    sign(group, {**ALL_COMPETENT, "李建国": Grade.INCOMPETENT}, by=personas.lin)
    task = AdmonishmentTask.objects.get()
    client.force_login(personas.lin)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(reverse("appraisal:admonishment_record", args=[task.pk]),
                           {"talk_on": tomorrow, "notes": "谈话要点一二三"})  # fmt: skip
    html = _html(response)
    assert response.status_code == 200 and "谈话日期不能晚于今天" in html and "谈话要点一二三" in html
    assert AdmonishmentTask.objects.get().is_open


def test_staff_cannot_record_a_talk(client, personas, group, summaries):
    sign(group, {**ALL_COMPETENT, "张小丽": Grade.INCOMPETENT}, by=personas.lin)
    url = reverse("appraisal:admonishment_record", args=[AdmonishmentTask.objects.get().pk])
    client.force_login(personas.alice)  # the person: sees the task, may not record it
    assert client.get(url).status_code == 403
    assert client.post(url, {"talk_on": timezone.localdate().isoformat(), "notes": "x"}).status_code == 403
    client.force_login(personas.wang)
    assert client.get(url).status_code == 404
    assert AdmonishmentTask.objects.get().is_open


# ---- 年度 ----------------------------------------------------------------------------------------------------


def test_the_year_page_shows_grades_eligibility_weight_and_exports(client, personas, group, summaries):
    sign(group, {**ALL_COMPETENT, "张小丽": Grade.BASIC, "李建国": Grade.INCOMPETENT}, by=personas.lin)
    client.force_login(personas.lin)
    html = _html(client.get(reverse("appraisal:year")))
    assert "平时考核结果占年度考核权重 40%" in html
    assert 'data-person="张小丽" data-eligible="no"' in html
    assert "第1期被评为“基本称职”，不能确定为年度优秀。" in html
    assert "诫勉谈话尚未记录" in html
    rows = _sheet_rows(client.get(reverse("appraisal:year") + f"?cycle={group.cycle_id}&export=xlsx"))
    assert rows[0][:8] == ("考核组", "姓名", "部门", "职务", "第一季度", "第二季度", "第三季度", "第四季度")
    alice = next(r for r in rows if r[1] == "张小丽")
    assert alice[4] == "基本称职" and alice[8] == "无"


def test_the_year_page_of_a_group_is_scoped(client, personas, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    client.force_login(personas.alice)
    html = _html(client.get(reverse("appraisal:year") + f"?cycle={group.cycle_id}&group={group.pk}"))
    assert 'data-person="张小丽"' in html and 'data-person="李建国"' not in html
    client.force_login(personas.wang)
    html = _html(client.get(reverse("appraisal:year") + f"?cycle={group.cycle_id}"))
    assert "张小丽" not in html


def test_a_user_without_appraisal_scope_is_told_there_is_nothing_to_see(client, personas, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    client.force_login(UserFactory(username="nobody"))
    assert "暂无您可查看的考核周期" in _html(client.get(reverse("appraisal:year")))
    assert "您没有可查看公示的部门" in _html(client.get(reverse("appraisal:publication")))
    assert "暂无已签署的考核结果" in _html(client.get(reverse("appraisal:my_results")))


# ---- 表彰与处分 -----------------------------------------------------------------------------------------------


def test_an_officer_records_a_commendation_on_the_page(client, personas):
    client.force_login(personas.chief)
    alice = personas.people.alice
    response = client.post(
        reverse("appraisal:commendation_create"),
        {"person": alice.pk, "kind": "commendation", "level": "province", "title": "省级先进工作者",
         "work_item": "乡村振兴", "awarded_on": "2026-04-28", "document_number": "某省人社〔2026〕7号"},
        follow=True,
    )  # fmt: skip
    html = _html(response)
    assert "省级先进工作者" in html and "某省人社〔2026〕7号" in html
    assert Commendation.objects.get().person == alice


def test_staff_cannot_record_commendations_and_see_only_their_own(client, personas):
    commendation_record(person=personas.people.wang, kind="commendation", level="city", title="市级先进",
                        work_item="宣传工作", awarded_on=datetime.date(2026, 3, 1), document_number="市发〔2026〕1号",
                        by=personas.chief)  # fmt: skip
    client.force_login(personas.alice)
    assert client.get(reverse("appraisal:commendation_create")).status_code == 403
    assert "市级先进" not in _html(client.get(reverse("appraisal:commendations")))
    client.force_login(personas.wang)
    assert "市级先进" in _html(client.get(reverse("appraisal:commendations")))


# ---- 考核实绩档案 ---------------------------------------------------------------------------------------------


def test_the_archive_is_visible_to_the_person_unit_head_leader_and_officer(client, personas, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    url = reverse("appraisal:archive", args=[personas.people.alice.pk])
    for user in (personas.alice, personas.bob, personas.lin, personas.chief):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert "张小丽的考核实绩档案" in _html(response) and "2026年第一季度领导评鉴：称职" in _html(response)


def test_another_units_archive_is_not_found(client, personas, group, summaries):
    client.force_login(personas.wang)
    assert client.get(reverse("appraisal:archive", args=[personas.people.alice.pk])).status_code == 404
    client.force_login(personas.bob)
    assert client.get(reverse("appraisal:archive", args=[personas.people.wang.pk])).status_code == 404
    # A branch secretary's scope is the party side: not the appraisal archive.
    client.force_login(personas.sam)
    assert client.get(reverse("appraisal:archive", args=[personas.people.alice.pk])).status_code == 404


def test_the_archive_exports_to_xlsx(client, personas, group, summaries):
    sign(group, ALL_COMPETENT, by=personas.lin)
    client.force_login(personas.alice)
    rows = _sheet_rows(client.get(reverse("appraisal:archive", args=[personas.people.alice.pk]) + "?export=xlsx"))
    assert rows[0] == ("时间", "类别", "事项", "详情", "标记")
    assert any(r[2] == "2026年第一季度领导评鉴：称职" and r[4] == "签名有效" for r in rows[1:])
