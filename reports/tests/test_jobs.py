"""Report jobs through the jobs page (DOMAIN.md §8, RELIABILITY.md R17, R18, R20, R25), with eager Celery: the
request, the progress row, one job per report while it runs, the queue being down, retries, downloads checked
against the scope at download time, expiry and purging, and `manage.py build_report`."""

import datetime
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.models import AuditEvent
from members.models import RoleAssignment
from reports import services
from reports.models import ReportJob
from reports.periods import ReportPeriod
from reports.registry import ReportTarget, get_kind
from reports.tasks import build_report_task
from reports.tests.conftest import xlsx_sheets

Status = ReportJob.Status


def request_registration(client, org, *, fmt="xlsx", unit=None):
    data = {"kind": "registration", "fmt": fmt, "year": 2026, "quarter": 1, "unit": (unit or org.office).pk}
    return client.post(reverse("reports:jobs"), data)


def structure_job(user, org):
    return services.job_request(user=user, kind=get_kind("structure"), fmt="xlsx",
                                target=ReportTarget(organization=org.committee), period=ReportPeriod(2026))  # fmt: skip


@pytest.fixture
def officer(client, personas):
    client.force_login(personas.chief)
    return personas.chief


def test_the_officer_requests_a_report_and_downloads_it_from_the_jobs_page(
    client, officer, org, appraisal_q1, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_registration(client, org)
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert (job.status, job.progress, job.attempts, job.requested_by) == (Status.DONE, 100, 1, officer)
    assert Path(job.file_path).parts[0] == "reports" and not job.file_path.startswith(str(settings.STATIC_ROOT))
    page = client.get(reverse("reports:jobs")).content.decode()
    assert (
        "已提交：平时考核登记表（办公室，2026年第一季度）" in page
        and reverse("reports:job_download", args=[job.pk]) in page
    )

    download = client.get(reverse("reports:job_download", args=[job.pk]))

    assert download.status_code == 200
    assert download["Cache-Control"] == "no-store"
    assert "filename*=UTF-8''" in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    assert len(content) == job.size
    rows = xlsx_sheets(content)["登记表汇总"]
    assert [row[2] for row in rows[1:]] == ["孙明", "张小丽", "李建国", "欧阳静"]
    assert AuditEvent.objects.filter(action="report.download", object_id=str(job.pk)).count() == 1
    assert AuditEvent.objects.filter(action="report.request", object_id=str(job.pk)).count() == 1


def test_the_progress_row_polls_while_the_job_runs_and_stops_when_done(client, officer, org):
    target = ReportTarget(unit=org.office)
    job, _created = services.job_request(user=officer, kind=get_kind("registration"), fmt="pdf", target=target,
                                         period=ReportPeriod(2026, quarter=1))  # fmt: skip
    ReportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, progress=40)
    row = client.get(reverse("reports:job_row", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in row and 'aria-valuenow="40"' in row

    ReportJob.objects.filter(pk=job.pk).update(status=Status.PENDING)
    assert services.job_run(job.pk) == "done"
    row = client.get(reverse("reports:job_row", args=[job.pk])).content.decode()
    assert "hx-trigger" not in row and "下载" in row and 'aria-valuenow="100"' in row


def test_a_second_request_while_the_job_runs_returns_the_same_job(client, officer, org):
    kwargs = {"user": officer, "kind": get_kind("registration"), "fmt": "xlsx", "target": ReportTarget(unit=org.office),
              "period": ReportPeriod(2026, quarter=1)}  # fmt: skip
    first, created = services.job_request(**kwargs)
    second, created_again = services.job_request(**kwargs)
    assert created and not created_again and first.pk == second.pk
    response = request_registration(client, org)
    assert ReportJob.objects.count() == 1
    assert "已在生成中，无需重复申请" in client.get(response.url).content.decode()


def test_the_unique_constraint_settles_two_inserts_at_once(officer, org):
    """The race of two requests: the second insert fails on the partial unique index and gets the first job."""
    kwargs = {"user": officer, "kind": get_kind("structure"), "fmt": "xlsx",
              "target": ReportTarget(organization=org.committee), "period": ReportPeriod(2026)}  # fmt: skip
    first, _ = services.job_request(**kwargs)
    original_first = ReportJob.objects.filter
    calls = {"n": 0}

    class Miss:  # the pre-check misses the other request's row once, as in a race
        def __init__(self, qs):
            self.qs = qs

        def first(self):
            calls["n"] += 1
            return None if calls["n"] == 1 else self.qs.first()

    def racing_filter(*args, **kwargs):
        return Miss(original_first(*args, **kwargs)) if "params_hash" in kwargs else original_first(*args, **kwargs)

    ReportJob.objects.filter = racing_filter
    try:
        second, created = services.job_request(**kwargs)
    finally:
        del ReportJob.objects.filter
    assert not created and second.pk == first.pk and ReportJob.objects.count() == 1


def test_a_finished_job_may_be_requested_again_as_a_new_job(officer, org, django_capture_on_commit_callbacks):
    kwargs = {"user": officer, "kind": get_kind("structure"), "fmt": "xlsx",
              "target": ReportTarget(organization=org.committee), "period": ReportPeriod(2026)}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = services.job_request(**kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        second, created = services.job_request(**kwargs)
    assert created and second.pk != first.pk


# ---- The queue being down (R17) -------------------------------------------------------------------------------


def test_with_the_queue_down_the_request_is_kept_and_sent_by_the_sweeper(
    client, officer, org, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(build_report_task, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            response = request_registration(client, org)
        assert response.status_code == 302
        job = ReportJob.objects.get()
        assert job.status == Status.PENDING and job.dispatched_at is None
        page = client.get(response.url).content.decode()
        assert "任务队列暂时不可用：申请已保存" in page and "重试" in page
        assert services.jobs_sweep() == 0  # still down: still pending, nothing lost
    assert ReportJob.objects.get().status == Status.PENDING

    assert services.jobs_sweep() == 1  # the queue is back
    job.refresh_from_db()
    assert job.status == Status.DONE and job.error == ""


def test_the_retry_button_sends_a_pending_job_again(client, officer, org, monkeypatch,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    monkeypatch.setattr(build_report_task, "apply_async", lambda *a, **k: (_ for _ in ()).throw(OSError("down")))
    with django_capture_on_commit_callbacks(execute=True):
        request_registration(client, org)
    job = ReportJob.objects.get()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Status.DONE


# ---- Failures and retries (R18) -------------------------------------------------------------------------------


def test_an_unexpected_error_is_retried_then_the_job_fails_with_a_retry_button(
    client, officer, org, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "write_report", broken)
    with django_capture_on_commit_callbacks(execute=True):
        request_registration(client, org)
    job = ReportJob.objects.get()
    assert job.status == Status.FAILED and job.attempts == settings.ZHIBU_REPORT_MAX_ATTEMPTS
    assert "disk full" not in job.error and "请点击“重试”" in job.error
    assert not list(services.scratch_root().glob(f"{job.pk}*"))  # no scratch files left behind
    page = client.get(reverse("reports:jobs")).content.decode()
    assert job.error in page and reverse("reports:job_retry", args=[job.pk]) in page

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 1
    assert AuditEvent.objects.filter(action="report.retry", object_id=str(job.pk)).exists()


def test_a_redelivered_message_for_a_finished_job_builds_nothing(officer, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = structure_job(officer, org)
    job.refresh_from_db()
    before = (job.sha256, job.finished_at)
    assert build_report_task.apply(args=[str(job.pk)], task_id=job.task_id).get() == "skipped"
    job.refresh_from_db()
    assert (job.sha256, job.finished_at, job.attempts) == (*before, 1)
    assert len(list((Path(settings.PRIVATE_STORAGE_ROOT) / "reports").glob(f"{job.pk}*"))) == 1


def test_a_running_job_is_taken_over_by_its_own_redelivered_message_or_after_its_lease(officer, org):
    job, _ = structure_job(officer, org)
    assert services.job_claim(job.pk, "message-1") is not None  # the first worker, then killed
    assert services.job_claim(job.pk, "message-2") is None  # another message waits for the lease
    assert services.job_claim(job.pk, "message-1").attempts == 2  # the same message, redelivered
    ReportJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert services.jobs_sweep() == 1
    job.refresh_from_db()
    assert job.status == Status.DONE and job.attempts == 3


def test_a_job_killed_on_every_attempt_fails_instead_of_looping(officer, org):
    job, _ = structure_job(officer, org)
    for _attempt in range(settings.ZHIBU_REPORT_MAX_ATTEMPTS):
        assert services.job_claim(job.pk, "m") is not None
    assert services.job_claim(job.pk, "m") is None
    job.refresh_from_db()
    assert job.status == Status.FAILED and "多次尝试仍未能生成" in job.error


# ---- Downloads in scope only (R20) ----------------------------------------------------------------------------


@pytest.fixture
def done_job(officer, org, appraisal_q1, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = services.job_request(user=officer, kind=get_kind("registration"), fmt="pdf",
                                      target=ReportTarget(unit=org.office),
                                      period=ReportPeriod(2026, quarter=1))  # fmt: skip
    job.refresh_from_db()
    assert job.status == Status.DONE
    return job


@pytest.mark.parametrize("who", ["alice", "bob", "lin", "wang", "olga"])
def test_nobody_else_downloads_a_report_or_sees_its_row(client, personas, done_job, who):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("reports:job_download", args=[done_job.pk])).status_code == 404
    assert client.get(reverse("reports:job_row", args=[done_job.pk])).status_code == 404
    assert client.post(reverse("reports:job_retry", args=[done_job.pk])).status_code == 404
    assert str(done_job.pk) not in client.get(reverse("reports:jobs")).content.decode()


def test_a_requester_who_left_the_jurisdiction_no_longer_downloads(client, personas, done_job):
    RoleAssignment.objects.filter(user=personas.chief).delete()
    client.force_login(personas.chief)
    assert client.get(reverse("reports:job_download", args=[done_job.pk])).status_code == 404


def test_a_guessed_or_unknown_id_is_not_found(client, officer):
    assert client.get("/reports/jobs/00000000-0000-0000-0000-000000000001/download/").status_code == 404
    assert client.get("/reports/jobs/1/download/").status_code == 404


def test_the_report_files_are_outside_static_and_not_served_by_url(client, officer, done_job):
    path = services.job_file(done_job)
    assert path.is_file() and settings.PRIVATE_STORAGE_ROOT in path.parents
    assert Path(settings.STATIC_ROOT) not in path.parents and Path(settings.BASE_DIR) / "static" not in path.parents
    assert client.get(f"/{done_job.file_path}").status_code == 404
    assert client.get(f"/static/{done_job.file_path}").status_code == 404


# ---- Retention (R20, R25) -------------------------------------------------------------------------------------


def test_files_expire_after_the_retention_and_then_answer_410(client, officer, done_job):
    assert done_job.expires_at - done_job.finished_at == datetime.timedelta(days=settings.ZHIBU_REPORT_RETENTION_DAYS)
    assert services.files_purge(done_job.expires_at - datetime.timedelta(seconds=1)) == []
    assert services.job_file(done_job).exists()

    purged = services.files_purge(done_job.expires_at)

    assert [j.pk for j in purged] == [done_job.pk]
    assert not services.job_file(done_job).exists()
    done_job.refresh_from_db()
    assert done_job.status == Status.EXPIRED
    response = client.get(reverse("reports:job_download", args=[done_job.pk]))
    assert response.status_code == 410 and "已超过保留期限" in response.content.decode()


def test_a_dry_run_purge_deletes_nothing(officer, done_job):
    assert [j.pk for j in services.files_purge(done_job.expires_at, dry_run=True)] == [done_job.pk]
    assert services.job_file(done_job).exists()


# ---- The page ---------------------------------------------------------------------------------------------------


def test_the_request_form_keeps_what_was_typed_and_explains_what_is_missing(client, officer, org):
    response = client.post(reverse("reports:jobs"), {"kind": "registration", "fmt": "pdf", "year": 2026,
                                                     "unit": org.office.pk})  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200 and "平时考核登记表须选择季度" in html
    assert f'<option value="{org.office.pk}" selected>' in html
    assert not ReportJob.objects.exists()


def test_the_form_offers_only_the_users_units_and_kinds(client, personas, org):
    client.force_login(personas.alice)
    html = client.get(reverse("reports:jobs")).content.decode()
    assert "月工作记实表" in html and "平时考核登记表" in html
    assert '<option value="pack"' not in html and '<option value="structure"' not in html and "宣传部" not in html
    response = client.post(reverse("reports:jobs"), {"kind": "registration", "fmt": "pdf", "year": 2026, "quarter": 1,
                                                     "person": personas.people.bob.pk})  # fmt: skip
    assert response.status_code == 200 and not ReportJob.objects.exists()


# ---- manage.py build_report -------------------------------------------------------------------------------------


def test_build_report_writes_the_same_report_synchronously(personas, org, appraisal_q1, tmp_path):
    call_command("build_report", "registration", "--scope", f"unit:{org.office.pk}", "--period", "2026Q1",
                 "--format", "xlsx", "--user", "chief", "--out", str(tmp_path))  # fmt: skip
    (written,) = tmp_path.iterdir()
    assert written.name == "平时考核登记表-办公室-2026年第一季度.xlsx"
    assert len(xlsx_sheets(written)["登记表汇总"]) == 5
    assert not ReportJob.objects.exists()


def test_build_report_refuses_what_the_user_may_not_build(personas, org, tmp_path):
    with pytest.raises(CommandError, match="无权"):
        call_command("build_report", "registration", "--scope", f"unit:{org.publicity.pk}", "--period", "2026Q1",
                     "--user", "bob", "--out", str(tmp_path))  # fmt: skip
    with pytest.raises(CommandError, match="期间格式不正确"):
        call_command("build_report", "structure", "--scope", f"organization:{org.committee.pk}", "--period", "26/1",
                     "--user", "chief", "--out", str(tmp_path))  # fmt: skip


def test_build_report_builds_a_pack(personas, org, appraisal_q1, tmp_path):
    call_command("build_report", "pack", "--scope", f"unit:{org.organ.pk}", "--scope",
                 f"organization:{org.committee.pk}", "--period", "2026Q1", "--user", "chief",
                 "--out", str(tmp_path))  # fmt: skip
    (written,) = tmp_path.iterdir()
    with zipfile.ZipFile(written) as archive:
        names = archive.namelist()
    assert "index.html" in names and "文件清单.xlsx" in names
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".xlsx") and "/" in n for n in names)
