"""On PostgreSQL the audit purge goes through a function that runs with its owner's rights (SECURITY DEFINER), so
the application's database role can hold INSERT and SELECT only on the audit log (RELIABILITY.md R23, `manage.py
grant_app_role`) and still remove what core.retention has archived. The function sets the purge switch of migration
0004 for its own statement only; the trigger's 180-day floor applies to it as to anyone. On SQLite nothing changes.
"""

from django.db import migrations

# {schema} is named explicitly, never found through the search path: a SECURITY DEFINER function must not resolve
# names where a caller's temporary objects come first.
FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.zhibu_audit_purge(last_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    deleted bigint;
BEGIN
    PERFORM set_config('zhibu.audit_purge', 'on', true);
    DELETE FROM {schema}.core_auditevent WHERE id <= last_id;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('zhibu.audit_purge', 'off', true);
    RETURN deleted;
END
$$;
REVOKE ALL ON FUNCTION {schema}.zhibu_audit_purge(bigint) FROM PUBLIC;
"""


def _install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
    statement = FUNCTION.format(schema=schema)
    schema_editor.execute(statement, params=None)


def _remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS zhibu_audit_purge(bigint)", params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_user_password_changed_at")]

    operations = [migrations.RunPython(_install, _remove)]
