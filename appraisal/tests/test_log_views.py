"""我的月记实 and the unit head's inbox in the browser's terms (DOMAIN.md §5; issue 4 items 2, 3 and 10).

Every page is scoped: out of the user's scope a log does not exist (404); visible but not theirs to change, 403.
"""

import datetime
import io
import threading
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appraisal.models import LogStatus, MonthlyLog
from appraisal.services import (
    TaskEntry,
    cycle_open,
    group_add,
    monthly_log_comment,
    monthly_log_return,
    monthly_log_save,
    monthly_log_submit,
)
from core.models import AuditEvent
from core.roles import Role
from members.services import role_assign
from tests.factories import PersonFactory, UserFactory

# 10 February 2026: February's log is due on Saturday 28 February, an adjusted working day (调休).
IN_FEBRUARY = datetime.datetime(2026, 2, 10, 10, 0, tzinfo=datetime.UTC)
# 2 March 2026: February's due date has passed.
AFTER_FEBRUARY = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


def log_url(year=2026, month=2):
    return reverse("appraisal:my_log", args=[year, month])


def form_data(*, tasks=(("起草年度工作总结", "已完成", "2026-02-09"),), action="save", version="", **fields):
    data = {
        "action": action,
        "version": version,
        "tasks-TOTAL_FORMS": str(len(tasks)),
        "tasks-INITIAL_FORMS": "0",
        "duties": "负责文稿起草",
        "attendance_days": "20",
        "leave_days": "",
        "leave_note": "",
        "study_training": "",
        "integrity": "",
        "next_month_plan": "",
        **fields,
    }
    for i, (task, result, day) in enumerate(tasks):
        data.update({f"tasks-{i}-task": task, f"tasks-{i}-result": result, f"tasks-{i}-completed_on": day})
    return data


def write_log(person, user, *, year=2026, month=2, submit_on=None, duties="负责文稿起草"):
    log = monthly_log_save(person=person, year=year, month=month, fields={"duties": duties},
                           tasks=[TaskEntry("起草年度工作总结", "已完成")], expected_version=None, by=user)  # fmt: skip
    if submit_on is not None:
        log = monthly_log_submit(log=log, by=user, today=submit_on)
    return log


@pytest.fixture
def pat(org):
    """The head of 宣传部: a unit head, but of another unit than Alice's."""
    user = UserFactory(username="pat")
    PersonFactory(user=user, name="潘宣", unit=org.publicity)
    role_assign(user=user, role=Role.UNIT_HEAD, unit=org.publicity)
    return user


# ---- 我的月记实 ----------------------------------------------------------------------------------------------------


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_my_log_opens_on_the_current_month_with_its_due_date(client, personas):
    client.force_login(personas.alice)
    response = client.get(reverse("appraisal:my_log"))
    assert response.url == log_url(2026, 2)
    page = client.get(response.url).content.decode()
    assert "2026-02-28（星期六）" in page
    assert "保存草稿" in page and "提交" in page


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_month_can_be_picked_by_query_and_a_future_month_does_not_exist(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("appraisal:my_log"), {"year": 2026, "month": 1}).url == log_url(2026, 1)
    assert client.get(log_url(2026, 3)).status_code == 404
    assert client.get(log_url(2026, 13)).status_code == 404


