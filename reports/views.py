"""The jobs page (DOMAIN.md §8): request a report, watch its progress, retry, download (RELIABILITY.md R17, R20)."""

import mimetypes

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import attachment_disposition
from core.pagination import paginate

from . import services
from .forms import ReportRequestForm
from .models import ReportJob
from .registry import REGISTRY, ReportError


def _my_job(request: HttpRequest, pk) -> ReportJob:
    """A job exists for its requester only (R20: a file is bound to its requester); 404 for everyone else."""
    return get_object_or_404(ReportJob.objects.select_related("unit", "organization", "person"), pk=pk,
                             requested_by=request.user)  # fmt: skip


def jobs(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job, created = services.job_request(
                user=request.user, kind=data["kind_obj"], fmt=data["fmt"], target=data["target"],
                period=data["period"],
            )  # fmt: skip
        except ReportError as exc:
            form.add_error(None, str(exc))
        else:
            job.refresh_from_db()
            label = services.job_label(job)
            if not created:
                messages.info(request, _("%(job)s已在生成中，无需重复申请，请看下方进度。") % {"job": label})
            elif services.job_waits_for_queue(job):
                messages.warning(request, job.error)
            else:
                messages.success(request, _("已提交：%(job)s。生成完成后可在下方下载。") % {"job": label})
            return redirect("reports:jobs")
    page = paginate(request, ReportJob.objects.filter(requested_by=request.user).select_related(
        "unit", "organization", "person"))  # fmt: skip
    return render(
        request,
        "reports/jobs.html",
        {"form": form, "page_obj": page, "rows": [_row(job) for job in page], "has_kinds": bool(form.available)},
    )


def _row(job: ReportJob) -> dict:
    return {"job": job, "label": services.job_label(job), "expired": services.job_is_expired(job)}


def job_row(request: HttpRequest, pk) -> HttpResponse:
    """The row of one job: polled by htmx every second while the job is pending or running."""
    return render(request, "reports/_job_row.html", {"row": _row(_my_job(request, pk))})


@require_POST
def job_retry(request: HttpRequest, pk) -> HttpResponse:
    job = services.job_retry(job=_my_job(request, pk), by=request.user)
    job.refresh_from_db()
    if services.job_waits_for_queue(job):
        messages.warning(request, job.error)
    else:
        messages.success(request, _("已重新提交：%(job)s。") % {"job": services.job_label(job)})
    if request.headers.get("HX-Request"):
        return render(request, "reports/_job_row.html", {"row": _row(job)})
    return redirect("reports:jobs")


def job_download(request: HttpRequest, pk) -> HttpResponse:
    """Authorised again at download time (R20): the requester, still covering the report's scope; 410 once the
    file has expired."""
    job = _my_job(request, pk)
    kind = REGISTRY.get(job.kind)
    if kind is None or not kind.may_request(request.user, services.job_target(job)):
        raise Http404
    if services.job_is_expired(job) or (job.status == ReportJob.Status.DONE and not services.job_file(job).exists()):
        return render(request, "reports/expired.html", {"label": services.job_label(job)}, status=410)
    if job.status != ReportJob.Status.DONE:
        raise Http404
    services.job_download_record(job=job, by=request.user)
    response = FileResponse(
        services.job_file(job).open("rb"),
        content_type=mimetypes.guess_type(job.filename)[0] or "application/octet-stream",
    )
    response["Content-Disposition"] = attachment_disposition(job.filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
