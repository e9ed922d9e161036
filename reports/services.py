"""Report jobs (DOMAIN.md §8, RELIABILITY.md R17–R20, R25): request, dispatch, run, retry, sweep and purge.

- A request inserts the job row; the Celery message is sent after the transaction commits. When the broker is
  down or hung (bounded by the broker timeouts in settings) the job stays pending with a plain message, and the
  sweeper or the retry button sends it later: no request is lost and the page never fails.
- A run claims the job with a conditional UPDATE (pending, or running with an expired lease, or running under the
  same message after its worker died), counts the attempt, writes to a scratch directory and moves the finished
  file into place with os.replace; finishing is again conditional, so a duplicate run never makes a second file.
- After ZHIBU_REPORT_MAX_ATTEMPTS attempts a job fails for good, with a retry button for the user.
"""

import hashlib
import json
import logging
import os
import shutil
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from core.audit import audit_record
from core.models import User

from .models import ReportJob
from .periods import ReportPeriod
from .registry import ReportError, ReportKind, ReportRequest, ReportTarget, get_kind
from .rendering import Progress, safe_filename, write_report

logger = logging.getLogger(__name__)
# What publishing raises when Redis is down or hung past the broker timeouts (RELIABILITY.md MEAS-5).
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)
Status = ReportJob.Status

QUEUE_DOWN = gettext_lazy("任务队列暂时不可用：申请已保存，队列恢复后将自动生成；也可稍后点击“重试”。")
RETRYING = gettext_lazy("生成时出错，系统将自动重试（已尝试 %(n)d 次）。")
GAVE_UP = gettext_lazy("多次尝试仍未能生成，请点击“重试”或联系系统管理员。")
FAILED = gettext_lazy("生成失败：系统内部错误，请点击“重试”或联系系统管理员。")


def reports_root() -> Path:
    """Outside STATIC_ROOT and every served path: files are read only by the download view."""
    return Path(settings.PRIVATE_STORAGE_ROOT) / "reports"


def scratch_root() -> Path:
    return reports_root() / "tmp"


# ---- Building (shared by the task and manage.py build_report) -------------------------------------------------


def request_for(*, kind: ReportKind, target: ReportTarget, period: ReportPeriod, user: User) -> ReportRequest:
    kind.check_period(period)
    if not kind.may_request(user, target):
        raise ReportError(_("您无权为%(target)s生成%(kind)s。") % {"target": target.label, "kind": kind.label})
    return ReportRequest(kind=kind, target=target, period=period, user=user)


def build_file(request: ReportRequest, fmt: str, directory: Path, progress: Progress | None = None) -> Path:
    """Build the report into `directory`; returns the one file to hand out (a long PDF in parts is zipped)."""
    if fmt not in request.kind.formats:
        raise ReportError(_("%(kind)s没有%(fmt)s格式。") % {"kind": request.kind.label, "fmt": fmt})
    if request.kind.build is not None:
        return request.kind.build(request, fmt, directory, progress)
    files = write_report(request, fmt, directory, progress)
    if len(files) == 1:
        return files[0]
    bundle = directory / f"{files[0].name.rsplit('-第', 1)[0]}.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for path in files:
            archive.write(path, path.name)
            path.unlink()
    return bundle


# ---- Requests -------------------------------------------------------------------------------------------------


def params_hash(*, kind: str, fmt: str, target: ReportTarget, period: ReportPeriod, user: User) -> str:
    """The same report for the same requester: one job while it is pending or running (R18, R20: a file is bound
    to its requester, so requests of two users are two jobs)."""
    params = {
        "kind": kind,
        "fmt": fmt,
        "unit": target.unit.pk if target.unit else None,
        "organization": target.organization.pk if target.organization else None,
        "person": target.person.pk if target.person else None,
        "period": [period.year, period.quarter, period.month],
        "user": user.pk,
    }
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def job_request(
    *, user: User, kind: ReportKind, fmt: str, target: ReportTarget, period: ReportPeriod
) -> tuple[ReportJob, bool]:
    """Create the job and send it after commit; returns (job, created). A second request while the same job is
    pending or running returns that job (the partial unique constraint settles a race)."""
    request = request_for(kind=kind, target=target, period=period, user=user)
    if fmt not in kind.formats:
        raise ReportError(_("%(kind)s没有%(fmt)s格式。") % {"kind": kind.label, "fmt": fmt})
    digest = params_hash(kind=kind.key, fmt=fmt, target=target, period=period, user=user)
    existing = ReportJob.objects.filter(params_hash=digest, status__in=ReportJob.ACTIVE).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            job = ReportJob.objects.create(
                requested_by=user,
                kind=kind.key,
                fmt=fmt,
                unit=target.unit,
                organization=target.organization,
                person=target.person,
                year=period.year,
                quarter=period.quarter,
                month=period.month,
                params_hash=digest,
            )
            audit_record(
                actor=user,
                action="report.request",
                obj=job,
                summary=f"{kind.label} {target.label} {request.period.label}",
                data={"kind": kind.key, "fmt": fmt, "period": period.slug()},
            )
            transaction.on_commit(lambda: job_dispatch(job.pk))
    except IntegrityError:
        existing = ReportJob.objects.filter(params_hash=digest, status__in=ReportJob.ACTIVE).first()
        if existing is None:
            raise
        return existing, False
    return job, True


