"""The audit log is complete in each row, append-only and hash-chained (RELIABILITY.md R22, R23)."""

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from psycopg.errors import InsufficientPrivilege

from core.audit import audit_chain_verify, audit_record
from core.models import AuditArchive, AuditEvent, AuditLogAppendOnly
from tests.concurrency import race

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def _three_rows(user):
    return [audit_record(actor=user, action="role.assign", obj=user, summary=f"第{i}条") for i in range(3)]


def _tamper(sql: str, params: list) -> None:
    """Change the table as the database superuser would, with triggers switched off for this transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def test_the_application_cannot_update_or_delete_audit_rows(personas):
    event = audit_record(actor=personas.alice, action="role.assign", obj=personas.alice)
    with pytest.raises(AuditLogAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(summary="改过")
    with pytest.raises(AuditLogAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditLogAppendOnly):
        event.delete()
    event.summary = "改过"
    with pytest.raises(AuditLogAppendOnly):
        event.save()


@on_postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET summary = 'forged'",
        "DELETE FROM core_auditevent",
        "TRUNCATE core_auditevent",
        "UPDATE core_auditarchive SET rows = 0",
        "DELETE FROM core_auditarchive",
        "TRUNCATE core_auditarchive",
    ],
)
def test_the_database_refuses_update_delete_and_truncate_of_the_audit_log(django_user_model, sql):
    user = django_user_model.objects.create(username="auditor")
    audit_record(actor=user, action="role.assign", obj=user)
    AuditArchive.objects.create(last_event_id=0, last_hash="", rows=0, file_path="x", file_sha256="")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        # The test settings allow TRUNCATE for Django's flush between tests; production connections never do.
        cursor.execute("SET LOCAL zhibu.audit_truncate = 'off'")
        cursor.execute(sql)


@on_postgres
def test_the_purge_switch_does_not_let_young_rows_be_deleted(personas):
    audit_record(actor=personas.alice, action="role.assign", obj=personas.alice)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL zhibu.audit_purge = 'on'")
        cursor.execute("DELETE FROM core_auditevent")


def test_an_untouched_chain_verifies(personas):
    _three_rows(personas.alice)
    call_command("verify_audit_chain")
    assert AuditEvent.objects.filter(action="audit.verify", result="success").count() == 1


@pytest.mark.parametrize(
    ("sql", "broken"),
    [
        ("UPDATE core_auditevent SET summary = 'forged' WHERE id = %s", 1),
        ("UPDATE core_auditevent SET created_at = created_at - interval '1 day' WHERE id = %s", 1),
        ("DELETE FROM core_auditevent WHERE id = %s", 2),
    ],
    ids=["content-edited", "time-edited", "row-removed"],
)
def test_verify_finds_the_first_row_changed_behind_the_applications_back(personas, sql, broken):
    if "interval" in sql and connection.vendor != "postgresql":
        sql = "UPDATE core_auditevent SET created_at = datetime(created_at, '-1 day') WHERE id = %s"
    rows = _three_rows(personas.alice)
    _tamper(sql, [rows[1].pk])
    with pytest.raises(CommandError, match=f"第 {rows[broken].pk} 号"):
        call_command("verify_audit_chain")
    assert AuditEvent.objects.filter(action="audit.verify", result="failure").exists()


def test_a_username_with_a_line_break_gives_one_row(client, personas):
    before = AuditEvent.objects.count()
    forged = "alice\r\n2026-01-01 auth.login ok actor=chief"
    client.post(reverse("login"), {"username": forged, "password": "wrong-password"})
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert [r.action for r in rows] == ["auth.login_failed"]
    assert rows[0].data["username"] == forged and rows[0].result == AuditEvent.Result.FAILURE


def test_every_row_written_during_a_request_carries_the_trusted_client_address(client, personas, settings):
    settings.ZHIBU_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests-1"}, HTTP_X_REAL_IP="203.0.113.7")
    event = AuditEvent.objects.get(action="auth.login")
    assert (event.ip, event.actor, event.object_id, event.result) == (
        "203.0.113.7",
        personas.alice,
        str(personas.alice.pk),
        "success",
    )
    # Outside a request (a worker, a command) the address is empty, not the last request's.
    assert audit_record(actor=None, action="role.assign", obj=personas.alice).ip == ""


def test_a_refused_request_is_recorded_as_a_failure(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.alice)
    assert client.post(reverse("logout")).status_code == 403
    event = AuditEvent.objects.get(action="auth.denied")
    assert (event.actor, event.result, event.data["status"]) == (personas.alice, "failure", 403)


def test_a_signed_in_users_404_is_recorded(client, personas):
    client.force_login(personas.alice)
    assert client.get("/no-such-record/12345/").status_code == 404
    event = AuditEvent.objects.get(action="auth.not_found")
    assert (event.actor, event.data["path"], event.result) == (personas.alice, "/no-such-record/12345/", "failure")


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(django_user_model):
    user = django_user_model.objects.create(username="writer")

    def write():
        with transaction.atomic():
            for _ in range(5):
                audit_record(actor=user, action="role.assign", obj=user)

    outcomes = race(*[write] * 8)
    assert outcomes == [None] * 8
    report = audit_chain_verify()
    assert (report.checked, report.first_broken_id) == (40, None)


APP_ROLE = "zhibu_app_role_test"


@pytest.fixture
def app_role(transactional_db):
    """A login role of its own for the running application, dropped with its grants afterwards. Roles belong to the
    whole server, so the name is this test's only."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")
        cursor.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
    try:
        yield APP_ROLE
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {APP_ROLE}")
            cursor.execute(f"DROP ROLE {APP_ROLE}")


