"""The home page tells each role what is due (DOMAIN.md §1, §5)."""

import datetime

from django.urls import reverse

from appraisal.services import TaskEntry, monthly_log_save, monthly_log_submit


def test_staff_home_shows_this_months_due_date_and_working_days_left(client, personas, time_machine):
    time_machine.move_to(datetime.datetime(2026, 2, 25, 9, 0, tzinfo=datetime.UTC))
    client.force_login(personas.alice)
    html = client.get(reverse("home")).content.decode()
    assert "2026-02-28" in html  # an adjusted working Saturday is February's due date
    assert "还有 3 个工作日" in html


def test_unit_head_home_counts_logs_waiting_for_a_comment(client, personas, time_machine):
    time_machine.move_to(datetime.datetime(2026, 2, 10, 9, 0, tzinfo=datetime.UTC))
    log = monthly_log_save(person=personas.people.alice, year=2026, month=2, fields={}, tasks=[TaskEntry("起草")],
                           expected_version=None, by=personas.alice)  # fmt: skip
    monthly_log_submit(log=log, by=personas.alice)
    client.force_login(personas.bob)
    html = client.get(reverse("home")).content.decode()
    assert "1 份已提交待写月评" in html


def test_leader_home_links_to_signing(client, personas):
    client.force_login(personas.lin)
    html = client.get(reverse("home")).content.decode()
    assert 'id="card-sign"' in html and reverse("appraisal:leader_home") in html
