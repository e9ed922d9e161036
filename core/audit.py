"""The audit trail (RELIABILITY.md R22, R23). Services call audit_record inside the transaction that makes the change.

Every row carries who (actor), when (created_at, UTC in the hash), where (the client address of the current request,
set by core.middleware.AuditContextMiddleware), what (object type and id, action) and the result.

Hash chain: chain_hash = sha256(previous row's chain_hash + canonical content of this row), in id order. Writers are
serialised by a transaction-level PostgreSQL advisory lock taken in audit_record and held to commit, so ids are
handed out in chain order and no two rows chain to the same predecessor. The lock is taken as late as possible (the
audit row is the last write of a service) and costs one round trip. On SQLite the database itself admits one writer
at a time; the embedded database is for a single user and the demo.

After a purge the chain of the remaining rows starts from the last archived row's hash (AuditArchive).
"""

import contextvars
import datetime
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .models import AUDIT_FAILURE_ACTIONS, AuditArchive, AuditEvent, User

# The advisory lock key of the chain head: any fixed 64-bit number that nothing else in the database uses.
CHAIN_LOCK_KEY = 0x7A68_6962_7541_7564  # "zhibuAud"
GENESIS = ""

_client_ip: contextvars.ContextVar[str] = contextvars.ContextVar("zhibu_audit_client_ip", default="")
_clock: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar("zhibu_audit_clock", default=None)


@contextmanager
def audit_client_ip(address: str) -> Iterator[None]:
    """Rows written inside the block carry this client address (set per request by the middleware)."""
    token = _client_ip.set(address)
    try:
        yield
    finally:
        _client_ip.reset(token)


@contextmanager
def audit_backdated(at: datetime.datetime) -> Iterator[None]:
    """Rows written inside the block are dated `at`. Only the demo data uses this, to tell a believable past; the
    rows are written once with that date and chained like any other, never edited afterwards."""
    token = _clock.set(at)
    try:
        yield
    finally:
        _clock.reset(token)


def canonical_content(
    *,
    created_at: datetime.datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    data: Any,
    ip: str,
    result: str,
) -> bytes:
    """The hashed form of a row: sorted-key JSON, time in UTC to the microsecond (what both databases store)."""
    return json.dumps(
        {
            "created_at": created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "summary": summary,
            "data": data,
            "ip": ip,
            "result": result,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def chain_hash(previous: str, content: bytes) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + content).hexdigest()


def event_content(event: AuditEvent) -> bytes:
    return canonical_content(
        created_at=event.created_at,
        actor_id=event.actor_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        summary=event.summary,
        data=event.data,
        ip=event.ip,
        result=event.result,
    )


def chain_lock() -> None:
    """Serialise chain writers until the end of the current transaction (PostgreSQL; SQLite has one writer).

    Foreign keys are checked at once from here on: Django declares them DEFERRABLE INITIALLY DEFERRED, and a check
    left to COMMIT would wait there for a row lock while holding the chain lock, and deadlock with the holder of that
    row lock waiting for the chain lock (seen in bench/load.py: a log save's check of members_person at COMMIT). So
    the checks pending so far run before the chain lock is taken, and later ones when their statement runs."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _chain_head() -> str:
    last = AuditEvent.objects.order_by("-id").values_list("chain_hash", flat=True).first()
    if last is not None:
        return last
    archive = AuditArchive.objects.order_by("-last_event_id").values_list("last_hash", flat=True).first()
    return archive or GENESIS


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None,
    summary: str = "",
    data: dict[str, Any] | None = None,
    result: str | None = None,
) -> AuditEvent:
    """Write one audit row. `result` defaults from the action (failures are AUDIT_FAILURE_ACTIONS)."""
    if result is None:
        result = AuditEvent.Result.FAILURE if action in AUDIT_FAILURE_ACTIONS else AuditEvent.Result.SUCCESS
    # What the database will hand back: JSON types only, so the hash recomputes from the stored row.
    stored_data = json.loads(json.dumps(data or {}, ensure_ascii=False))
    event = AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        # An event about no single record (a roster import) has no object.
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:255],
        data=stored_data,
        ip=_client_ip.get()[:64],
        result=result,
        created_at=_clock.get() or timezone.now(),
    )
    with transaction.atomic():
        chain_lock()
        event.chain_hash = chain_hash(_chain_head(), event_content(event))
        event.save(force_insert=True)
    return event


def audit_events_for(obj: models.Model) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str = ""


def audit_chain_verify(batch: int = 2000) -> ChainReport:
    """Recompute the chain in id order from the last archive point; the first row whose hash does not follow from
    its predecessor and its own content is where the log was changed, a row was removed, or one was slipped in."""
    archive = AuditArchive.objects.order_by("-last_event_id").first()
    previous = archive.last_hash if archive else GENESIS
    last_id = archive.last_event_id if archive else 0
    checked = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return ChainReport(checked, None)
        for event in rows:
            expected = chain_hash(previous, event_content(event))
            if event.chain_hash != expected:
                return ChainReport(checked, event.id, "内容或前一条记录与哈希不符")
            previous, last_id = event.chain_hash, event.id
            checked += 1
