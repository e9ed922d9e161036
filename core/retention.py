"""How long each class of data is kept, and what removes it afterwards (RELIABILITY.md R25): the one table.

`manage.py purge_expired` (and the daily beat task core.tasks.purge_expired) runs every purge function below;
`--dry-run` counts without changing anything. Classes without a purge function are listed so that the table answers
an assessor's question about them too; their rule is enforced where the data is made.
"""

import datetime
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .audit import audit_record, chain_hash, chain_lock, event_content
from .models import AuditArchive, AuditEvent, LoginThrottle

# The database refuses to delete younger audit rows (core migration 0004; 网络安全法 第二十一条: at least six months).
AUDIT_FLOOR_DAYS = 180
AUDIT_ARCHIVE_DIR = "audit-archive"


class RetentionError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DataClass:
    key: str
    label: str
    keep: str
    # (now, dry_run) -> number of items removed, or that would be removed.
    purge: Callable[[datetime.datetime, bool], int] | None = None


def audit_keep_days() -> int:
    return max(settings.ZHIBU_AUDIT_RETENTION_DAYS, AUDIT_FLOOR_DAYS)


def _audit_expired(now: datetime.datetime) -> QuerySet[AuditEvent]:
    """The oldest rows up to the first one still within retention: a prefix of the chain, so the rows that stay
    chain on from the last archived one even where dates are out of id order."""
    cutoff = now - datetime.timedelta(days=audit_keep_days())
    first_kept = AuditEvent.objects.filter(created_at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
    expired = AuditEvent.objects.filter(created_at__lt=cutoff)
    return expired.filter(id__lt=first_kept) if first_kept is not None else expired


def audit_purge(now: datetime.datetime, dry_run: bool) -> int:
    """Archive the expired audit rows to a JSONL file under the private storage (each line: id, chain_hash and the
    hashed content), check that they still chain, record the archive point, then delete them."""
    if dry_run:
        return _audit_expired(now).count()
    with transaction.atomic():
        chain_lock()
        rows = list(_audit_expired(now).order_by("id"))
        if not rows:
            return 0
        previous_archive = AuditArchive.objects.order_by("-last_event_id").first()
        previous = previous_archive.last_hash if previous_archive else ""
        folder = Path(settings.PRIVATE_STORAGE_ROOT) / AUDIT_ARCHIVE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        name = f"audit-{rows[0].id}-{rows[-1].id}-{now:%Y%m%d%H%M%S}.jsonl"
        scratch = folder / f".{name}.part"
        digest = hashlib.sha256()
        with scratch.open("wb") as archive:
            for event in rows:
                content = event_content(event)
                if chain_hash(previous, content) != event.chain_hash:
                    scratch.unlink()
                    raise RetentionError(f"第 {event.id} 号审计记录与哈希链不符，未归档：请先运行 verify_audit_chain")
                previous = event.chain_hash
                line = json.dumps(
                    {"id": event.id, "chain_hash": event.chain_hash, "content": json.loads(content)},
                    ensure_ascii=False,
                    sort_keys=True,
                ).encode()
                archive.write(line + b"\n")
                digest.update(line + b"\n")
            archive.flush()
            os.fsync(archive.fileno())
        scratch.replace(folder / name)
        record = AuditArchive.objects.create(
            last_event_id=rows[-1].id,
            last_hash=rows[-1].chain_hash,
            rows=len(rows),
            file_path=f"{AUDIT_ARCHIVE_DIR}/{name}",
            file_sha256=digest.hexdigest(),
        )
        deleted = _audit_delete_through(rows[-1].id)
        audit_record(
            actor=None,
            action="audit.purge",
            obj=record,
            summary=record.file_path,
            data={"rows": deleted, "last_event_id": record.last_event_id, "keep_days": audit_keep_days()},
        )
        return deleted


def _audit_delete_through(last_id: int) -> int:
    """On PostgreSQL through zhibu_audit_purge (core migration 0006): it runs with the table owner's rights, so the
    application's role needs no DELETE on the audit log, and the trigger still refuses rows younger than
    AUDIT_FLOOR_DAYS (core migration 0004)."""
    if connection.vendor != "postgresql":
        return AuditEvent.objects.filter(id__lte=last_id).purge()
    with connection.cursor() as cursor:
        cursor.execute("SELECT zhibu_audit_purge(%s)", [last_id])
        return cursor.fetchone()[0]


def audit_archive_verify(archive: AuditArchive, previous: str) -> int | None:
    """The id of the first line of an archive file that does not chain, or of the file itself (-1) when its digest
    or its last hash differs from what was recorded at the purge; None when the file is intact."""
    path = Path(settings.PRIVATE_STORAGE_ROOT) / archive.file_path
    raw = path.read_bytes()
    if hashlib.sha256(raw).hexdigest() != archive.file_sha256:
        return -1
    for line in raw.splitlines():
        entry = json.loads(line)
        content = json.dumps(entry["content"], sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        if chain_hash(previous, content) != entry["chain_hash"]:
            return entry["id"]
        previous = entry["chain_hash"]
    return None if previous == archive.last_hash else -1


def login_throttle_purge(now: datetime.datetime, dry_run: bool) -> int:
    """Failure counters whose window and lock have both ended count nothing any more."""
    longest = max(settings.ZHIBU_LOGIN_LOCK_SECONDS, settings.ZHIBU_LOGIN_ADDRESS_WINDOW_SECONDS)
    window = datetime.timedelta(seconds=longest)
    stale = LoginThrottle.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now), window_started_at__lt=now - window
    )
    return stale.count() if dry_run else stale.delete()[0]


def session_purge(now: datetime.datetime, dry_run: bool) -> int:
    expired = Session.objects.filter(expire_date__lt=now)
    return expired.count() if dry_run else expired.delete()[0]


def report_files_purge(now: datetime.datetime, dry_run: bool) -> int:
    from reports.services import files_purge  # reports builds on core, not the other way round

    return len(files_purge(now, dry_run=dry_run))


RETENTION: tuple[DataClass, ...] = (
    DataClass(
        "report_files", "报表文件", "生成后 ZHIBU_REPORT_RETENTION_DAYS 天（默认 7 天），任务记录保留并标为已过期",
        report_files_purge,
    ),
    DataClass(
        "audit_log", "审计记录",
        "ZHIBU_AUDIT_RETENTION_DAYS 天（默认 365 天，不少于 180 天），到期先归档为 JSONL 文件再删除",
        audit_purge,
    ),
    DataClass("login_throttle", "登录失败计数", "计数窗口与锁定期结束后删除", login_throttle_purge),
    DataClass("sessions", "登录会话", "到期（最长 ZHIBU_SESSION_SECONDS）后删除", session_purge),
    DataClass("report_scratch", "报表临时文件", "任务结束即删除（含失败任务）；残留的由报表文件清理一并删除"),
    DataClass("poll_staging", "测评暂存选票", "投票结束时移入结果并删除（RELIABILITY.md R21）"),
    DataClass("appraisal", "考核结论与签署记录", "按干部人事档案管理规定长期保存，不自动删除"),
)  # fmt: skip


def retention_purge(*, now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Run every purge of the table; returns the count per data class. A real run is itself audited."""
    now = now or timezone.now()
    counts = {item.key: item.purge(now, dry_run) for item in RETENTION if item.purge is not None}
    if not dry_run:
        audit_record(actor=None, action="retention.purge", obj=None, data=counts)
    return counts
