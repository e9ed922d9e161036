"""The retention table and its purge (RELIABILITY.md R25; the audit log's 180-day floor, R23). Data is seeded on
both sides of every boundary; the report files' own boundary is tested in reports/tests (files_purge)."""

import datetime
import io
import json
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from core.audit import audit_chain_verify, audit_record
from core.models import AuditArchive, AuditEvent, LoginThrottle
from core.retention import AUDIT_FLOOR_DAYS, audit_archive_verify, audit_keep_days, retention_purge

DAY = datetime.timedelta(days=1)


def _audit_at(at: datetime.datetime, user, summary: str) -> AuditEvent:
    with time_machine.travel(at, tick=False):
        return audit_record(actor=user, action="role.assign", obj=user, summary=summary)


@pytest.fixture
def user(django_user_model):
    # Made without audit rows of today: the purge archives a prefix of the chain (see the test below).
    return django_user_model.objects.create(username="retention")


@pytest.fixture
def seeded(user):
    """Audit rows a day past and a day short of retention; counters and sessions either side of their end."""
    now = timezone.now()
    keep = audit_keep_days()
    old = _audit_at(now - (keep + 1) * DAY, user, "过期")
    young = _audit_at(now - (keep - 1) * DAY, user, "未过期")
    window = datetime.timedelta(
        seconds=max(settings.ZHIBU_LOGIN_LOCK_SECONDS, settings.ZHIBU_LOGIN_ADDRESS_WINDOW_SECONDS)
    )
    LoginThrottle.objects.create(kind="account", key_hash="stale", window_started_at=now - window - DAY)
    LoginThrottle.objects.create(kind="account", key_hash="counting", window_started_at=now - window + DAY)
    LoginThrottle.objects.create(
        kind="address", key_hash="locked", window_started_at=now - window - DAY, locked_until=now + DAY
    )
    Session.objects.create(session_key="expired" * 4, session_data="", expire_date=now - DAY)
    Session.objects.create(session_key="current" * 4, session_data="", expire_date=now + DAY)
    return old, young


def test_audit_retention_is_never_below_180_days(settings):
    settings.ZHIBU_AUDIT_RETENTION_DAYS = 30
    assert audit_keep_days() == AUDIT_FLOOR_DAYS == 180


def test_dry_run_counts_what_is_past_retention_and_changes_nothing(seeded):
    rows = AuditEvent.objects.count()
    counts = retention_purge(dry_run=True)
    assert counts == {"report_files": 0, "audit_log": 1, "login_throttle": 1, "sessions": 1}
    assert AuditEvent.objects.count() == rows and LoginThrottle.objects.count() == 3 and Session.objects.count() == 2


def test_purge_removes_only_what_is_past_retention(seeded):
    old, young = seeded
    counts = retention_purge()
    assert counts["audit_log"] == 1 and counts["login_throttle"] == 1 and counts["sessions"] == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists() and AuditEvent.objects.filter(pk=young.pk).exists()
    assert set(LoginThrottle.objects.values_list("key_hash", flat=True)) == {"counting", "locked"}
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" * 4]
    assert AuditEvent.objects.filter(action="retention.purge").get().data == counts


def test_purged_audit_rows_are_archived_first_and_the_chain_still_verifies(seeded):
    old, _ = seeded
    retention_purge()
    archive = AuditArchive.objects.get()
    assert (archive.last_event_id, archive.rows, archive.last_hash) == (old.pk, 1, old.chain_hash)
    lines = (Path(settings.PRIVATE_STORAGE_ROOT) / archive.file_path).read_text().splitlines()
    assert [json.loads(line)["content"]["summary"] for line in lines] == ["过期"]
    assert audit_archive_verify(archive, previous="") is None
    report = audit_chain_verify()
    assert report.first_broken_id is None and report.checked == AuditEvent.objects.count()
    assert AuditEvent.objects.filter(action="audit.purge").get().object_id == str(archive.pk)


def test_a_young_row_before_old_ones_stops_the_audit_purge_there(user):
    """Only a prefix of the chain is archived, so the rows that stay always chain on from the archive point."""
    now = timezone.now()
    keep = audit_keep_days()
    first = _audit_at(now - (keep + 3) * DAY, user, "过期一")
    _audit_at(now - 2 * DAY, user, "未过期")
    late = _audit_at(now - (keep + 2) * DAY, user, "过期二，但编号在后")
    assert retention_purge()["audit_log"] == 1
    assert not AuditEvent.objects.filter(pk=first.pk).exists() and AuditEvent.objects.filter(pk=late.pk).exists()
    assert audit_chain_verify().first_broken_id is None


def test_purge_expired_command_has_a_dry_run(seeded):
    out = io.StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "审计记录：将清除 1 项" in text and "考核结论与签署记录" in text
    assert AuditArchive.objects.count() == 0 and not AuditEvent.objects.filter(action="retention.purge").exists()