@time_machine.travel(datetime.datetime(2027, 3, 10, 10, 0, tzinfo=datetime.UTC), tick=False)
def test_a_year_without_the_official_calendar_warns_that_monday_to_friday_was_assumed(client, personas):
    client.force_login(personas.alice)
    page = client.get(log_url(2027, 3)).content.decode()
    assert "2027-03-31" in page
    assert "国家尚未公布 2027 年的节假日安排" in page


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_saving_a_draft_keeps_every_field_and_task_row(client, personas):
    client.force_login(personas.alice)
    tasks = (("起草年度工作总结", "已完成", "2026-02-09"), ("", "", ""), ("筹备春节慰问", "进行中", ""))
    data = form_data(tasks=tasks, leave_days="1.5", leave_note="病假", next_month_plan="做好两会保障")
    response = client.post(log_url(), data, follow=True)
    assert "草稿已保存。" in response.content.decode()
    log = MonthlyLog.objects.get(person=personas.people.alice, year=2026, month=2)
    assert log.status == LogStatus.DRAFT
    assert (log.duties, log.leave_days, log.leave_note, log.next_month_plan) == (
        "负责文稿起草",
        Decimal("1.5"),
        "病假",
        "做好两会保障",
    )
    assert [(t.position, t.task, t.completed_on) for t in log.tasks.all()] == [
        (1, "起草年度工作总结", datetime.date(2026, 2, 9)),
        (2, "筹备春节慰问", None),
    ]
    assert AuditEvent.objects.filter(action="log.save", object_id=str(log.pk)).exists()


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_save_by_the_pages_script_is_answered_with_the_address_not_a_redirect(client, personas):
    client.force_login(personas.alice)
    response = client.post(log_url(), form_data(), headers={"X-Zhibu-Fetch": "1"})
    assert response.status_code == 200
    assert response.json() == {"location": log_url()}


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_invalid_input_is_shown_with_everything_that_was_typed(client, personas):
    client.force_login(personas.alice)
    data = form_data(attendance_days="二十", leave_days="1", duties="本月主要负责综合文稿", integrity="未收受礼品")
    response = client.post(log_url(), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "请输入一个数字" in page or "输入一个数字" in page
    assert "请说明请假事由。" in page
    assert "本月主要负责综合文稿" in page and "未收受礼品" in page and "起草年度工作总结" in page
    assert not MonthlyLog.objects.exists()


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_result_without_a_task_is_refused_for_that_row(client, personas):
    client.force_login(personas.alice)
    response = client.post(log_url(), form_data(tasks=(("", "已完成", ""),)))
    assert "请填写工作任务，或删除这一行。" in response.content.decode()
    assert not MonthlyLog.objects.exists()


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_submitting_makes_the_log_read_only_to_its_author(client, personas):
    client.force_login(personas.alice)
    response = client.post(log_url(), form_data(action="submit"), follow=True)
    page = response.content.decode()
    assert "月记实已提交。" in page
    assert "保存草稿" not in page and "起草年度工作总结" in page
    log = MonthlyLog.objects.get()
    assert log.status == LogStatus.SUBMITTED and not log.is_late


@time_machine.travel(AFTER_FEBRUARY, tick=False)
def test_submitting_after_the_due_date_is_accepted_and_shown_as_late(client, personas):
    client.force_login(personas.alice)
    page = client.get(log_url()).content.decode()
    assert "已过截止日期" in page
    page = client.post(log_url(), form_data(action="submit"), follow=True).content.decode()
    assert "记为逾期提交" in page and "逾期提交" in page
    assert MonthlyLog.objects.get().is_late


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_log_without_tasks_is_saved_as_a_draft_but_not_submitted(client, personas):
    client.force_login(personas.alice)
    page = client.post(log_url(), form_data(tasks=(), action="submit"), follow=True).content.decode()
    assert "草稿已保存，但未能提交：请至少填写一项工作任务后再提交。" in page
    assert MonthlyLog.objects.get().status == LogStatus.DRAFT


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_returned_log_shows_the_reason_prominently_and_can_be_edited_again(client, personas):
    log = write_log(personas.people.alice, personas.alice, submit_on=datetime.date(2026, 2, 10))
    monthly_log_return(log=log, reason="任务完成情况不具体", by=personas.bob)
    client.force_login(personas.alice)
    page = client.get(log_url()).content.decode()
    assert "本月记实已被 李建国 退回" in page and "任务完成情况不具体" in page
    assert "保存草稿" in page
    log.refresh_from_db()
    client.post(log_url(), form_data(action="submit", version=str(log.version), duties="补充了成果"))
    log.refresh_from_db()
    assert (log.status, log.duties) == (LogStatus.SUBMITTED, "补充了成果")


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_author_sees_the_unit_heads_comment(client, personas):
    log = write_log(personas.people.alice, personas.alice, submit_on=datetime.date(2026, 2, 10))
    monthly_log_comment(log=log, comment="完成较好，继续保持", by=personas.bob)
    client.force_login(personas.alice)
    assert "完成较好，继续保持" in client.get(log_url()).content.decode()


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_month_list_shows_each_months_status(client, personas):
    write_log(personas.people.alice, personas.alice, month=1, submit_on=datetime.date(2026, 2, 3))
    client.force_login(personas.alice)
    months = {row.month: row.deadline for row in client.get(log_url()).context["months"]}
    assert sorted(months) == [1, 2]
    assert (months[1].status, months[1].overdue) == ("submitted", True)
    assert (months[2].status, months[2].overdue) == ("missing", False)


def test_someone_without_a_person_record_keeps_no_log(client, db):
    client.force_login(UserFactory(username="admin-only"))
    assert client.get(reverse("appraisal:my_log")).status_code == 403


# ---- A draft is never lost: two tabs ----------------------------------------------------------------------------


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_two_tabs_saving_the_same_log_show_both_versions_and_lose_nothing(client, personas):
    log = write_log(personas.people.alice, personas.alice, duties="第一版")
    client.force_login(personas.alice)
    client.post(log_url(), form_data(version=str(log.version), duties="标签页一的内容"))
    response = client.post(log_url(), form_data(version=str(log.version), duties="标签页二的内容"))
    page = response.content.decode()
    assert response.status_code == 409
    assert "这份月记实已在别处" in page
    rows = {row.label: row for row in response.context["comparison"]}
    assert (rows["履行职责情况"].stored, rows["履行职责情况"].typed) == ("标签页一的内容", "标签页二的内容")
    assert rows["履行职责情况"].differs and not rows["工作任务"].differs
    assert MonthlyLog.objects.get().duties == "标签页一的内容"
    # The form keeps what tab two typed and now names the stored version: saving the merge succeeds.
    form = response.context["form"]
    assert form["duties"].value() == "标签页二的内容"
    assert form["version"].value() == str(log.version + 1)
    client.post(log_url(), form_data(version=form["version"].value(), duties="标签页一的内容；标签页二的内容"))
    assert MonthlyLog.objects.get().duties == "标签页一的内容；标签页二的内容"


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_tab_opened_before_the_log_existed_gets_a_conflict_not_an_overwrite(client, personas):
    write_log(personas.people.alice, personas.alice, duties="另一个窗口先保存的")
    client.force_login(personas.alice)
    response = client.post(log_url(), form_data(duties="这个窗口的内容"))
    assert response.status_code == 409 and response.context["comparison"]
    assert MonthlyLog.objects.get().duties == "另一个窗口先保存的"


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_saving_from_a_stale_tab_after_submitting_elsewhere_shows_the_typed_text(client, personas):
    log = write_log(personas.people.alice, personas.alice)
    monthly_log_submit(log=log, by=personas.alice, today=datetime.date(2026, 2, 10))
    client.force_login(personas.alice)
    response = client.post(log_url(), form_data(version=str(log.version), duties="提交后才输入的内容"))
    page = response.content.decode()
    assert "这份月记实已经提交，您刚才填写的内容未能保存" in page
    assert "提交后才输入的内容" in page
    assert response.context["form"] is None
    assert MonthlyLog.objects.get().duties == "负责文稿起草"


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_log_deleted_while_typing_is_saved_again_from_what_was_typed(client, personas):
    log = write_log(personas.people.alice, personas.alice)
    MonthlyLog.objects.filter(pk=log.pk).delete()
    client.force_login(personas.alice)
    response = client.post(log_url(), form_data(version=str(log.version), duties="删除后输入的"))
    assert "这份月记实已不存在" in response.content.decode()
    assert response.context["form"]["version"].value() == ""
    client.post(log_url(), form_data(version="", duties="删除后输入的"))
    assert MonthlyLog.objects.get().duties == "删除后输入的"


def _at_once(*calls):
    """Run the calls in threads released together; return what each returned."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("existing", [False, True], ids=["creating", "updating"])
@time_machine.travel(IN_FEBRUARY, tick=False)
def test_two_tabs_saving_at_the_same_moment_never_lose_text_silently(personas, existing):
    version = str(write_log(personas.people.alice, personas.alice).version) if existing else ""
    tabs = [Client(), Client()]
    for tab in tabs:
        tab.force_login(personas.alice)
    texts = ["标签页一的内容", "标签页二的内容"]
    responses = _at_once(*(lambda tab=tab, text=text: tab.post(log_url(), form_data(version=version, duties=text))
                           for tab, text in zip(tabs, texts, strict=True)))  # fmt: skip
    saved = [r for r in responses if r.status_code == 302]
    conflicts = [r for r in responses if r.status_code == 409 and r.context["comparison"]]
    assert len(saved) == 1 and len(conflicts) == 1, [r.status_code for r in responses]
    stored = MonthlyLog.objects.get().duties
    loser = conflicts[0].context["form"]["duties"].value()
    assert {stored, loser} == set(texts)
    assert {row.label: row.stored for row in conflicts[0].context["comparison"]}["履行职责情况"] == stored


# ---- The unit head's inbox -------------------------------------------------------------------------------------


def _statuses(response):
    return {row.person.name: (row.deadline.status, row.deadline.overdue) for row in response.context["rows"]}


@pytest.fixture
def february(personas):
    """Alice submitted, Sam has a draft, Olga was sent back; Bob, Lin and Chief wrote nothing; Wang is elsewhere.
    All the 办公室 people are appraised in the 2026 cycle, so each owes a log."""
    p = personas.people
    cycle = cycle_open(year=2026, name="2026年度平时考核", by=personas.chief)
    group_add(cycle=cycle, name="办公室", leader=personas.lin, people=[p.alice, p.bob, p.lin, p.olga, p.sam, p.chief],
              by=personas.chief)  # fmt: skip
    write_log(p.alice, personas.alice, submit_on=datetime.date(2026, 2, 10))
    write_log(p.sam, personas.sam)
    olga = write_log(p.olga, personas.olga, submit_on=datetime.date(2026, 2, 9))
    monthly_log_return(log=olga, reason="请补充完成时间", by=personas.bob)
    write_log(p.wang, personas.wang, submit_on=datetime.date(2026, 2, 9))


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_someone_not_appraised_this_year_owes_no_log_and_is_not_missing_from_the_inbox(client, personas):
    write_log(personas.people.alice, personas.alice, submit_on=datetime.date(2026, 2, 10))
    client.force_login(personas.bob)
    assert set(_statuses(client.get(reverse("appraisal:inbox") + "?year=2026&month=2"))) == {"张小丽"}


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_inbox_lists_the_units_people_with_their_log_status(client, personas, february):
    client.force_login(personas.bob)
    response = client.get(reverse("appraisal:inbox"))
    assert _statuses(response) == {
        "张小丽": ("submitted", False),
        "孙明": ("draft", False),
        "欧阳静": ("returned", False),
        "李建国": ("missing", False),
        "林志远": ("missing", False),
        "赵书记": ("missing", False),
    }
    counts = {value: count for value, _label, count in response.context["statuses"]}
    assert counts == {"missing": 3, "draft": 1, "submitted": 1, "overdue": 0, "returned": 1}
    assert "王芳" not in response.content.decode()


@time_machine.travel(AFTER_FEBRUARY, tick=False)
def test_after_the_due_date_missing_and_draft_logs_are_overdue(client, personas, february):
    write_log(personas.people.bob, personas.bob, submit_on=datetime.date(2026, 3, 2))
    client.force_login(personas.bob)
    response = client.get(reverse("appraisal:inbox"), {"year": 2026, "month": 2})
    statuses = _statuses(response)
    assert statuses["孙明"] == ("draft", True)
    assert statuses["林志远"] == ("missing", True)
    assert statuses["李建国"] == ("submitted", True)
    assert statuses["张小丽"] == ("submitted", False)
    assert statuses["欧阳静"] == ("returned", False)
    overdue = client.get(reverse("appraisal:inbox"), {"year": 2026, "month": 2, "status": "overdue"})
    assert set(_statuses(overdue)) == {"孙明", "林志远", "赵书记", "李建国"}


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_inbox_filters_by_status(client, personas, february):
    client.force_login(personas.bob)
    missing = client.get(reverse("appraisal:inbox"), {"status": "missing"})
    assert set(_statuses(missing)) == {"李建国", "林志远", "赵书记"}
    returned = client.get(reverse("appraisal:inbox"), {"status": "returned"})
    assert set(_statuses(returned)) == {"欧阳静"}


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_each_months_log_belongs_to_the_unit_of_that_month(client, personas, org, pat):
    alice = personas.people.alice
    cycle = cycle_open(year=2026, name="2026年度平时考核", by=personas.chief)
    group_add(cycle=cycle, name="办公室", leader=personas.lin, people=[alice], by=personas.chief)
    write_log(alice, personas.alice, month=1, submit_on=datetime.date(2026, 1, 30))
    alice.unit = org.publicity
    alice.save()
    client.force_login(personas.bob)
    assert "张小丽" in _statuses(client.get(reverse("appraisal:inbox"), {"year": 2026, "month": 1}))
    assert "张小丽" not in _statuses(client.get(reverse("appraisal:inbox"), {"year": 2026, "month": 2}))
    client.force_login(pat)
    assert "张小丽" not in _statuses(client.get(reverse("appraisal:inbox"), {"year": 2026, "month": 1}))
    assert _statuses(client.get(reverse("appraisal:inbox"), {"year": 2026, "month": 2}))["张小丽"] == ("missing", False)


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_inbox_exports_to_excel(client, personas, february):
    client.force_login(personas.bob)
    response = client.get(reverse("appraisal:inbox"), {"year": 2026, "month": 2, "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "部门", "状态", "逾期")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["张小丽"][2] == "已提交"
    assert by_name["欧阳静"][2] == "已退回" and by_name["欧阳静"][7] == "请补充完成时间"
    assert by_name["李建国"][2] == "缺报"
    assert "王芳" not in by_name


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_inbox_makes_the_same_number_of_queries_for_5_and_50_people(client, personas, org):
    def queries_for_inbox():
        client.force_login(personas.bob)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("appraisal:inbox")).status_code == 200
        return len(captured)

    def add_people(n):
        for _ in range(n):
            user = UserFactory()
            write_log(PersonFactory(user=user, unit=org.office), user, submit_on=datetime.date(2026, 2, 10))
        PersonFactory.create_batch(n, unit=org.office)

    add_people(5)
    few = queries_for_inbox()
    add_people(45)
    assert queries_for_inbox() == few


def test_only_unit_heads_have_an_inbox(client, personas):
    for user in (personas.alice, personas.lin, personas.sam):
        client.force_login(user)
        assert client.get(reverse("appraisal:inbox")).status_code == 403


# ---- Reviewing a log: 月评 and 退回 ---------------------------------------------------------------------------------


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_unit_head_comments_a_submitted_log(client, personas):
    log = write_log(personas.people.alice, personas.alice, submit_on=datetime.date(2026, 2, 10))
    client.force_login(personas.bob)
    page = client.get(reverse("appraisal:log_detail", args=[log.pk])).content.decode()
    assert "起草年度工作总结" in page and "保存月评" in page
    response = client.post(reverse("appraisal:log_comment", args=[log.pk]), {"comment": "完成较好"}, follow=True)
    assert "月评已保存。" in response.content.decode()
    log.refresh_from_db()
    assert (log.unit_head_comment, log.commented_by) == ("完成较好", personas.bob)


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_unit_head_sends_a_log_back_only_with_a_reason(client, personas):
    log = write_log(personas.people.alice, personas.alice, submit_on=datetime.date(2026, 2, 10))
    client.force_login(personas.bob)
    response = client.post(reverse("appraisal:log_return", args=[log.pk]), {"reason": ""})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    log.refresh_from_db()
    assert log.status == LogStatus.SUBMITTED
    client.post(reverse("appraisal:log_return", args=[log.pk]), {"reason": "请写明完成时间"})
    log.refresh_from_db()
    assert (log.status, log.return_reason) == (LogStatus.RETURNED, "请写明完成时间")
    assert AuditEvent.objects.filter(action="log.return", object_id=str(log.pk)).exists()


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_draft_stays_private_to_its_author(client, personas):
    log = write_log(personas.people.alice, personas.alice, duties="还在斟酌的草稿")
    client.force_login(personas.bob)
    page = client.get(reverse("appraisal:log_detail", args=[log.pk])).content.decode()
    assert "尚未提交" in page and "还在斟酌的草稿" not in page
    assert "保存月评" not in page


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_author_opening_their_log_by_id_lands_on_my_log(client, personas):
    log = write_log(personas.people.alice, personas.alice)
    client.force_login(personas.alice)
    assert client.get(reverse("appraisal:log_detail", args=[log.pk])).url == log_url()


# ---- Scoping: nobody reads or writes another person's log outside their role's scope ---------------------------


@pytest.fixture
def wangs_log(personas):
    return write_log(personas.people.wang, personas.wang, submit_on=datetime.date(2026, 2, 10))


@pytest.fixture
def alices_log(personas):
    return write_log(personas.people.alice, personas.alice, submit_on=datetime.date(2026, 2, 10))


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_staff_cannot_open_another_persons_log(client, personas, wangs_log, alices_log):
    client.force_login(personas.alice)
    assert client.get(reverse("appraisal:log_detail", args=[wangs_log.pk])).status_code == 404
    # Every existing log and ids just around them (ids keep growing over a PostgreSQL test session).
    existing = set(MonthlyLog.objects.values_list("pk", flat=True))
    guesses = (
        existing
        | set(range(max(existing) + 1, max(existing) + 5))
        | set(range(max(1, min(existing) - 5), min(existing)))
    )
    for pk in sorted(guesses):
        if pk != alices_log.pk:
            assert client.get(reverse("appraisal:log_detail", args=[pk])).status_code == 404
    assert client.post(reverse("appraisal:log_comment", args=[wangs_log.pk]), {"comment": "x"}).status_code == 404


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_leader_reads_logs_of_supervised_units_but_cannot_comment_or_return(client, personas, alices_log, wangs_log):
    client.force_login(personas.lin)
    page = client.get(reverse("appraisal:log_detail", args=[alices_log.pk])).content.decode()
    assert "起草年度工作总结" in page and "保存月评" not in page
    assert client.post(reverse("appraisal:log_comment", args=[alices_log.pk]), {"comment": "好"}).status_code == 403
    assert client.post(reverse("appraisal:log_return", args=[alices_log.pk]), {"reason": "改"}).status_code == 403
    assert client.get(reverse("appraisal:log_detail", args=[wangs_log.pk])).status_code == 404
    alices_log.refresh_from_db()
    assert (alices_log.unit_head_comment, alices_log.status) == ("", LogStatus.SUBMITTED)


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_the_unit_head_of_another_unit_sees_nothing_of_it(client, personas, pat, alices_log, wangs_log):
    client.force_login(pat)
    assert client.get(reverse("appraisal:log_detail", args=[alices_log.pk])).status_code == 404
    assert client.post(reverse("appraisal:log_comment", args=[alices_log.pk]), {"comment": "好"}).status_code == 404
    assert client.post(reverse("appraisal:log_return", args=[alices_log.pk]), {"reason": "改"}).status_code == 404
    assert "张小丽" not in _statuses(client.get(reverse("appraisal:inbox")))
    assert client.get(reverse("appraisal:log_detail", args=[wangs_log.pk])).status_code == 200


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_a_branch_secretary_sees_no_logs_of_their_members(client, personas, alices_log):
    client.force_login(personas.sam)
    assert client.get(reverse("appraisal:log_detail", args=[alices_log.pk])).status_code == 404


@time_machine.travel(IN_FEBRUARY, tick=False)
def test_my_log_only_ever_writes_the_users_own_log(client, personas, wangs_log):
    client.force_login(personas.alice)
    client.post(log_url(), form_data(duties="张小丽写的"))
    wangs_log.refresh_from_db()
    assert wangs_log.duties == "负责文稿起草"
    assert MonthlyLog.objects.get(person=personas.people.alice).duties == "张小丽写的"