def job_retry(*, job: ReportJob, by: User) -> ReportJob:
    """The retry button: a failed job starts again from scratch; a pending one (the queue was down) is sent
    again. Returns the job that will run (an equal job started meanwhile, if any)."""
    if job.status == Status.PENDING:
        transaction.on_commit(lambda: job_dispatch(job.pk))
        return job
    if job.status != Status.FAILED:
        return job
    try:
        with transaction.atomic():
            updated = ReportJob.objects.filter(pk=job.pk, status=Status.FAILED).update(
                status=Status.PENDING, attempts=0, progress=0, error="", task_id="", dispatched_at=None
            )
            if updated:
                audit_record(actor=by, action="report.retry", obj=job, summary=str(job), data={"kind": job.kind})
                transaction.on_commit(lambda: job_dispatch(job.pk))
    except IntegrityError:
        return ReportJob.objects.get(params_hash=job.params_hash, status__in=ReportJob.ACTIVE)
    job.refresh_from_db()
    return job


def job_dispatch(job_id: uuid.UUID) -> bool:
    """Send the job's message. Never raises: with the broker down the job keeps a plain message and waits for
    the sweeper or the retry button (R17)."""
    from .tasks import build_report_task

    task_id = str(uuid.uuid4())
    # The message's id is stored first, so that a redelivery of exactly this message may take the job over.
    if not ReportJob.objects.filter(pk=job_id, status=Status.PENDING).update(task_id=task_id):
        return False
    try:
        # ignore_result: the job's row is its result. Otherwise the send first subscribes to the result channel on
        # the result backend's connection, which has no socket timeouts: a frozen Redis blocked it for minutes.
        build_report_task.apply_async(args=[str(job_id)], task_id=task_id, ignore_result=True)
    except BROKER_ERRORS:
        logger.warning("report job %s: the broker is unreachable; the sweeper will send it", job_id, exc_info=True)
        ReportJob.objects.filter(pk=job_id, status=Status.PENDING).update(error=str(QUEUE_DOWN), dispatched_at=None)
        return False
    ReportJob.objects.filter(pk=job_id, status=Status.PENDING, task_id=task_id).update(
        dispatched_at=timezone.now(), error=""
    )
    return True


# ---- Running --------------------------------------------------------------------------------------------------


def _lease() -> timedelta:
    return timedelta(seconds=settings.ZHIBU_REPORT_LEASE_SECONDS)


def job_claim(job_id: uuid.UUID | str, task_id: str | None) -> ReportJob | None:
    """Take the job for this run, or None when it is done, failed, or running elsewhere under a live lease."""
    now = timezone.now()
    claimable = Q(status=Status.PENDING) | Q(status=Status.RUNNING, lease_expires_at__lt=now)
    if task_id:
        claimable |= Q(status=Status.RUNNING, task_id=task_id)
    jobs = ReportJob.objects.filter(claimable, pk=job_id)
    if jobs.filter(attempts__gte=settings.ZHIBU_REPORT_MAX_ATTEMPTS).update(
        status=Status.FAILED, error=str(GAVE_UP), finished_at=now, lease_expires_at=None
    ):
        return None
    claimed = jobs.update(
        status=Status.RUNNING,
        attempts=F("attempts") + 1,
        progress=0,
        task_id=task_id or "",
        started_at=now,
        lease_expires_at=now + _lease(),
    )
    return ReportJob.objects.get(pk=job_id) if claimed else None


def _still_mine(job: ReportJob) -> Q:
    return Q(pk=job.pk, status=Status.RUNNING, attempts=job.attempts)


def job_progress(job: ReportJob, fraction: float) -> None:
    """Record progress (0–99 while running) and renew the lease."""
    percent = max(0, min(99, int(fraction * 100)))
    ReportJob.objects.filter(_still_mine(job)).update(progress=percent, lease_expires_at=timezone.now() + _lease())


def job_target(job: ReportJob) -> ReportTarget:
    return ReportTarget(unit=job.unit, organization=job.organization, person=job.person)


def job_period(job: ReportJob) -> ReportPeriod:
    return ReportPeriod(job.year, quarter=job.quarter, month=job.month)


