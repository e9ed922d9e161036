"""Reminders (issue 4 item 7): on each working day of China's calendar, once per person, reason and day."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from appraisal.context_processors import notifications as unread_context
from appraisal.models import Delegation, Grade, LogStatus, MonthlyLog, Notification
from appraisal.reminders import reminders_send
from appraisal.services import RatingEntry, group_sign
from appraisal.tasks import send_daily_reminders
from appraisal.tests.conftest import Q1_END, write_summary
from core.models import AuditEvent
from core.roles import Role
from members.services import role_assign
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 3 working days before Saturday 2026-02-28, the adjusted working day that is February's due date.
FEB_25 = datetime.date(2026, 2, 25)


def _log(person, year, month, status=LogStatus.SUBMITTED, comment=""):
    return MonthlyLog.objects.create(
        person=person, year=year, month=month, unit=person.unit, status=status, unit_head_comment=comment
    )


def _sent(reason: str) -> set[str]:
    return set(Notification.objects.filter(key__startswith=f"{reason}:").values_list("user__username", flat=True))


def test_a_log_due_within_3_working_days_is_reminded_to_those_who_have_not_submitted(personas, group):
    p = personas.people
    _log(p.alice, 2026, 2)
    _log(p.bob, 2026, 2, status=LogStatus.DRAFT)
    _log(p.olga, 2026, 2, status=LogStatus.RETURNED)
    reminders_send(today=FEB_25)
    # Wang and the chief are appraised in no cycle of 2026; Alice has submitted.
    assert _sent("log_due") == {"bob", "olga", "sam"}
    reminder = Notification.objects.get(user=personas.sam, key="log_due:2026-02-25")
    assert "2026-02-28" in reminder.message and "还有 3 个工作日" in reminder.message
    assert reminder.link == reverse("appraisal:my_log", args=[2026, 2])


def test_four_working_days_before_the_due_date_is_too_early(personas, group):
    reminders_send(today=datetime.date(2026, 2, 24))  # 25, 26, 27 and the adjusted Saturday 28 are left
    assert _sent("log_due") == set()


def test_on_the_due_date_itself_the_reminder_says_today(personas, group):
    reminders_send(today=datetime.date(2026, 2, 28))
    assert "今天（2026-02-28）截止" in Notification.objects.get(user=personas.alice, key="log_due:2026-02-28").message


def test_reminders_go_once_a_day_however_often_they_run(personas, group):
    personas.sam.email = "sam@example.org"
    personas.sam.save()
    first = reminders_send(today=FEB_25)
    second = reminders_send(today=FEB_25)
    # Nobody has written February's log (due soon) nor January's (overdue).
    assert first == {"log_due": 4, "log_overdue": 4, "emails": 2}
    assert second == {"emails": 0}
    assert Notification.objects.filter(user=personas.sam).count() == 2
    assert [m.to for m in mail.outbox] == [["sam@example.org"], ["sam@example.org"]]
    assert all("月工作记实" in m.body for m in mail.outbox)
    assert AuditEvent.objects.filter(action="reminders.send").count() == 1
    reminders_send(today=datetime.date(2026, 2, 26))
    assert Notification.objects.filter(user=personas.sam).count() == 4


def test_nothing_is_sent_on_a_day_that_is_not_a_working_day(personas, group):
    """Sunday 2026-02-22 falls in the Spring Festival holiday."""
    assert reminders_send(today=datetime.date(2026, 2, 22)) == {}
    assert not Notification.objects.exists()


def test_an_adjusted_working_saturday_sends_reminders(personas, group):
    assert reminders_send(today=datetime.date(2026, 2, 28))["log_due"] == 4


def test_last_months_log_missing_or_unsubmitted_after_its_due_date_is_overdue(personas, group):
    p = personas.people
    _log(p.alice, 2026, 2)
    _log(p.bob, 2026, 2, status=LogStatus.DRAFT)
    reminders_send(today=datetime.date(2026, 3, 2))
    assert _sent("log_overdue") == {"bob", "olga", "sam"}
    message = Notification.objects.get(user=personas.bob, key="log_overdue:2026-03-02").message
    assert "2026年2月" in message and "已逾期" in message and "2026-02-28" in message


def test_january_reminds_of_decembers_log_only_to_people_appraised_last_year(personas, group):
    """The cycle is 2026's: nobody was appraised in 2025, so nobody owes December 2025."""
    reminders_send(today=datetime.date(2026, 1, 5))
    assert _sent("log_overdue") == set()


