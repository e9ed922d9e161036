"""The restore drill (RELIABILITY.md R24): back up, restore into a scratch database, compare every table's rows and
the files; a row changed after the restore is found. Needs PostgreSQL (pg_dump, pg_restore); `.ci/run` has it."""

import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from core.backup import postgres_conninfo

# Committed data: pg_dump reads the database from another connection.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scratch_database():
    if connection.vendor != "postgresql":
        pytest.skip(f"the restore drill uses pg_dump and pg_restore; this run's database is {connection.vendor}")
    db = connection.settings_dict
    name = f"zhibu_drill_{uuid.uuid4().hex[:10]}"
    admin = postgres_conninfo({**db, "NAME": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield postgres_conninfo({**db, "NAME": name})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_drill_reproduces_every_table_and_file(personas, scratch_database, tmp_path):
    attachment = Path(settings.PRIVATE_STORAGE_ROOT) / "drill" / "minutes.txt"
    attachment.parent.mkdir(parents=True, exist_ok=True)
    attachment.write_text("会议记录")
    call_command("backup", out=str(tmp_path))
    (backup_dir,) = tmp_path.glob("zhibu-backup-*")
    files_dir = tmp_path / "restored-files"

    call_command("restore", str(backup_dir), database_url=scratch_database, files_dir=str(files_dir))

    assert (files_dir / "drill" / "minutes.txt").read_text() == "会议记录"
    with psycopg.connect(scratch_database) as restored:
        names = {row[0] for row in restored.execute("SELECT name FROM members_person")}
    assert "张小丽" in names


def test_restore_drill_finds_a_row_changed_after_the_backup(personas, scratch_database, tmp_path):
    call_command("backup", out=str(tmp_path))
    (backup_dir,) = tmp_path.glob("zhibu-backup-*")
    call_command("restore", str(backup_dir), database_url=scratch_database, files_dir=str(tmp_path / "files"))
    with psycopg.connect(scratch_database) as restored:
        restored.execute(
            "UPDATE members_person SET name = name || '改' WHERE id = (SELECT min(id) FROM members_person)"
        )
    with pytest.raises(CommandError, match="members_person"):
        call_command("restore", str(backup_dir), database_url=scratch_database, verify_only=True)
