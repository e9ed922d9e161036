"""Celery tasks of the report jobs (RELIABILITY.md R17–R19, R25). The settings acknowledge late and requeue a
message whose worker died; services.job_run makes a second run of the same job harmless."""

from celery import shared_task

from . import services

# Seconds before the n-th automatic retry: 10, 20, 40 …
RETRY_BASE_SECONDS = 10


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def build_report_task(self, job_id: str) -> str:
    """Build one report job. An unexpected error leaves the job pending and retries with exponential backoff;
    services.job_claim fails the job once its attempts are used up."""
    while True:
        outcome = services.job_run(job_id, task_id=self.request.id)
        if outcome != "retry":
            return outcome
        if not self.request.is_eager:
            attempts = services.ReportJob.objects.values_list("attempts", flat=True).get(pk=job_id)
            # throw=False: this message is acknowledged normally and the retry is a new message.
            self.retry(countdown=RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), throw=False)
            return outcome
        # Eager (no broker, the embedded default): the next attempt runs at once.


@shared_task
def sweep_report_jobs() -> int:
    """Run by beat every minute: send jobs whose message never left (Redis was down) or whose worker died."""
    return services.jobs_sweep()


@shared_task
def purge_report_files() -> int:
    """Run by beat daily: delete report files past ZHIBU_REPORT_RETENTION_DAYS and orphaned scratch files."""
    return len(services.files_purge())