def test_unit_head_is_reminded_of_submitted_logs_without_a_comment(personas, group):
    p = personas.people
    _log(p.alice, 2026, 2)
    _log(p.olga, 2026, 2, comment="很好")
    _log(p.wang, 2026, 2)  # 宣传部: not Bob's
    reminders_send(today=FEB_25)
    message = Notification.objects.get(user=personas.bob, key="logs_to_comment:2026-02-25").message
    assert "1 份" in message
    assert _sent("logs_to_comment") == {"bob"}


def test_unit_head_is_reminded_of_missing_summaries_in_the_last_month_of_a_quarter(personas, group):
    write_summary(personas.people.alice)
    reminders_send(today=datetime.date(2026, 2, 25))
    assert _sent("summaries_due") == set()
    reminders_send(today=datetime.date(2026, 3, 25))
    message = Notification.objects.get(user=personas.bob, key="summaries_due:2026-03-25").message
    assert "3 人" in message and "2026-03-31" in message


def test_leader_is_reminded_of_a_group_ready_to_sign_until_it_is_signed(personas, group, summaries):
    reminders_send(today=datetime.date(2026, 3, 30))
    assert _sent("ratings_to_sign") == set()  # the quarter's last working day is the 31st
    reminders_send(today=Q1_END)
    message = Notification.objects.get(user=personas.lin, key="ratings_to_sign:2026-03-31").message
    assert "“办公室”2026年第1季度 4 人" in message
    entries = {a.pk: RatingEntry(Grade.COMPETENT, "好") for a in group.appraisees.all()}
    group_sign(group=group, period=1, entries=entries, password="pw-for-tests-1", by=personas.lin, today=Q1_END)
    reminders_send(today=datetime.date(2026, 4, 1))
    assert not Notification.objects.filter(key="ratings_to_sign:2026-04-01").exists()


def test_an_acting_leader_is_reminded_of_what_they_may_sign_for_the_leader(personas, group, summaries):
    deputy = UserFactory(username="deputy")
    role_assign(user=deputy, role=Role.LEADER, unit=personas.people.alice.unit)
    Delegation.objects.create(leader=personas.lin, acting=deputy, starts_on=Q1_END, ends_on=Q1_END, reason="出差")
    reminders_send(today=Q1_END)
    assert "您受托代林志远签署" in Notification.objects.get(user=deputy).message


def test_the_daily_task_uses_todays_date_and_the_calendar(personas, group):
    with time_machine.travel(datetime.datetime(2026, 2, 25, 8, 30, tzinfo=SHANGHAI)):
        assert send_daily_reminders.delay().get()["log_due"] == 4
    with time_machine.travel(datetime.datetime(2026, 2, 22, 8, 30, tzinfo=SHANGHAI)):
        assert send_daily_reminders.delay().get() == {}
    assert send_daily_reminders("2026-02-26")["log_due"] == 4


def test_the_beat_schedule_runs_the_reminder_task_every_morning():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "appraisal.tasks.send_daily_reminders"]
    assert len(entries) == 1
    schedule = entries[0]["schedule"]
    # Saturdays and Sundays too: adjusted working days fall on both (2026-02-28, 2026-01-04).
    assert schedule.day_of_week == set(range(7)) and schedule.hour == {8}


# ---- The notifications page -------------------------------------------------------------------------------------


@pytest.fixture
def reminded(personas, group):
    """Alice's one reminder: February's log is due soon (January's was submitted)."""
    for person in (personas.people.alice, personas.people.bob, personas.people.olga, personas.people.sam):
        _log(person, 2026, 1, comment="好")
    reminders_send(today=FEB_25)
    return Notification.objects.get(user=personas.alice)


def test_notifications_page_lists_ones_own_and_marks_them_read(client, personas, reminded, rf):
    client.force_login(personas.alice)
    page = client.get(reverse("appraisal:notifications")).content.decode()
    assert reminded.message in page and "1 条未读" in page
    request = rf.get("/")
    request.user = personas.alice
    assert unread_context(request)["unread_notifications"] == 1
    response = client.post(reverse("appraisal:notification_read", args=[reminded.pk]), {"follow": "1"})
    assert response.url == reverse("appraisal:my_log", args=[2026, 2])
    reminded.refresh_from_db()
    assert reminded.read_at is not None
    assert unread_context(request)["unread_notifications"] == 0


def test_mark_all_read(client, personas, reminded):
    client.force_login(personas.alice)
    client.post(reverse("appraisal:notifications_read_all"))
    assert not Notification.objects.filter(user=personas.alice, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=personas.bob, read_at__isnull=True).exists()


def test_another_users_notification_is_not_found(client, personas, reminded):
    client.force_login(personas.bob)
    assert client.post(reverse("appraisal:notification_read", args=[reminded.pk])).status_code == 404
    reminded.refresh_from_db()
    assert reminded.read_at is None
