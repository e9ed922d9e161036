"""The organisation officer's pages (issue 4 items 1 and 8): cycles, appraisal groups, recusal overrides,
delegations and the completion dashboard; and everyone's reminders (item 7)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import Sheet, xlsx_response
from core.forms import add_service_errors
from core.pagination import paginate, querystring_without_page
from members.scopes import scope_for

from .. import setup
from ..dashboard import dashboard_for
from ..forms_officer import (
    CycleForm,
    DashboardFilterForm,
    DelegationForm,
    GroupForm,
    MembersAddForm,
    RatingLeaderForm,
    people_by_unit,
    user_label,
)
from ..models import AppraisalGroup, Appraisee, Cycle, Notification
from ..permissions import can_manage_cycles


def _require_officer(request: HttpRequest) -> None:
    if not can_manage_cycles(scope_for(request.user)):
        raise PermissionDenied


def _wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("export") == "xlsx"


# ---- Cycles and groups ------------------------------------------------------------------------------------------


def cycles(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = setup.cycle_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("考核周期“%(cycle)s”已开启，请添加考核组。") % {"cycle": cycle})
            return redirect("appraisal:cycle_detail", pk=cycle.pk)
    rows = setup.cycles_with_counts(request.user)
    if _wants_xlsx(request):
        return xlsx_response(
            filename=f"考核周期-{timezone.localdate():%Y%m%d}.xlsx",
            sheets=[
                Sheet(
                    _("考核周期"),
                    [_("年度"), _("名称"), _("考核方式"), _("考核组"), _("被考核人"), _("创建人"), _("创建时间")],
                    [
                        [
                            c.year,
                            c.name,
                            c.get_kind_display(),
                            c.group_count,
                            c.appraisee_count,
                            user_label(c.opened_by) if c.opened_by else "",
                            c.opened_at,
                        ]
                        for c in rows
                    ],
                )
            ],
        )
    return render(request, "appraisal/officer_cycles.html", {"form": form, "cycles": rows})


def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_officer(request)
    cycle = get_object_or_404(Cycle, pk=pk)
    groups = setup.groups_of_cycle(request.user, cycle)
    if _wants_xlsx(request):
        return xlsx_response(
            filename=f"{cycle.year}{cycle.name}-考核组.xlsx",
            sheets=[
                Sheet(
                    _("考核组"),
                    [_("考核组"), _("评鉴领导"), _("被考核人数"), _("已有签署")],
                    [[g.name, user_label(g.leader), g.appraisee_count, _("是") if g.signed else ""] for g in groups],
                )
            ],
        )
    return render(request, "appraisal/officer_cycle_detail.html", {"cycle": cycle, "groups": groups})


def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require_officer(request)
    cycle = get_object_or_404(Cycle, pk=pk)
    form = GroupForm(request.POST or None, user=request.user, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            group = setup.group_create(
                cycle=cycle,
                name=form.cleaned_data["name"],
                leader=form.cleaned_data["leader"],
                people=list(form.cleaned_data["people"]),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("考核组“%(name)s”已建立。") % {"name": group.name})
            return redirect("appraisal:group_setup", pk=group.pk)
    return render(
        request,
        "appraisal/officer_group_form.html",
        {"cycle": cycle, "form": form, "units": people_by_unit(form["people"], request.user)},
    )


def _group_rows(group: AppraisalGroup, request: HttpRequest) -> list[dict]:
    """Each member of the group with the form that names another leader to rate them."""
    coverage = setup.leader_coverage()
    return [
        {
            "member": member,
            "leader_form": RatingLeaderForm(
                appraisee=member.appraisee,
                leaders=setup.rating_leader_choices(user=request.user, appraisee=member.appraisee, coverage=coverage),
                prefix=f"a{member.appraisee.pk}",
            ),
        }
        for member in setup.group_members(group=group, user=request.user)
    ]


def group_setup(request: HttpRequest, pk: int) -> HttpResponse:
    _require_officer(request)
    group = get_object_or_404(setup.groups_visible_to(request.user).select_related("cycle", "leader__person"), pk=pk)
    signed = setup.group_is_signed(group)
    add_form = MembersAddForm(request.POST or None, user=request.user, cycle=group.cycle)
    if request.method == "POST":
        if signed:
            raise PermissionDenied
        if add_form.is_valid():
            try:
                added = setup.group_members_add(
                    group=group, people=list(add_form.cleaned_data["people"]), by=request.user
                )
            except ValidationError as exc:
                add_service_errors(add_form, exc)
            else:
                messages.success(request, _("已加入 %(n)d 人。") % {"n": len(added)})
                return redirect("appraisal:group_setup", pk=group.pk)
    if _wants_xlsx(request):
        return xlsx_response(
            filename=f"{group.cycle.year}{group.name}-被考核人.xlsx",
            sheets=[
                Sheet(
                    group.name,
                    [_("姓名"), _("部门"), _("职务"), _("季度小结填写人"), _("评鉴领导"), _("回避")],
                    [
                        [
                            m.appraisee.person.name,
                            m.appraisee.person.unit.name,
                            m.appraisee.person.position,
                            "、".join(user_label(u) for u in m.unit_heads),
                            user_label(m.leader),
                            _("须回避") if m.group_leader_recused else "",
                        ]
                        for m in setup.group_members(group=group, user=request.user)
                    ],
                )
            ],
        )
    return render(
        request,
        "appraisal/officer_group.html",
        {
            "group": group,
            "rows": _group_rows(group, request),
            "signed": signed,
            "add_form": add_form,
            "units": people_by_unit(add_form["people"], request.user),
            "open_add": request.method == "POST",
        },
    )


def _appraisee_for(request: HttpRequest, pk: int) -> Appraisee:
    return get_object_or_404(
        Appraisee.objects.filter(person__unit_id__in=setup.officer_unit_ids(request.user)).select_related(
            "person", "group"
        ),
        pk=pk,
    )


@require_POST
def appraisee_rating_leader(request: HttpRequest, pk: int) -> HttpResponse:
    _require_officer(request)
    appraisee = _appraisee_for(request, pk)
    form = RatingLeaderForm(
        request.POST,
        appraisee=appraisee,
        leaders=setup.rating_leader_choices(user=request.user, appraisee=appraisee),
        prefix=f"a{appraisee.pk}",
    )
    if not form.is_valid():
        messages.error(request, _("请从列表中选择领导。"))
    else:
        try:
            setup.appraisee_rating_leader_set(appraisee=appraisee, leader=form.cleaned_data["leader"], by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(name)s 的评鉴领导已更新。") % {"name": appraisee.person.name})
    return redirect("appraisal:group_setup", pk=appraisee.group_id)


@require_POST
def appraisee_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require_officer(request)
    appraisee = _appraisee_for(request, pk)
    try:
        setup.appraisee_remove(appraisee=appraisee, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已将 %(name)s 移出考核组。") % {"name": appraisee.person.name})
    return redirect("appraisal:group_setup", pk=appraisee.group_id)


# ---- Delegations (代签) -----------------------------------------------------------------------------------------


def delegations(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    form = DelegationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            setup.delegation_add(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("代签授权已登记。"))
            return redirect("appraisal:delegations")
    rows = setup.delegations_visible_to(request.user).order_by("-starts_on", "-pk")
    today = timezone.localdate()
    if _wants_xlsx(request):
        return xlsx_response(
            filename=f"代签授权-{today:%Y%m%d}.xlsx",
            sheets=[
                Sheet(
                    _("代签授权"),
                    [_("评鉴领导"), _("代签人"), _("开始日期"), _("结束日期"), _("事由")],
                    [[user_label(d.leader), user_label(d.acting), d.starts_on, d.ends_on, d.reason] for d in rows],
                )
            ],
        )
    return render(request, "appraisal/officer_delegations.html", {"form": form, "delegations": rows, "today": today})


@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_officer(request)
    delegation = get_object_or_404(setup.delegations_visible_to(request.user), pk=pk)
    try:
        setup.delegation_revoke(delegation=delegation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("代签授权已撤销。"))
    return redirect("appraisal:delegations")


# ---- Dashboard ----------------------------------------------------------------------------------------------------


def dashboard(request: HttpRequest) -> HttpResponse:
    _require_officer(request)
    today = timezone.localdate()
    form = DashboardFilterForm(request.GET if "year" in request.GET else None)
    year, month, quarter = form.period(today)
    if not form.is_bound:
        form = DashboardFilterForm(initial={"year": year, "month": month, "quarter": quarter})
    board = dashboard_for(user=request.user, year=year, month=month, quarter=quarter)
    if _wants_xlsx(request):
        return xlsx_response(filename=f"考核完成情况-{year}年{month}月-第{quarter}季度.xlsx", sheets=[board.sheet()])
    return render(
        request,
        "appraisal/officer_dashboard.html",
        {
            "form": form,
            "board": board,
            "chart_data": board.chart_data(),
            "querystring": querystring_without_page(request),
        },
    )


# ---- Notifications (everyone) -----------------------------------------------------------------------------------


def notifications(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(user=request.user).order_by("read_at", "-created_at")
    return render(
        request,
        "appraisal/notifications.html",
        {"page_obj": paginate(request, rows), "unread": rows.filter(read_at__isnull=True).count()},
    )


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.filter(user=request.user), pk=pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    if request.POST.get("follow") and url_has_allowed_host_and_scheme(notification.link, allowed_hosts=None):
        return redirect(notification.link)
    return redirect("appraisal:notifications")


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("appraisal:notifications")


urlpatterns = [
    path("cycles/", cycles, name="cycles"),
    path("cycles/<int:pk>/", cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/groups/new/", group_create, name="group_create"),
    path("groups/<int:pk>/setup/", group_setup, name="group_setup"),
    path("groups/members/<int:pk>/rating-leader/", appraisee_rating_leader, name="appraisee_rating_leader"),
    path("groups/members/<int:pk>/remove/", appraisee_remove, name="appraisee_remove"),
    path("delegations/", delegations, name="delegations"),
    path("delegations/<int:pk>/revoke/", delegation_revoke, name="delegation_revoke"),
    path("dashboard/", dashboard, name="dashboard"),
    path("notifications/", notifications, name="notifications"),
    path("notifications/<int:pk>/read/", notification_read, name="notification_read"),
    path("notifications/read-all/", notifications_read_all, name="notifications_read_all"),
]