def job_run(job_id: uuid.UUID | str, *, task_id: str | None = None) -> str:
    """Build the job's file. Returns "done", "skipped" (another run has it or it is finished), "failed" (a
    report error, not retried) or "retry" (an unexpected error with attempts left; the caller schedules it)."""
    job = job_claim(job_id, task_id)
    if job is None:
        return "skipped"
    job = ReportJob.objects.select_related("requested_by", "unit", "organization", "person").get(pk=job.pk)
    scratch = scratch_root() / f"{job.pk}-{uuid.uuid4().hex[:8]}"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        kind = get_kind(job.kind)
        request = request_for(kind=kind, target=job_target(job), period=job_period(job), user=job.requested_by)
        built = build_file(request, job.fmt, scratch, lambda fraction: job_progress(job, fraction))
        return _job_finish(job, built)
    except ReportError as exc:
        ReportJob.objects.filter(_still_mine(job)).update(
            status=Status.FAILED, error=str(exc), finished_at=timezone.now(), lease_expires_at=None
        )
        return "failed"
    except Exception:
        logger.exception("report job %s failed (attempt %d)", job.pk, job.attempts)
        if job.attempts < settings.ZHIBU_REPORT_MAX_ATTEMPTS:
            ReportJob.objects.filter(_still_mine(job)).update(
                status=Status.PENDING, error=str(RETRYING) % {"n": job.attempts}, lease_expires_at=None
            )
            return "retry"
        ReportJob.objects.filter(_still_mine(job)).update(
            status=Status.FAILED, error=str(FAILED), finished_at=timezone.now(), lease_expires_at=None
        )
        return "failed"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _job_finish(job: ReportJob, built: Path) -> str:
    """Move the file into place atomically, then mark the job done only if this run still holds it."""
    relative = Path("reports") / f"{job.pk}{built.suffix}"
    final = Path(settings.PRIVATE_STORAGE_ROOT) / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    size, digest = built.stat().st_size, _sha256(built)
    os.replace(built, final)
    os.chmod(final, 0o600)
    now = timezone.now()
    finished = ReportJob.objects.filter(_still_mine(job)).update(
        status=Status.DONE,
        progress=100,
        error="",
        file_path=relative.as_posix(),
        filename=safe_filename(built.name),
        size=size,
        sha256=digest,
        finished_at=now,
        lease_expires_at=None,
        expires_at=now + timedelta(days=settings.ZHIBU_REPORT_RETENTION_DAYS),
    )
    return "done" if finished else "skipped"


# ---- Sweeping and purging -------------------------------------------------------------------------------------


def jobs_to_resend(now=None):
    """Pending jobs never sent (the broker was down) or sent long ago without a taker, and running jobs whose
    lease ran out (their worker died)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.ZHIBU_REPORT_REDISPATCH_SECONDS)
    return ReportJob.objects.filter(
        Q(status=Status.PENDING, dispatched_at__isnull=True)
        | Q(status=Status.PENDING, dispatched_at__lt=stale)
        | Q(status=Status.RUNNING, lease_expires_at__lt=now)
    )


def jobs_sweep(now=None) -> int:
    """Send again what jobs_to_resend finds; a running job with an expired lease goes back to pending first."""
    now = now or timezone.now()
    sent = 0
    for job_id in list(jobs_to_resend(now).values_list("pk", flat=True)):
        ReportJob.objects.filter(pk=job_id, status=Status.RUNNING, lease_expires_at__lt=now).update(
            status=Status.PENDING, lease_expires_at=None
        )
        sent += job_dispatch(job_id)
    return sent


def files_purge(now=None, *, dry_run: bool = False) -> list[ReportJob]:
    """Delete the files of finished jobs past their retention (R20, R25) and scratch directories left by killed
    workers; the jobs stay, marked expired, so the list still shows them."""
    now = now or timezone.now()
    expired = list(ReportJob.objects.filter(status=Status.DONE, expires_at__lte=now))
    if dry_run:
        return expired
    for job in expired:
        (Path(settings.PRIVATE_STORAGE_ROOT) / job.file_path).unlink(missing_ok=True)
        ReportJob.objects.filter(pk=job.pk, status=Status.DONE).update(status=Status.EXPIRED)
    busy = {str(pk) for pk in ReportJob.objects.filter(status=Status.RUNNING).values_list("pk", flat=True)}
    if scratch_root().is_dir():
        for leftover in scratch_root().iterdir():
            if leftover.name[:36] not in busy:
                shutil.rmtree(leftover, ignore_errors=True)
    return expired


def job_file(job: ReportJob) -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / job.file_path


def job_is_expired(job: ReportJob, now=None) -> bool:
    now = now or timezone.now()
    return job.status == Status.EXPIRED or (job.status == Status.DONE and job.expires_at <= now)


def job_label(job: ReportJob) -> str:
    try:
        kind = get_kind(job.kind)
    except ReportError:
        return job.kind
    return f"{kind.label}（{job_target(job).label}，{job_period(job).label}）"


def job_waits_for_queue(job: ReportJob) -> bool:
    return job.status == Status.PENDING and job.error == str(QUEUE_DOWN)


@transaction.atomic
def job_download_record(*, job: ReportJob, by: User) -> None:
    """Every download is audited (R20)."""
    audit_record(
        actor=by,
        action="report.download",
        obj=job,
        summary=job_label(job),
        data={"kind": job.kind, "sha256": job.sha256, "size": job.size},
    )
