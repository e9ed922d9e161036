"""Give a separate database role what the running application needs, and on the audit log no more than SELECT and
INSERT (RELIABILITY.md R23: "the application DB role has INSERT only"). Run as the role that owns the tables (the
one that runs `migrate`), after every migration; the web and worker processes then connect as ROLE.

The audit purge still works for ROLE: it goes through zhibu_audit_purge, which runs with the owner's rights and the
trigger's 180-day floor (core migrations 0004 and 0006)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg import sql

APPEND_ONLY_TABLES = ("core_auditevent", "core_auditarchive")


def grant_statements(role: str, schema: str) -> list[sql.Composed]:
    role_id, schema_id = sql.Identifier(role), sql.Identifier(schema)
    tables = sql.SQL(", ").join(sql.Identifier(schema, table) for table in APPEND_ONLY_TABLES)
    return [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, role_id),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(schema_id, role_id),
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(tables, role_id),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(schema_id, role_id),
        sql.SQL("GRANT EXECUTE ON FUNCTION {}(bigint) TO {}").format(
            sql.Identifier(schema, "zhibu_audit_purge"), role_id
        ),
    ]


class Command(BaseCommand):
    help = (
        "为应用程序使用的数据库账号授权：审计日志只能查询和追加（RELIABILITY.md R23）。"
        "须以数据表的所有者运行，每次 migrate 之后重新运行。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "role", help="应用程序连接数据库所用的账号（须已存在，例如 CREATE ROLE zhibu_app LOGIN PASSWORD …）"
        )
        parser.add_argument("--print", action="store_true", help="只打印授权语句，不执行")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("只适用于 PostgreSQL。")
        role = options["role"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema(), current_user, 1 FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"数据库账号 {role} 不存在，请先创建。")
            schema, owner, _ = found
            if role == owner:
                raise CommandError("应用程序账号不能是数据表的所有者：所有者不受授权限制。")
            statements = grant_statements(role, schema)
            for statement in statements:
                text = statement.as_string(cursor.connection)
                if options["print"]:
                    self.stdout.write(f"{text};")
                else:
                    cursor.execute(statement)
        if not options["print"]:
            self.stdout.write(
                f"已为 {role} 授权：业务数据可读写，审计日志只能查询和追加；每次 migrate 之后须重新运行。"
            )
