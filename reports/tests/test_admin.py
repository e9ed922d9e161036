"""Report jobs are readable in the admin and changed nowhere but through the services (R17, R18, R20)."""

import pytest
from django.urls import reverse

from reports import services
from reports.models import ReportJob
from reports.periods import ReportPeriod
from reports.registry import ReportTarget, get_kind


@pytest.fixture
def job(personas, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job, _created = services.job_request(user=personas.chief, kind=get_kind("structure"), fmt="xlsx",
                                             target=ReportTarget(organization=org.committee),
                                             period=ReportPeriod(2026))  # fmt: skip
    job.refresh_from_db()
    return job


def test_the_admin_lists_and_shows_report_jobs_but_changes_none(admin_client, job):
    listing = admin_client.get(reverse("admin:reports_reportjob_changelist"), {"q": "chief"})
    assert listing.status_code == 200 and reverse("admin:reports_reportjob_change", args=[job.pk]) in (
        listing.content.decode()
    )
    page = admin_client.get(reverse("admin:reports_reportjob_change", args=[job.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and job.sha256 in html
    assert 'name="_save"' not in html and reverse("admin:reports_reportjob_delete", args=[job.pk]) not in html

    change = admin_client.post(reverse("admin:reports_reportjob_change", args=[job.pk]), {"status": "pending"})
    delete = admin_client.post(reverse("admin:reports_reportjob_delete", args=[job.pk]), {"post": "yes"})
    assert change.status_code == delete.status_code == 403
    assert admin_client.get(reverse("admin:reports_reportjob_add")).status_code == 403
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and ReportJob.objects.count() == 1


def test_the_admin_finds_a_job_by_its_id(admin_client, job):
    listing = admin_client.get(reverse("admin:reports_reportjob_changelist"), {"q": str(job.pk)[:8]})
    assert listing.status_code == 200 and "1 报表任务" in listing.content.decode()
