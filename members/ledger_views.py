"""The five ledgers (台账, DOMAIN.md §3), each a filtered list exporting to Excel: floating members, members in
difficulty with the help given, elderly members, activists, newly admitted members.

Hardship data is seen only by the branch secretary and the organisation officer, and every view of it (list,
detail, export) is written to the audit trail (§0).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.pagination import paginate

from . import lifecycle, lifecycle_selectors
from .lifecycle_forms import (
    ActivistFilterForm,
    ElderlyFilterForm,
    FloatingForm,
    HardshipCloseForm,
    HardshipFilterForm,
    HardshipHelpForm,
    HardshipOpenForm,
    LedgerFilterForm,
    NewMemberFilterForm,
)
from .lifecycle_views import _party_page, add_service_errors, membership_for, party_url, require_keeper
from .models import HardshipCase
from .periods import age_on, fen_to_yuan
from .tables import WRAP, Column, table_response

HARDSHIP_NOTE = gettext_lazy("困难党员信息仅支部书记和组织部门可见，每次查看和导出均记入审计日志。")
LEDGERS = [
    ("floating", gettext_lazy("流动党员")),
    ("hardship", gettext_lazy("困难党员")),
    ("elderly", gettext_lazy("老党员")),
    ("activists", gettext_lazy("入党积极分子")),
    ("new", gettext_lazy("新发展党员")),
]


def ledger_tabs(active: str) -> list[dict]:
    return [
        {"label": label, "url": reverse("members:ledger", args=[kind]), "active": kind == active, "count": None}
        for kind, label in LEDGERS
    ]


def _name_filter(memberships, form):
    query = form.value("q", "")
    return memberships.filter(person__name__contains=query.strip()) if query.strip() else memberships


def _person_columns() -> list[Column]:
    return [
        Column(_("姓名"), lambda m: m.person.name, party_url),
        Column(_("性别"), lambda m: m.person.get_gender_display()),
        Column(_("出生日期"), lambda m: m.person.birth_date),
        Column(_("党支部"), lambda m: m.branch.name),
        Column(_("部门"), lambda m: m.person.unit.name),
    ]


def ledger(request: HttpRequest, kind: str) -> HttpResponse:
    if kind == "hardship":
        return hardship_ledger(request)
    require_keeper(request)
    today = timezone.localdate()
    user = request.user
    if kind == "floating":
        form = LedgerFilterForm(request.GET or None, user=user)
        items = lifecycle_selectors.floating_ledger(user=user, branch_id=form.branch_id)
        columns = [
            *_person_columns(),
            Column(_("政治面貌"), lambda m: m.get_stage_display()),
            Column(_("外出流向"), lambda m: m.floating_destination, css=WRAP),
            Column(_("外出日期"), lambda m: m.floating_since),
        ]
        notes = _("在党员本人的党员档案页标记或解除流动党员。")
    elif kind == "elderly":
        form = ElderlyFilterForm(request.GET or None, user=user)
        min_age = form.value("min_age", lifecycle_selectors.ELDERLY_AGE)
        items = lifecycle_selectors.elderly_ledger(user=user, on=today, min_age=min_age, branch_id=form.branch_id)
        columns = [
            *_person_columns(),
            Column(_("年龄"), lambda m: age_on(m.person.birth_date, today)),
            Column(_("入党日期"), lambda m: m.admitted_on),
            Column(_("党龄（年）"), lambda m: age_on(m.admitted_on, today) if m.admitted_on else None),
            Column(_("在职状态"), lambda m: m.person.get_service_status_display()),
        ]
        notes = _("年满 %(age)s 周岁的党员。") % {"age": min_age}
    elif kind == "activists":
        form = ActivistFilterForm(request.GET or None, user=user)
        items = lifecycle_selectors.activist_ledger(user=user, branch_id=form.branch_id, stage=form.value("stage", ""))
        items = _name_filter(items, form)
        contacts = lifecycle_selectors.contact_people(items)
        columns = [
            *_person_columns(),
            Column(_("阶段"), lambda m: m.get_stage_display()),
            Column(_("申请入党日期"), lambda m: m.applied_on),
            Column(_("确定积极分子日期"), lambda m: m.activist_on),
            Column(_("确定发展对象日期"), lambda m: m.target_on),
            Column(_("培养联系人"), lambda m: contacts.get(m.pk, "")),
        ]
        notes = _("入党积极分子和发展对象。")
    elif kind == "new":
        form = NewMemberFilterForm(request.GET or None, user=user)
        year = form.value("year", today.year)
        items = lifecycle_selectors.new_member_ledger(user=user, year=year, branch_id=form.branch_id)
        columns = [
            *_person_columns(),
            Column(_("学历"), lambda m: m.person.get_education_display()),
            Column(_("入党日期"), lambda m: m.admitted_on),
            Column(_("政治面貌"), lambda m: m.get_stage_display()),
            Column(_("转正日期"), lambda m: m.full_on),
        ]
        notes = _("%(year)s 年接收的预备党员。") % {"year": year}
    else:
        raise Http404
    if kind != "activists":
        items = _name_filter(items, form)
    title = str(dict(LEDGERS)[kind]) + _("台账")
    return table_response(
        request,
        title=title,
        columns=columns,
        items=items,
        form=form,
        filename=title,
        context={"tabs": ledger_tabs(kind), "notes": notes},
    )


def hardship_ledger(request: HttpRequest) -> HttpResponse:
    require_keeper(request)
    form = HardshipFilterForm(request.GET or None, user=request.user)
    cases = lifecycle_selectors.hardship_ledger(
        user=request.user, branch_id=form.branch_id, include_closed=bool(form.value("include_closed", False))
    )
    query = form.value("q", "")
    if query.strip():
        cases = cases.filter(membership__person__name__contains=query.strip())
    what = _("台账导出") if request.GET.get("export") == "xlsx" else _("台账")
    columns = [
        Column(
            _("姓名"), lambda c: c.membership.person.name, lambda c: reverse("members:hardship_detail", args=[c.pk])
        ),
        Column(_("党支部"), lambda c: c.membership.branch.name),
        Column(_("困难类型"), lambda c: c.get_category_display()),
        Column(_("困难情况"), lambda c: c.situation, css=WRAP),
        Column(_("登记日期"), lambda c: c.since),
        Column(_("帮扶次数"), lambda c: c.help_count),
        Column(_("帮扶金额（元）"), lambda c: fen_to_yuan(c.help_total_fen)),
        Column(_("解除日期"), lambda c: c.closed_on),
    ]
    response = table_response(
        request,
        title=_("困难党员台账"),
        columns=columns,
        items=cases,
        form=form,
        filename=_("困难党员台账"),
        context={"tabs": ledger_tabs("hardship"), "notes": HARDSHIP_NOTE},
    )
    # The rows this response showed: all of them in an export, one page on screen.
    shown = list(cases) if request.GET.get("export") == "xlsx" else list(paginate(request, cases).object_list)
    if shown:
        lifecycle.hardship_viewed(user=request.user, cases=shown, what=what)
    return response


def hardship_for(request: HttpRequest, pk: int) -> HardshipCase:
    require_keeper(request)
    return get_object_or_404(
        HardshipCase.objects.visible_to(request.user).select_related("membership__person", "membership__branch"),
        pk=pk,
    )


def _hardship_page(request: HttpRequest, case: HardshipCase, **forms) -> HttpResponse:
    context = {
        "case": case,
        "helps": case.helps.order_by("given_on", "id"),
        "help_form": forms.get("help_form") or (HardshipHelpForm() if case.closed_on is None else None),
        "close_form": forms.get("close_form") or (HardshipCloseForm() if case.closed_on is None else None),
        "history": HardshipCase.objects.filter(membership=case.membership).exclude(pk=case.pk).order_by("-since"),
    }
    return render(request, "members/lifecycle/hardship_detail.html", context, status=400 if forms else 200)


def hardship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = hardship_for(request, pk)
    lifecycle.hardship_viewed(user=request.user, cases=[case], what=_("详情"))
    return _hardship_page(request, case)


@require_POST
def hardship_help_create(request: HttpRequest, pk: int) -> HttpResponse:
    case = hardship_for(request, pk)
    form = HardshipHelpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            lifecycle.hardship_help_record(
                case=case,
                given_on=data["given_on"],
                kind=data["kind"],
                amount_fen=data["amount"] or 0,
                description=data["description"],
                given_by=data["given_by"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记帮扶情况。"))
            return redirect("members:hardship_detail", pk=case.pk)
    return _hardship_page(request, case, help_form=form)


@require_POST
def hardship_close(request: HttpRequest, pk: int) -> HttpResponse:
    case = hardship_for(request, pk)
    form = HardshipCloseForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.hardship_close(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已解除困难党员登记。"))
            return redirect("members:hardship_detail", pk=case.pk)
    return _hardship_page(request, case, close_form=form)


@require_POST
def hardship_open(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for(request, pk)
    form = HardshipOpenForm(request.POST)
    if form.is_valid():
        try:
            case = lifecycle.hardship_open(membership=membership, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记为困难党员。"))
            return redirect("members:hardship_detail", pk=case.pk)
    return _party_page(request, membership, hardship_form=form)


@require_POST
def floating_update(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for(request, pk)
    form = FloatingForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.floating_set(
                membership=membership,
                is_floating=form.cleaned_data["is_floating"],
                destination=form.cleaned_data["destination"],
                since=form.cleaned_data["since"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存流动党员信息。"))
            return redirect(party_url(membership))
    return _party_page(request, membership, floating_form=form)
