"""Monthly logs (月记实), the unit head's inbox and quarterly summaries (季度小结): DOMAIN.md §5, issue 4 items 2–3.

A draft is never lost. The log and summary forms carry the version they were loaded with; a save from an older
version shows both texts side by side and keeps what was typed in the form. The page's script (log_form.js) saves
with fetch and sends `X-Zhibu-Fetch: 1`: such a save is answered with the address to go to instead of a redirect,
so that any redirect the script sees comes from the login check and it can ask for the password and save again.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import Sheet, xlsx_response
from core.roles import Role
from members.models import Person
from members.scopes import person_of, scope_for

from .. import selectors_logs as selectors
from .. import services
from ..forms_logs import (
    CommentForm,
    MonthFilterForm,
    MonthlyLogForm,
    QuarterFilterForm,
    ReturnForm,
    SummaryForm,
    log_comparison,
    log_initial,
    summary_comparison,
    summary_initial,
    task_entries,
    task_formset,
)
from ..models import LogStatus, MonthlyLog, QuarterlySummary
from ..permissions import can_review_logs_of_unit
from ..services import LogConflict


def _is_fetch(request: HttpRequest) -> bool:
    return request.headers.get("X-Zhibu-Fetch") == "1"


def _done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful save: a redirect, or for the page's script the address to go to."""
    if _is_fetch(request):
        return JsonResponse({"location": url})
    return redirect(url)


