"""seed_demo builds one realistic demo organ, again and again without duplicates; `make run` calls --if-empty."""

import datetime
import io
import stat
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from branches.models import Meeting, PartyOrganization
from branches.selectors import CellStatus, meeting_compliance, silent_branches
from core.models import User
from core.roles import Role
from members.demo import DEMO_ACCOUNTS, demo_counts, id_check_digit, skipped_quarter
from members.demo_lifecycle import LIFECYCLE_PEOPLE
from members.models import Person
from tests.factories import PersonFactory

USERNAMES = [a.username for a in DEMO_ACCOUNTS]


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def saved_logins(var_dir) -> dict[str, str]:
    """username → password, read from the table the command writes."""
    logins = {}
    for line in (var_dir / "demo_logins.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in USERNAMES:
            logins[parts[1]] = parts[2]
    return logins


def snapshot() -> dict:
    return {
        "counts": demo_counts(),
        "people": set(Person.objects.values_list("name", "id_number", "birth_date", "unit__name", "membership__stage")),
        "meetings": set(Meeting.objects.values_list("organization__name", "kind", "held_on", "is_late_entry")),
    }


def test_id_check_digit_follows_gb_11643():
    assert id_check_digit("11010519491231002") == "X"  # the standard's own example
    assert id_check_digit("11010119900101123") == "7"


def test_if_empty_seeds_an_empty_database_once_and_a_full_run_repeats_the_same_rows(db, var_dir):
    first_out = seed("--if-empty")
    first = snapshot()
    first_logins = saved_logins(var_dir)

    counts = first["counts"]
    assert counts["persons"] == 120 + LIFECYCLE_PEOPLE
    assert counts["departments"] == 6
    assert counts["general_branches"] == 2
    assert counts["branches"] == 6
    assert counts["groups"] == 12
    assert counts["users"] == len(USERNAMES) == 9
    assert counts["non_members"] == 10
    assert all(counts[f"stage_{stage}"] > 0 for stage in ("full", "probationary", "development_target", "activist"))
    assert counts["stage_applicant"] > 0
    assert counts["transferred_out"] == 1
    assert counts["late_entries"] == 3
    assert counts["meetings"] > 150
    assert set(first_logins) == set(USERNAMES)
    assert "演示账号（仅用于演示数据）" in first_out
    assert "http://127.0.0.1:8000/accounts/login/" in first_out

    again_out = seed("--if-empty")
    assert snapshot() == first
    assert saved_logins(var_dir) == first_logins, "--if-empty must not reset passwords"
    assert first_logins["secretary"] in again_out

    seed()
    assert snapshot() == first
    second_logins = saved_logins(var_dir)
    assert all(second_logins[u] != first_logins[u] for u in USERNAMES), "every run sets fresh passwords"


def test_if_empty_on_a_database_with_people_and_no_logins_file_only_prints_a_hint(db, var_dir):
    PersonFactory()

    out = seed("--if-empty")

    assert Person.objects.count() == 1
    assert not User.objects.exists()
    assert "python manage.py seed_demo" in out


@time_machine.travel(datetime.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_demo_logins_work_with_scoped_roles_and_the_deliberate_gaps_show(client, db, var_dir):
    seed()
    today = datetime.date(2026, 11, 20)
    logins_file = var_dir / "demo_logins.txt"
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600

    logins = saved_logins(var_dir)
    for username, password in logins.items():
        assert client.login(username=username, password=password), username
        client.logout()
    assert not User.objects.filter(is_superuser=True).exists()
    users = {u.username: u for u in User.objects.all()}
    assert all(hasattr(u, "person") for u in users.values())
    assert users["leader"].role_assignments.filter(role=Role.LEADER).count() == 2
    officer_scope = users["officer"].role_assignments.get()
    assert (officer_scope.organization.parent, officer_scope.unit.parent) == (None, None)

    sysadmin = users["sysadmin"]
    assert sysadmin.is_staff
    assert sysadmin.has_perm("members.change_person")
    assert sysadmin.has_perm("branches.change_partyorganization")
    assert not sysadmin.has_perm("core.change_auditevent")
    client.force_login(sysadmin)
    assert client.get(reverse("admin:members_person_changelist")).status_code == 200
    # The security administrator assigns roles, the audit administrator reads the audit trail; neither does both.
    client.force_login(users["secadmin"])
    assert client.get(reverse("admin:members_roleassignment_changelist")).status_code == 200
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403
    client.force_login(users["auditadmin"])
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:members_roleassignment_changelist")).status_code == 403

    # The secretary of the first branch sees its members (the staff member and the unit head among them).
    client.force_login(users["secretary"])
    page = client.get(reverse("members:list"))
    assert page.status_code == 200
    content = page.content.decode()
    assert users["staff"].person.name in content
    assert users["unithead"].person.name in content
    assert users["officer"].person.name not in content  # another branch, another department

    meetings = Meeting.objects.all()
    assert not meetings.filter(held_on__gt=today).exists()
    assert not meetings.filter(held_on__lt=F("organization__founded_on")).exists()
    assert all(m.recorded_at.date() >= m.held_on for m in meetings)

    officer = users["officer"]
    skipped_from, _ = skipped_quarter(today)
    rows = meeting_compliance(user=officer, year=skipped_from.year, today=today)
    short = {(r.branch.name, r.kind) for r in rows for c in r.cells if c.status == CellStatus.SHORT}
    assert short == {("宣传部党支部", "committee_meeting")}
    exempt = {r.branch.name for r in rows for c in r.cells if c.status == CellStatus.EXEMPT}
    assert exempt == {"团工委党支部"}
    new_branch = PartyOrganization.objects.get(name="团工委党支部")
    assert new_branch.founded_on.year == today.year
    assert [s.branch.name for s in silent_branches(user=officer, today=today)] == ["统战部党支部"]
