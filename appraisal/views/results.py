"""Pages of feedback and publication, admonishment talks, the year, commendations and the appraisal archive
(DOMAIN.md §5). Thin views over appraisal.feedback (writes and their reads) and appraisal.year (the year)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import Sheet, xlsx_response
from core.forms import add_service_errors
from core.pagination import paginate, querystring_without_page
from core.roles import Role
from members.models import Person
from members.scopes import scope_for

from .. import feedback
from ..forms_results import (
    AdmonishmentRecordForm,
    CommendationFilterForm,
    CommendationForm,
    PublicationFilterForm,
    YearFilterForm,
)
from ..models import Cycle, Publication, Rating
from ..year import archive_timeline, cycles_visible_to, groups_visible_to, year_report, year_sheets


def _with_defaults(request: HttpRequest, defaults: dict) -> QueryDict:
    """The query string, with defaults for the filters it does not name (a first visit, or an export link)."""
    data = request.GET.copy()
    for name, value in defaults.items():
        if not data.get(name) and value is not None:
            data[name] = str(value)
    return data


# ---- 我的考核结果 ---------------------------------------------------------------------------------------------


def my_results(request: HttpRequest) -> HttpResponse:
    results = feedback.my_results(user=request.user)
    return render(
        request,
        "appraisal/results_mine.html",
        {"results": results, "unacknowledged": sum(1 for r in results if not r.acknowledged)},
    )


@require_POST
def rating_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    rating = get_object_or_404(Rating.objects.visible_to(request.user).select_related("group__cycle"), pk=pk)
    try:
        feedback.rating_acknowledge(rating=rating, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("已确认%(year)d年%(period)s的考核结果。")
            % {"year": rating.year, "period": feedback.period_label(rating.group.cycle.kind, rating.period)},
        )
    return redirect("appraisal:my_results")


# ---- 公示 ----------------------------------------------------------------------------------------------------


def _publication_defaults(request: HttpRequest) -> dict:
    cycle = Cycle.objects.order_by("-year", "name").first()
    units = feedback.publication_units(user=request.user).order_by("sort_order", "id")
    own = getattr(getattr(request.user, "person", None), "unit_id", None)
    unit = own if own is not None and units.filter(pk=own).exists() else units.values_list("pk", flat=True).first()
    period = None
    if cycle is not None:
        period = Publication.objects.filter(group__cycle=cycle).aggregate(latest=Max("period"))["latest"] or 1
    return {"cycle": cycle.pk if cycle else None, "period": period, "unit": unit}


def publication(request: HttpRequest) -> HttpResponse:
    if not feedback.publication_units(user=request.user).exists():
        return render(request, "appraisal/results_publication.html", {"form": None})
    form = PublicationFilterForm(_with_defaults(request, _publication_defaults(request)), user=request.user)
    if not form.is_valid():
        return render(request, "appraisal/results_publication.html", {"form": form})
    cycle, period, unit = (form.cleaned_data[name] for name in ("cycle", "period", "unit"))
    label = feedback.period_label(cycle.kind, period)
    rows = feedback.publication_rows(cycle=cycle, period=period, unit=unit)
    scored = cycle.kind == Cycle.Kind.HALF_YEAR_SCORED
    if request.GET.get("export") == "xlsx":
        headers = [_("序号"), _("姓名"), _("部门"), _("职务"), _("等次")] + ([_("得分")] if scored else [])
        data = [
            [index, row.rating.person.name, row.rating.unit.name, row.rating.person.position,
             feedback.grade_label(row.rating.grade)] + ([row.rating.score] if scored else [])
            for index, row in enumerate(rows, start=1)
        ]  # fmt: skip
        return xlsx_response(
            filename=f"考核结果公示-{unit.name}-{cycle.year}年{label}.xlsx",
            sheets=[Sheet(_("考核结果公示"), headers, data)],
        )
    return render(
        request,
        "appraisal/results_publication.html",
        {
            "form": form,
            "cycle": cycle,
            "period": period,
            "period_label": label,
            "unit": unit,
            "rows": rows,
            "scored": scored,
            "published_at": max((row.published_at for row in rows), default=None),
            "groups": feedback.publishable_groups(user=request.user, cycle=cycle, period=period, unit=unit),
            "querystring": querystring_without_page(request),
        },
    )


@require_POST
def group_publish(request: HttpRequest, pk: int, period: int) -> HttpResponse:
    group = get_object_or_404(groups_visible_to(user=request.user), pk=pk)
    try:
        feedback.group_publish(group=group, period=period, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(group)s %(period)s的考核结果已公示。")
            % {"group": group.name, "period": feedback.period_label(group.cycle.kind, period)},
        )
    query = {"cycle": group.cycle_id, "period": period}
    unit = request.POST.get("unit", "")
    if unit.isdigit():
        query["unit"] = unit
    return redirect(f"{reverse('appraisal:publication')}?{urlencode(query)}")


# ---- 诫勉谈话 ------------------------------------------------------------------------------------------------


def admonishment_list(request: HttpRequest) -> HttpResponse:
    open_rows, closed_rows = feedback.admonishment_rows(user=request.user)
    if request.GET.get("export") == "xlsx":
        states = {"open": _("待谈话"), "recorded": _("已谈话"), "superseded": _("评鉴已修订，无需谈话")}
        headers = [
            _("姓名"),
            _("部门"),
            _("考核期"),
            _("评鉴领导"),
            _("状态"),
            _("谈话日期"),
            _("谈话人"),
            _("谈话记录"),
        ]
        data = [
            [row.task.person.name, row.task.person.unit.name,
             f"{row.task.rating.year}年{row.period_label}", feedback.user_label(row.task.rating.signed_by),
             states[row.state], row.task.talk_on, feedback.user_label(row.task.talk_by), row.task.notes]
            for row in [*open_rows, *closed_rows]
        ]  # fmt: skip
        return xlsx_response(
            filename=f"诫勉谈话-{timezone.localdate():%Y%m%d}.xlsx", sheets=[Sheet(_("诫勉谈话"), headers, data)]
        )
    return render(request, "appraisal/results_admonishments.html", {"open_rows": open_rows, "closed_rows": closed_rows})


def admonishment_record(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(feedback.admonishments_visible_to(request.user), pk=pk)
    if not feedback.can_record_talk(request.user, task):
        raise PermissionDenied
    if not task.is_open:
        messages.info(request, _("这次诫勉谈话已经记录。"))
        return redirect("appraisal:admonishments")
    form = AdmonishmentRecordForm(request.POST or None, initial={"talk_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            feedback.admonishment_record(
                task=task, talk_on=form.cleaned_data["talk_on"], notes=form.cleaned_data["notes"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已记录与%(name)s的诫勉谈话。") % {"name": task.person.name})
            return redirect("appraisal:admonishments")
    return render(
        request,
        "appraisal/results_admonishment_form.html",
        {
            "task": task,
            "form": form,
            "period_label": feedback.period_label(task.rating.group.cycle.kind, task.rating.period),
        },
    )


# ---- 年度 ----------------------------------------------------------------------------------------------------


def year(request: HttpRequest) -> HttpResponse:
    latest = cycles_visible_to(user=request.user).values_list("pk", flat=True).first()
    data = _with_defaults(request, {"cycle": latest}) if latest is not None else None
    form = YearFilterForm(data, user=request.user)
    report = None
    if form.is_valid():
        report = year_report(user=request.user, cycle=form.cleaned_data["cycle"], group=form.cleaned_data["group"])
        if request.GET.get("export") == "xlsx":
            suffix = f"-{form.cleaned_data['group'].name}" if form.cleaned_data["group"] else ""
            return xlsx_response(
                filename=f"{report.cycle.year}年度平时考核汇总{suffix}.xlsx", sheets=year_sheets(report)
            )
    return render(
        request,
        "appraisal/results_year.html",
        {"form": form, "report": report, "querystring": querystring_without_page(request)},
    )


# ---- 表彰与处分 -----------------------------------------------------------------------------------------------


def commendation_list(request: HttpRequest) -> HttpResponse:
    form = CommendationFilterForm(request.GET or None, user=request.user)
    person = form.cleaned_data["person"] if form.is_valid() else None
    commendations = feedback.commendations_visible_to(user=request.user, person=person)
    if request.GET.get("export") == "xlsx":
        headers = [_("姓名"), _("部门"), _("类别"), _("级别"), _("名称"), _("对应工作事项"), _("日期"), _("文号")]
        data = (
            [c.person.name, c.person.unit.name, c.get_kind_display(), c.get_level_display(), c.title, c.work_item,
             c.awarded_on, c.document_number]
            for c in commendations
        )  # fmt: skip
        return xlsx_response(
            filename=f"表彰与处分-{timezone.localdate():%Y%m%d}.xlsx", sheets=[Sheet(_("表彰与处分"), headers, data)]
        )
    return render(
        request,
        "appraisal/results_commendations.html",
        {
            "form": form,
            "person": person,
            "page_obj": paginate(request, commendations),
            "querystring": querystring_without_page(request),
            "can_record": bool(scope_for(request.user).units_for(Role.ORG_OFFICER)),
        },
    )


def commendation_create(request: HttpRequest) -> HttpResponse:
    officer_units = scope_for(request.user).units_for(Role.ORG_OFFICER)
    if not officer_units:
        raise PermissionDenied
    people = Person.objects.filter(unit_id__in=officer_units)
    initial = {"awarded_on": timezone.localdate()}
    if request.GET.get("person", "").isdigit():
        initial["person"] = int(request.GET["person"])
    form = CommendationForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commendation = feedback.commendation_record(
                person=data["person"],
                kind=data["kind"],
                level=data["level"],
                title=data["title"],
                work_item=data["work_item"],
                awarded_on=data["awarded_on"],
                document_number=data["document_number"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已录入：%(c)s。") % {"c": commendation})
            return redirect(f"{reverse('appraisal:commendations')}?{urlencode({'person': commendation.person_id})}")
    return render(request, "appraisal/results_commendation_form.html", {"form": form})


# ---- 考核实绩档案 ---------------------------------------------------------------------------------------------


def archive(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(feedback.archive_people(user=request.user).select_related("unit"), pk=pk)
    entries = archive_timeline(user=request.user, person=person)
    if request.GET.get("export") == "xlsx":
        data = [
            [timezone.localtime(e.at).date() if e.date_only else e.at, e.kind_label, e.title, "；".join(e.details),
             e.flag]
            for e in entries
        ]  # fmt: skip
        return xlsx_response(
            filename=f"考核实绩档案-{person.name}.xlsx",
            sheets=[Sheet(_("考核实绩档案"), [_("时间"), _("类别"), _("事项"), _("详情"), _("标记")], data)],
        )
    return render(
        request,
        "appraisal/results_archive.html",
        {
            "person": person,
            "entries": entries,
            "can_record_commendation": feedback.can_record_commendation(scope_for(request.user), person),
        },
    )


urlpatterns = [
    path("results/", my_results, name="my_results"),
    path("results/<int:pk>/acknowledge/", rating_acknowledge, name="rating_acknowledge"),
    path("publication/", publication, name="publication"),
    path("publication/groups/<int:pk>/<int:period>/publish/", group_publish, name="group_publish"),
    path("admonishments/", admonishment_list, name="admonishments"),
    path("admonishments/<int:pk>/record/", admonishment_record, name="admonishment_record"),
    path("year/", year, name="year"),
    path("commendations/", commendation_list, name="commendations"),
    path("commendations/new/", commendation_create, name="commendation_create"),
    path("people/<int:pk>/archive/", archive, name="archive"),
]