def _epoch_ms(moment: datetime.datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


def _valid_month_or_404(year: int, month: int, today: datetime.date) -> None:
    if not (2000 <= year <= 2100 and 1 <= month <= 12) or (year, month) > (today.year, today.month):
        raise Http404


def _unit_head_units(request: HttpRequest) -> frozenset[int]:
    units = scope_for(request.user).units_for(Role.UNIT_HEAD)
    if not units:
        raise PermissionDenied
    return units


# ---- 我的月记实 --------------------------------------------------------------------------------------------------


def _own_person(request: HttpRequest) -> Person:
    person = person_of(request.user)
    if person is None:
        raise PermissionDenied
    return person


def my_log(request: HttpRequest, year: int | None = None, month: int | None = None) -> HttpResponse:
    today = timezone.localdate()
    person = _own_person(request)
    if year is None:
        try:
            year = int(request.GET.get("year", today.year))
            month = int(request.GET.get("month", today.month))
        except ValueError:
            raise Http404 from None
        _valid_month_or_404(year, month, today)
        return redirect("appraisal:my_log", year, month)
    _valid_month_or_404(year, month, today)
    if request.method == "POST":
        return _save_own_log(request, person=person, year=year, month=month, today=today)
    log = selectors.own_log(person=person, year=year, month=month)
    form = tasks = None
    if log is None or log.status != LogStatus.SUBMITTED:
        form, tasks = MonthlyLogForm(initial=log_initial(log)), task_formset(log=log)
    return _render_my_log(request, person=person, year=year, month=month, log=log, today=today, form=form, tasks=tasks)


def _render_my_log(request, *, person, year, month, log, today, form, tasks, status=200, **extra) -> HttpResponse:
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return render(
        request,
        "appraisal/logs_my_log.html",
        {
            "person": person,
            "year": year,
            "month": month,
            "log": log,
            "deadline": selectors.log_deadline(log=log, year=year, month=month, today=today),
            "months": selectors.own_months(person=person, year=year, today=today),
            "previous": previous,
            "following": following if following <= (today.year, today.month) else None,
            "next_year": year + 1 if year < today.year else None,
            "form": form,
            "tasks": tasks,
            "draft_key": f"log:{person.pk}:{year}-{month}",
            "saved_at_ms": _epoch_ms(log.updated_at if log else None),
            **extra,
        },
        status=status,
    )


def _save_own_log(request, *, person, year, month, today) -> HttpResponse:
    """The service loads and locks the stored log itself; the page reads it only to show the form again."""
    page = {"person": person, "year": year, "month": month, "today": today}
    form, tasks = MonthlyLogForm(request.POST), task_formset(request.POST)
    if not (form.is_valid() and tasks.is_valid()):
        log = selectors.own_log(person=person, year=year, month=month)
        return _render_my_log(request, log=log, form=form, tasks=tasks, **page)
    entries = task_entries(tasks)
    try:
        saved = services.monthly_log_save(
            person=person,
            year=year,
            month=month,
            fields=form.log_fields(),
            tasks=entries,
            expected_version=form.expected_version(),
            by=request.user,
        )
    except LogConflict as conflict:
        stored = selectors.own_log(person=person, year=year, month=month)
        return _log_conflict(request, stored=stored or conflict.current, entries=entries, page=page)
    except ValidationError as exc:
        stored = selectors.own_log(person=person, year=year, month=month)
        if stored is not None and stored.status == LogStatus.SUBMITTED:
            # Submitted from another tab meanwhile: nothing can be saved, so what was typed is shown in full.
            return _log_conflict(request, stored=stored, entries=entries, page=page, error=exc)
        if stored is None:
            # Deleted meanwhile (by an administrator): the next save creates it again from what was typed.
            data = request.POST.copy()
            data["version"] = ""
            form = MonthlyLogForm(data)
            form.is_valid()
        form.add_error(None, exc)
        return _render_my_log(request, log=stored, form=form, tasks=tasks, **page)
    url = reverse("appraisal:my_log", args=[year, month])
    if request.POST.get("action") != "submit":
        messages.success(request, _("草稿已保存。"))
        return _done(request, url)
    try:
        submitted = services.monthly_log_submit(log=saved, by=request.user, today=today)
    except ValidationError as exc:
        messages.error(request, _("草稿已保存，但未能提交：%(reason)s") % {"reason": " ".join(exc.messages)})
        return _done(request, url)
    if submitted.is_late:
        messages.warning(request, _("月记实已提交。已过截止日期，记为逾期提交。"))
    else:
        messages.success(request, _("月记实已提交。"))
    return _done(request, url)


def _log_conflict(request, *, stored: MonthlyLog, entries, page, error: ValidationError | None = None):
    """Both versions side by side, answered 409 (RELIABILITY R14); the form keeps what was typed and now names the
    stored version, so saving it again (after merging) replaces the stored one knowingly."""
    data = request.POST.copy()
    data["version"] = str(stored.version)
    form, tasks = MonthlyLogForm(data), task_formset(data)
    form.is_valid()
    tasks.is_valid()
    can_merge = stored.status != LogStatus.SUBMITTED
    return _render_my_log(
        request,
        log=stored,
        form=form if can_merge else None,
        tasks=tasks if can_merge else None,
        comparison=log_comparison(stored, form, entries),
        conflict_error=" ".join(error.messages) if error else "",
        status=409,
        **page,
    )


# ---- The unit head: inbox and log review -------------------------------------------------------------------------


def inbox(request: HttpRequest) -> HttpResponse:
    _unit_head_units(request)
    today = timezone.localdate()
    form = MonthFilterForm({"year": today.year, "month": today.month, **request.GET.dict()})
    year, month, status = today.year, today.month, ""
    if form.is_valid():
        year, month, status = form.cleaned_data["year"], form.cleaned_data["month"], form.cleaned_data["status"]
    box = selectors.inbox(user=request.user, year=year, month=month, today=today)
    rows = box.filtered(status)
    if request.GET.get("export") == "xlsx":
        return _inbox_export(rows, year=year, month=month)
    querystring = request.GET.copy()
    querystring.pop("export", None)
    querystring.pop("status", None)
    return render(
        request,
        "appraisal/logs_inbox.html",
        {
            "form": form,
            "inbox": box,
            "rows": rows,
            "status": status,
            "statuses": [(value, label, box.counts[value]) for value, label in selectors.INBOX_STATUSES],
            "querystring": querystring.urlencode(),
            "quarter": (month - 1) // 3 + 1,
        },
    )


def _inbox_export(rows: list[selectors.InboxRow], *, year: int, month: int) -> HttpResponse:
    period = _("%(y)d年%(m)d月") % {"y": year, "m": month}
    headers = [_("姓名"), _("部门"), _("状态"), _("逾期"), _("截止日期"), _("提交时间"), _("月评"), _("退回原因")]
    data = (
        [
            row.person.name,
            row.unit.name,
            row.deadline.status_label,
            _("是") if row.deadline.overdue else "",
            row.deadline.due.day,
            row.log.submitted_at if row.log else None,
            row.log.unit_head_comment if row.log else "",
            row.log.return_reason if row.log else "",
        ]
        for row in rows
    )
    return xlsx_response(filename=_("月记实-%(p)s.xlsx") % {"p": period}, sheets=[Sheet(period, headers, data)])


def log_detail(request: HttpRequest, pk: int) -> HttpResponse:
    log = selectors.log_for_reader(user=request.user, pk=pk)
    if log.person_id == scope_for(request.user).person_id:
        return redirect("appraisal:my_log", log.year, log.month)
    return _render_detail(request, log)


def _render_detail(request, log: MonthlyLog, *, comment_form=None, return_form=None, status=200) -> HttpResponse:
    reviewer = can_review_logs_of_unit(scope_for(request.user), log.unit_id)
    reviewable = reviewer and log.status == LogStatus.SUBMITTED
    if reviewable:
        comment_form = comment_form or CommentForm(initial={"comment": log.unit_head_comment})
        return_form = return_form or ReturnForm()
    return render(
        request,
        "appraisal/logs_detail.html",
        {
            "log": log,
            "deadline": selectors.log_deadline(log=log, year=log.year, month=log.month, today=timezone.localdate()),
            "reviewer": reviewer,
            "comment_form": comment_form if reviewable else None,
            "return_form": return_form if reviewable else None,
        },
        status=status,
    )


def _log_for_review(request: HttpRequest, pk: int) -> MonthlyLog:
    log = selectors.log_for_reader(user=request.user, pk=pk)
    if not can_review_logs_of_unit(scope_for(request.user), log.unit_id):
        raise PermissionDenied
    return log


@require_POST
def log_comment(request: HttpRequest, pk: int) -> HttpResponse:
    log = _log_for_review(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.monthly_log_comment(log=log, comment=form.cleaned_data["comment"], by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("月评已保存。"))
            return redirect("appraisal:log_detail", log.pk)
    return _render_detail(request, log, comment_form=form)


@require_POST
def log_return(request: HttpRequest, pk: int) -> HttpResponse:
    log = _log_for_review(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.monthly_log_return(log=log, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已退回 %(name)s 修改。") % {"name": log.person.name})
            return redirect("appraisal:log_detail", log.pk)
    return _render_detail(request, log, return_form=form)


# ---- Quarterly summaries -----------------------------------------------------------------------------------------


def summaries(request: HttpRequest) -> HttpResponse:
    _unit_head_units(request)
    today = timezone.localdate()
    current_quarter = (today.month - 1) // 3 + 1
    form = QuarterFilterForm({"year": today.year, "quarter": current_quarter, **request.GET.dict()})
    year, quarter = today.year, current_quarter
    if form.is_valid():
        year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    rows = selectors.summary_rows(user=request.user, year=year, quarter=quarter, today=today)
    months = services.quarter_months(quarter)
    if request.GET.get("export") == "xlsx":
        return _summaries_export(rows, year=year, quarter=quarter)
    querystring = request.GET.copy()
    querystring.pop("export", None)
    return render(
        request,
        "appraisal/logs_summaries.html",
        {
            "form": form,
            "rows": rows,
            "year": year,
            "quarter": quarter,
            "months": months,
            "querystring": querystring.urlencode(),
        },
    )


def _summaries_export(rows: list[selectors.SummaryRow], *, year: int, quarter: int) -> HttpResponse:
    months = [_("%(m)d月记实") % {"m": m} for m in services.quarter_months(quarter)]
    headers = [_("姓名"), _("部门"), *months, _("季度小结"), _("填写人"), _("修改时间")]
    data = (
        [
            row.person.name,
            row.person.unit.name,
            *(d.status_label + (_("（逾期）") if d.overdue else "") for _m, d in row.months),
            row.status_label,
            row.writer_name,
            row.summary.updated_at if row.summary else None,
        ]
        for row in rows
    )
    title = _("季度小结")
    filename = _("季度小结-%(y)d年第%(q)d季度.xlsx") % {"y": year, "q": quarter}
    return xlsx_response(filename=filename, sheets=[Sheet(title, headers, data)])


def summary_edit(request: HttpRequest, person_id: int, year: int, quarter: int) -> HttpResponse:
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        raise Http404
    person = selectors.summary_subject(user=request.user, person_id=person_id, year=year, quarter=quarter)
    summary = QuarterlySummary.objects.filter(person=person, year=year, quarter=quarter).first()
    scope = scope_for(request.user)
    may_write = can_review_logs_of_unit(scope, person.unit_id)
    if not (may_write or (summary is not None and can_review_logs_of_unit(scope, summary.unit_id))):
        raise PermissionDenied
    signed = selectors.summary_is_signed(person=person, year=year, quarter=quarter)
    page = {"person": person, "year": year, "quarter": quarter, "summary": summary, "signed": signed}
    if request.method != "POST":
        form = None
        if may_write and not signed:
            prefill = {} if summary else services.summary_prefill(person=person, year=year, quarter=quarter)
            form = SummaryForm(initial=summary_initial(summary, prefill))
        return _render_summary(request, form=form, prefilled=summary is None and form is not None, **page)
    if not may_write:
        raise PermissionDenied
    # Signed meanwhile: the service refuses the save and the page keeps what was typed, with the reason.
    form = SummaryForm(request.POST)
    if not form.is_valid():
        return _render_summary(request, form=form, **page)
    try:
        services.quarterly_summary_save(
            person=person,
            year=year,
            quarter=quarter,
            fields=form.summary_fields(),
            expected_version=form.expected_version(),
            by=request.user,
        )
    except LogConflict as conflict:
        stored = conflict.current
        data = request.POST.copy()
        data["version"] = str(stored.version)
        merged = SummaryForm(data)
        merged.is_valid()
        return _render_summary(
            request,
            form=merged,
            comparison=summary_comparison(stored, form),
            status=409,
            **{**page, "summary": stored},
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render_summary(request, form=form, **page)
    messages.success(request, _("%(name)s 的季度小结已保存。") % {"name": person.name})
    return _done(request, reverse("appraisal:summary_edit", args=[person.pk, year, quarter]))


def _render_summary(request, *, person, year, quarter, summary, signed, form, status=200, **extra) -> HttpResponse:
    return render(
        request,
        "appraisal/logs_summary_edit.html",
        {
            "person": person,
            "year": year,
            "quarter": quarter,
            "summary": summary,
            "signed": signed,
            "form": form,
            "months": selectors.quarter_logs(person=person, year=year, quarter=quarter, today=timezone.localdate()),
            "draft_key": f"summary:{person.pk}:{year}-{quarter}",
            "saved_at_ms": _epoch_ms(summary.updated_at if summary else None),
            **extra,
        },
        status=status,
    )


urlpatterns = [
    path("logs/", my_log, name="my_log"),
    path("logs/<int:year>/<int:month>/", my_log, name="my_log"),
    path("logs/<int:pk>/", log_detail, name="log_detail"),
    path("logs/<int:pk>/comment/", log_comment, name="log_comment"),
    path("logs/<int:pk>/return/", log_return, name="log_return"),
    path("inbox/", inbox, name="inbox"),
    path("summaries/", summaries, name="summaries"),
    path("summaries/<int:person_id>/<int:year>/<int:quarter>/", summary_edit, name="summary_edit"),
]
