"""Backup and restore of the database and the stored files, with a check that a restore is complete (RELIABILITY.md
R24): the backup's manifest holds, per table, the row count and a digest of every row; a restore is verified by
computing the same figures on the restored database.

PostgreSQL is dumped with pg_dump's custom format and restored with pg_restore; the embedded SQLite database is
copied with SQLite's online backup API. The private files (attachments, report files) go into a tar archive.
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump and pg_restore only, with fixed argument lists
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FILES = "files.tar"
FETCH_ROWS = 2000


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_digests(db_connection: Any, tables: list[str]) -> dict[str, TableDigest]:
    """Row count and SHA-256 over every row, in an order fixed by all columns, read in bounded batches."""
    digests: dict[str, TableDigest] = {}
    for table in sorted(tables):
        cursor = db_connection.cursor()
        cursor.execute(f"SELECT * FROM {_quote(table)} LIMIT 0")  # noqa: S608  # nosec B608  # table names from introspection, quoted by _quote
        width = len(cursor.description)
        order = ", ".join(str(i) for i in range(1, width + 1))
        cursor.execute(f"SELECT * FROM {_quote(table)} ORDER BY {order}")  # noqa: S608  # nosec B608  # quoted name; order is column numbers
        digest, rows = hashlib.sha256(), 0
        while batch := cursor.fetchmany(FETCH_ROWS):
            for row in batch:
                digest.update(repr(tuple(row)).encode())
                rows += 1
        cursor.close()
        digests[table] = TableDigest(rows, digest.hexdigest())
    return digests


def _tables() -> list[str]:
    return [t for t in connection.introspection.table_names(include_views=False) if not t.startswith("sqlite_")]


def postgres_conninfo(db: dict[str, Any]) -> str:
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db["USER"] or None, password=db["PASSWORD"] or None,
        host=db["HOST"] or None, port=str(db["PORT"]) if db["PORT"] else None,
    )  # fmt: skip


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603  # argv list without a shell, built here
    except FileNotFoundError:
        raise BackupError(f"找不到 {command[0]}：请安装 PostgreSQL 客户端工具（Debian：postgresql-client）。") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} 执行失败：{result.stderr.strip()}")


def backup_create(out_dir: Path) -> Path:
    """Write a backup directory under out_dir and return it."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    target = Path(out_dir) / f"zhibu-backup-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    tables = _tables()
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target / PG_DUMP}", postgres_conninfo(db)])
        with psycopg.connect(postgres_conninfo(db)) as source:
            digests = _table_digests(source, tables)
    elif connection.vendor == "sqlite":
        with sqlite3.connect(db["NAME"]) as source, sqlite3.connect(target / SQLITE_COPY) as copy:
            source.backup(copy)
        with sqlite3.connect(target / SQLITE_COPY) as copy:
            digests = _table_digests(copy, tables)
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    files_root = Path(settings.PRIVATE_STORAGE_ROOT)
    file_count = 0
    with tarfile.open(target / FILES, "w") as archive:
        if files_root.exists():
            for path in sorted(files_root.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(files_root)))
                    file_count += 1
    manifest = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "vendor": connection.vendor,
        "tables": {name: {"rows": d.rows, "sha256": d.sha256} for name, d in digests.items()},
        "files": file_count,
        "files_sha256": hashlib.sha256((target / FILES).read_bytes()).hexdigest(),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return target


def _manifest(backup_dir: Path) -> dict[str, Any]:
    path = Path(backup_dir) / MANIFEST
    if not path.exists():
        raise BackupError(f"{backup_dir} 中没有 {MANIFEST}：不是支部系统的备份")
    return json.loads(path.read_text())


def backup_restore(backup_dir: Path, *, database_url: str, files_root: Path) -> None:
    """Restore the database into database_url (an existing, empty or previous Zhibu database: objects are replaced)
    and the files into files_root."""
    backup_dir = Path(backup_dir)
    manifest = _manifest(backup_dir)
    if hashlib.sha256((backup_dir / FILES).read_bytes()).hexdigest() != manifest["files_sha256"]:
        raise BackupError("files.tar 与清单不符：备份已损坏")
    if manifest["vendor"] == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
              f"--dbname={database_url}", str(backup_dir / PG_DUMP)])  # fmt: skip
    else:
        shutil.copyfile(backup_dir / SQLITE_COPY, database_url.removeprefix("sqlite:///"))
    files_root = Path(files_root)
    files_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(backup_dir / FILES) as archive:
        archive.extractall(files_root, filter="data")
    os.sync()


def backup_verify(backup_dir: Path, *, database_url: str) -> list[str]:
    """The tables whose rows differ between the backup's manifest and the database at database_url."""
    manifest = _manifest(Path(backup_dir))
    expected = manifest["tables"]
    mismatched = []
    for name, figures in expected.items():
        try:
            if manifest["vendor"] == "postgresql":
                with psycopg.connect(database_url) as target:
                    actual = _table_digests(target, [name])[name]
            else:
                with sqlite3.connect(database_url.removeprefix("sqlite:///")) as target:
                    actual = _table_digests(target, [name])[name]
        except (psycopg.Error, sqlite3.Error):
            mismatched.append(name)
            continue
        if actual.rows != figures["rows"] or actual.sha256 != figures["sha256"]:
            mismatched.append(name)
    return mismatched
