"""The audit log becomes a hash chain and, on PostgreSQL, append-only (RELIABILITY.md R23).

Rows written before this migration are chained first, in id order, while UPDATE is still allowed. Then triggers on
core_auditevent and core_auditarchive refuse UPDATE, DELETE and TRUNCATE, with two narrow exceptions that a caller
has to ask for with a transaction-local setting (set_config(..., true), gone at commit or rollback):

- zhibu.audit_purge = 'on' (core.retention's audit purge only): DELETE of audit rows older than 180 days. The floor
  is in the trigger, so no setting of the application can purge younger rows (网络安全法 第二十一条).
- zhibu.audit_truncate = 'on' (the test settings set it for their connections, so that Django's test flush can
  empty the tables between transactional tests): TRUNCATE.

These keep mistakes and casual SQL out. They do not stop someone holding the database owner's credentials, which is
what the hash chain and `manage.py verify_audit_chain` are for. On SQLite this migration only computes the chain.
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION zhibu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'core_auditevent'
       AND current_setting('zhibu.audit_purge', true) = 'on'
       AND OLD.created_at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' AND current_setting('zhibu.audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'zhibu: % on % is refused: the audit log is append-only (RELIABILITY.md R23)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

TABLES = ["core_auditevent", "core_auditarchive"]


def _chain_existing_rows(apps, schema_editor):
    from core.audit import canonical_content, chain_hash

    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditEvent.objects.filter(action__in=["auth.login_failed", "auth.lockout"]).update(result="failure")
    previous = ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        content = canonical_content(
            created_at=event.created_at, actor_id=event.actor_id, action=event.action,
            object_type=event.object_type, object_id=event.object_id, summary=event.summary,
            data=event.data, ip=event.ip, result=event.result,
        )  # fmt: skip
        previous = chain_hash(previous, content)
        AuditEvent.objects.filter(pk=event.pk).update(chain_hash=previous)


def _install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION zhibu_audit_append_only()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION zhibu_audit_append_only()"
        )


def _remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS zhibu_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_who_where_result_chain")]

    operations = [
        migrations.RunPython(_chain_existing_rows, migrations.RunPython.noop),
        migrations.RunPython(_install, _remove),
    ]
