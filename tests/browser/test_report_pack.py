"""The organisation officer's quarterly report pack in a real browser (issue 7, DOMAIN.md §8.7): request the pack
for the jurisdiction on the reports page, watch the progress bar move and reach 100%, download the zip, and find
the index, the PDFs and the Excel files in it. A screenshot of the jobs page goes to /tmp/shots/reports_jobs.png.

The queue is this test: the request's message is kept instead of sent, and the test then runs it in this thread as
a worker would (Celery's eager `apply`, the real task). At the first progress step the job waits until the page,
which polls the job's row every second (htmx), shows that percentage: the bar is seen between 0 and 100.

Playwright drives Debian's Chromium (/usr/bin/chromium); Playwright's own browser download is never used.
"""

import importlib
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from appraisal.tests.conftest import cycle, group, summaries  # noqa: F401  (fixtures)
from reports import services
from reports.models import ReportJob
from reports.tasks import build_report_task
from reports.tests.conftest import appraisal_q1, march_logs, meetings  # noqa: F401  (fixtures)

SHOT = Path("/tmp/shots/reports_jobs.png")  # noqa: S108 (where the lead looks at screenshots)
pytestmark = pytest.mark.browser


@pytest.fixture
def meeting_rules(db):
    """The default 三会一课 frequencies that branches' data migration 0003 creates: a live-server test that ran
    earlier flushed the database (get_or_create: nothing changes when present)."""
    from django.apps import apps

    importlib.import_module("branches.migrations.0003_default_frequency_rules").create_defaults(apps, None)


@pytest.fixture
def queue(monkeypatch) -> list[tuple[list, str]]:
    """The broker: the messages the web side sends, (args, task id), kept for the test to hand to the worker."""
    sent: list[tuple[list, str]] = []
    monkeypatch.setattr(build_report_task, "apply_async",
                        lambda args, task_id, **options: sent.append((args, task_id)))  # fmt: skip
    return sent


def test_the_officer_requests_the_quarterly_pack_watches_it_reach_100_and_downloads_the_zip(
    page, live_server, personas, org, appraisal_q1, march_logs, meetings, meeting_rules, queue, monkeypatch,  # noqa: F811
    tmp_path,
):  # fmt: skip
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("chief")
    page.get_by_label("密码").fill("pw-for-tests-1")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("button", name="报表", exact=True).click()
    page.get_by_role("link", name="报表与报告包").click()
    form = page.locator("#report-request")
    form.get_by_label("报表").select_option(label="报告包")
    form.get_by_label("格式").select_option(label="压缩包")
    form.get_by_label("年度").fill("2026")
    form.get_by_label("季度").select_option(label="第一季度")
    form.get_by_label("部门（含下级）").select_option(label="某区机关")
    form.get_by_label("党组织（含下级）").select_option(label="机关工委")
    form.get_by_role("button", name="生成").click()

    expect(page.get_by_text("已提交：报告包（某区机关、机关工委，2026年第一季度）")).to_be_visible()
    job = ReportJob.objects.get()
    row = page.locator(f"#job-{job.pk}")
    bar = row.locator(".progress")
    expect(row).to_have_attribute("data-status", "pending")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(row).to_contain_text("排队中")
    ((args, task_id),) = queue

    seen: list[str] = []
    record_progress = services.job_progress

    def progress_shown_on_the_page(running_job, fraction):
        record_progress(running_job, fraction)
        if not seen and 0 < fraction < 1:
            percent = str(min(99, int(fraction * 100)))
            expect(bar).to_have_attribute("aria-valuenow", percent, timeout=15_000)
            expect(row).to_contain_text("生成中")
            seen.append(percent)

    monkeypatch.setattr(services, "job_progress", progress_shown_on_the_page)
    assert build_report_task.apply(args=args, task_id=task_id).get() == "done"  # the worker takes the message

    assert seen and 0 < int(seen[0]) < 100
    expect(row).to_have_attribute("data-status", "done")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(bar).to_contain_text("100%")
    SHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOT, full_page=True)

    with page.expect_download() as download:
        row.get_by_role("link", name="下载").click()
    assert download.value.suggested_filename == "报告包-某区机关、机关工委-2026年第一季度.zip"
    path = tmp_path / "pack.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        index = archive.read("index.html").decode()
    assert "index.html" in names and "文件清单.xlsx" in names
    reports = [name for name in names if "/" in name]
    pdfs = [name for name in reports if name.endswith(".pdf")]
    workbooks = [name for name in reports if name.endswith(".xlsx")]
    assert "02-平时考核登记表/平时考核登记表-某区机关-2026年第一季度.pdf" in pdfs
    assert "02-平时考核登记表/平时考核登记表-某区机关-2026年第一季度.xlsx" in workbooks
    assert len(pdfs) >= 6 and len(workbooks) >= 6 and all(name in index for name in reports)
