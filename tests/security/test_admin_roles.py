"""MLPS 三权分立 (RELIABILITY.md R5): system, security and audit administrators, each limited to its own part of the
admin, and no everyday superuser."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.audit import audit_record
from core.checks import no_everyday_superuser
from core.models import AuditEvent
from core.roles import Role
from members.models import RoleAssignment
from members.services import role_assign
from tests.factories import UserFactory


@pytest.fixture
def admins(personas):
    """One account per administrator role, assigned by the security admin (who was set up at installation)."""
    accounts = {}
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        user = UserFactory(username=role.value)
        role_assign(user=user, role=role)
        user.refresh_from_db()
        accounts[role] = user
    return accounts


AUDIT_LOG = reverse("admin:core_auditevent_changelist")
ROLE_ASSIGNMENTS = reverse("admin:members_roleassignment_changelist")
NEW_ROLE_ASSIGNMENT = reverse("admin:members_roleassignment_add")
LOCKOUTS = reverse("admin:core_loginthrottle_changelist")
RATINGS = reverse("admin:appraisal_rating_changelist")
MONTHLY_LOGS = reverse("admin:appraisal_monthlylog_changelist")
POLLS = reverse("admin:reviews_poll_changelist")
UNITS = reverse("admin:branches_unit_changelist")


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        (Role.SYSTEM_ADMIN, UNITS, 200),
        (Role.SYSTEM_ADMIN, AUDIT_LOG, 403),
        (Role.SYSTEM_ADMIN, POLLS, 403),
        (Role.SYSTEM_ADMIN, NEW_ROLE_ASSIGNMENT, 403),
        (Role.SECURITY_ADMIN, ROLE_ASSIGNMENTS, 200),
        (Role.SECURITY_ADMIN, NEW_ROLE_ASSIGNMENT, 200),
        (Role.SECURITY_ADMIN, LOCKOUTS, 200),
        (Role.SECURITY_ADMIN, RATINGS, 403),
        (Role.SECURITY_ADMIN, MONTHLY_LOGS, 403),
        (Role.SECURITY_ADMIN, AUDIT_LOG, 403),
        (Role.AUDIT_ADMIN, AUDIT_LOG, 200),
        (Role.AUDIT_ADMIN, NEW_ROLE_ASSIGNMENT, 403),
        (Role.AUDIT_ADMIN, RATINGS, 403),
        (Role.AUDIT_ADMIN, UNITS, 403),
    ],
)
def test_each_administrator_reaches_only_its_own_part_of_the_admin(client, admins, role, url, status):
    client.force_login(admins[role])
    assert client.get(url).status_code == status


def test_a_superuser_without_the_audit_role_cannot_read_the_audit_log(client, db):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(AUDIT_LOG).status_code == 403


def test_the_audit_admin_reads_but_cannot_change_or_delete_and_reading_is_audited(client, admins, personas):
    event = audit_record(actor=personas.alice, action="role.assign", obj=personas.alice)
    client.force_login(admins[Role.AUDIT_ADMIN])
    assert client.get(AUDIT_LOG, {"action": "role.assign"}).status_code == 200
    assert client.get(reverse("admin:core_auditevent_change", args=[event.pk])).status_code == 200
    assert client.post(reverse("admin:core_auditevent_delete", args=[event.pk])).status_code == 403
    reads = AuditEvent.objects.filter(action="audit.view", actor=admins[Role.AUDIT_ADMIN]).order_by("id")
    assert [(r.object_id, r.data.get("query")) for r in reads] == [("", "action=role.assign"), (str(event.pk), None)]


def test_a_role_granted_in_the_admin_is_audited(client, admins, personas):
    client.force_login(admins[Role.SECURITY_ADMIN])
    response = client.post(NEW_ROLE_ASSIGNMENT, {"user": personas.wang.pk, "role": Role.AUDIT_ADMIN})
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=personas.wang, role=Role.AUDIT_ADMIN).exists()
    event = AuditEvent.objects.get(action="admin.change")
    assert event.actor == admins[Role.SECURITY_ADMIN] and event.data["model"] == "members.roleassignment"


def test_the_admin_deletes_one_object_at_a_time_and_each_delete_is_audited(client, admins, personas):
    client.force_login(admins[Role.SECURITY_ADMIN])
    grants = [role_assign(user=user, role=Role.AUDIT_ADMIN) for user in (personas.wang, personas.bob)]
    changelist = client.get(ROLE_ASSIGNMENTS)
    assert "delete_selected" not in changelist.content.decode()
    bulk = {"action": "delete_selected", "_selected_action": [g.pk for g in grants], "post": "yes"}
    client.post(ROLE_ASSIGNMENTS, bulk)
    assert RoleAssignment.objects.filter(pk__in=[g.pk for g in grants]).count() == 2
    delete = reverse("admin:members_roleassignment_delete", args=[grants[0].pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=grants[0].pk).exists()
    event = AuditEvent.objects.get(action="admin.change", data__flag=3)  # DELETION
    assert event.actor == admins[Role.SECURITY_ADMIN] and str(event.data["object_id"]) == str(grants[0].pk)


def test_the_deploy_check_warns_about_an_active_superuser(db):
    assert no_everyday_superuser() == []
    root = UserFactory(username="root", is_superuser=True)
    assert [w.id for w in no_everyday_superuser()] == ["core.W001"]
    root.is_active = False
    root.save()
    assert no_everyday_superuser() == []


def test_check_deploy_with_production_settings_passes_on_an_empty_database(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "prod-like-" + "k7Qz-w3Xp_9mV2rT5yB8nC4hJ6fL1dS0aG" * 2,
        "ZHIBU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