def _as_role(role: str) -> psycopg.Connection:
    params = connection.get_connection_params()
    params.update(user=role, autocommit=True)
    params.pop("password", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params)


@on_postgres
def test_the_application_role_may_add_to_the_audit_log_but_change_and_delete_nothing_in_it(app_role, django_user_model):
    user = django_user_model.objects.create(username="auditor")
    event = audit_record(actor=user, action="role.assign", obj=user)
    # The control: with every privilege on the table, only the trigger stands in the way.
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT ALL ON core_auditevent TO {app_role}")
    with _as_role(app_role) as app, pytest.raises(InsufficientPrivilege, match="append-only"):
        app.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])

    call_command("grant_app_role", app_role, stdout=None)

    with _as_role(app_role) as app:
        assert app.execute("SELECT count(*) FROM core_auditevent").fetchone()[0] == 1
        app.execute(
            "INSERT INTO core_auditevent (action, object_type, object_id, summary, data, ip, result, created_at,"
            " chain_hash) VALUES ('role.assign', '', '', '', '{}', '', 'success', now(), 'x')"
        )
        app.execute("UPDATE core_user SET first_name = 'x' WHERE id = %s", [user.pk])  # the rest stays writable
        for statement in ("UPDATE core_auditevent SET summary = 'forged'", "DELETE FROM core_auditevent",
                          "TRUNCATE core_auditevent", "DELETE FROM core_auditarchive"):  # fmt: skip
            with pytest.raises(InsufficientPrivilege, match="permission denied"):
                app.execute(statement)
        # The purge function runs with the owner's rights, and the trigger's 180-day floor still holds for it.
        with pytest.raises(InsufficientPrivilege, match="append-only"):
            app.execute("SELECT zhibu_audit_purge(%s)", [event.pk])
    assert AuditEvent.objects.count() == 2


@on_postgres
def test_grant_app_role_refuses_a_missing_role_and_the_owner(db):
    with pytest.raises(CommandError, match="不存在"):
        call_command("grant_app_role", "no_such_role_here")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="所有者"):
        call_command("grant_app_role", owner)
