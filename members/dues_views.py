"""Party dues pages (DOMAIN.md §3): the month's ledger of a branch, recording payments, the member's base,
arrears per branch and the yearly dues sheet in Excel."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.models import PartyOrganization
from core.exports import Sheet, xlsx_response

from . import dues
from .dues import YEAR_SHEET_HEADERS, dues_year_rows, rate_label
from .lifecycle_forms import DuesBaseForm, DuesMonthForm, DuesPaymentForm, DuesYearForm, ScopedFilterForm
from .lifecycle_views import _party_page, add_service_errors, membership_for, party_url, require_keeper
from .models import Membership
from .periods import add_months, fen_to_yuan, month_start
from .tables import WRAP, Column, table_response


def dues_tabs(active: str) -> list[dict]:
    return [
        {"label": _("月度台账"), "url": reverse("members:dues"), "active": active == "month", "count": None},
        {"label": _("欠缴名单"), "url": reverse("members:dues_arrears"), "active": active == "arrears", "count": None},
        {"label": _("年度党费表"), "url": reverse("members:dues_year"), "active": active == "year", "count": None},
    ]


def _month_ledger_url(branch_id: int, month) -> str:
    return reverse("members:dues") + "?" + urlencode({"branch": branch_id, "month": f"{month:%Y-%m}"})


def dues_month(request: HttpRequest) -> HttpResponse:
    """The month's ledger of a branch: base, rate, due, paid and date paid for every paying member."""
    require_keeper(request)
    data = request.GET.copy()
    form = DuesMonthForm(data or None, user=request.user)
    branches = form.fields["branch"].queryset
    branch = form.cleaned_data["branch"] if form.is_valid() else branches.first()
    month = (form.cleaned_data.get("month") if form.is_valid() else None) or month_start(timezone.localdate())
    if branch is None:
        return render(request, "members/lifecycle/form.html", {"title": _("党费"), "form": None})
    if request.method == "POST" and request.POST.get("action") == "assess":
        result = dues.dues_month_assess(branch=branch, month=month, by=request.user)
        messages.success(request, _("已核定 %(n)s 人的党费。") % {"n": result.created})
        if result.missing_base:
            names = "、".join(m.person.name for m in result.missing_base[:10])
            messages.warning(request, _("以下党员尚未核定计算基数：%(names)s") % {"names": names})
        return redirect(_month_ledger_url(branch.pk, month))
    rows = dues.dues_month_ledger(user=request.user, branch_id=branch.pk, month=month)
    pay_url = reverse("members:dues_pay")

    def pay_link(row) -> str:
        return pay_url + "?" + urlencode({"membership": row.membership.pk, "month": f"{month:%Y-%m}"})

    columns = [
        Column(_("姓名"), lambda r: r.membership.person.name, lambda r: party_url(r.membership)),
        Column(_("类别"), lambda r: r.row.get_category_display() if r.row else ""),
        Column(_("计算基数（元）"), lambda r: fen_to_yuan(r.row.base_fen) if r.row else ""),
        Column(_("比例"), lambda r: rate_label(r.row.rate, r.row.due_fen) if r.row else ""),
        Column(_("应缴（元）"), lambda r: fen_to_yuan(r.row.due_fen) if r.row else ""),
        Column(_("实缴（元）"), lambda r: fen_to_yuan(r.row.paid_fen) if r.row else ""),
        Column(_("缴纳日期"), lambda r: r.row.last_paid_on if r.row else None),
        Column(_("状态"), lambda r: r.status),
        Column(_("操作"), lambda r: _("登记缴费"), pay_link),
    ]
    unassessed = sum(1 for r in rows if r.row is None)
    due_total = sum(r.row.due_fen for r in rows if r.row)
    paid_total = sum(r.row.paid_fen for r in rows if r.row)
    return table_response(
        request,
        title=_("%(branch)s %(month)s党费") % {"branch": branch.name, "month": f"{month:%Y年%m月}"},
        columns=columns,
        items=rows,
        form=form,
        filename=_("党费月度台账"),
        row_css=lambda r: r.css,
        context={
            "tabs": dues_tabs("month"),
            "actions": [
                {"label": _("上月"), "url": _month_ledger_url(branch.pk, add_months(month, -1))},
                {"label": _("下月"), "url": _month_ledger_url(branch.pk, add_months(month, 1))},
                {"label": _("登记缴费"), "url": pay_url + "?" + urlencode({"branch": branch.pk}), "css": "btn-danger"},
            ],
            "intro_template": "members/lifecycle/dues_month_intro.html",
            "unassessed": unassessed,
            "due_total": fen_to_yuan(due_total),
            "paid_total": fen_to_yuan(paid_total),
            "notes": _("党费按月计算，以分为单位，四舍五入；比例见管理后台“党费比例”，每档含上限。"),
        },
    )


def dues_pay(request: HttpRequest) -> HttpResponse:
    """Record a payment: one month (any amount), or several months each at what it still owes."""
    require_keeper(request)
    branch_id = request.GET.get("branch") or request.POST.get("branch")
    memberships = (
        Membership.objects.visible_to(request.user)
        .filter(stage__in=["probationary", "full"])
        .select_related("person", "branch")
        .order_by("branch__sort_order", "person__name")
    )
    if branch_id and str(branch_id).isdigit():
        memberships = memberships.filter(branch_id__in=PartyOrganization.objects.subtree_ids([int(branch_id)]))
    initial = {}
    if request.GET.get("membership"):
        initial["membership"] = request.GET["membership"]
    if request.GET.get("month"):
        initial["month"] = request.GET["month"]
    form = DuesPaymentForm(request.POST or None, memberships=memberships, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        membership = data["membership"]
        try:
            payments = dues.dues_payment_record(
                membership=membership,
                month=data["month"],
                months=data["months"],
                amount_fen=data["amount"],
                paid_on=data["paid_on"],
                note=data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            total = sum(p.amount_fen for p in payments)
            messages.success(
                request,
                _("已登记 %(name)s 缴纳党费 %(amount)s 元（%(n)s 个月）。")
                % {"name": membership.person.name, "amount": fen_to_yuan(total), "n": len(payments)},
            )
            return redirect(_month_ledger_url(payments[0].dues_month.branch_id, data["month"]))
    return render(
        request,
        "members/lifecycle/form.html",
        {"form": form, "title": _("登记党费缴纳"), "back_url": reverse("members:dues")},
    )


@require_POST
def dues_base_update(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for(request, pk)
    form = DuesBaseForm(request.POST, membership=membership)
    if form.is_valid():
        try:
            dues.dues_base_set(
                membership=membership,
                category=form.cleaned_data["category"],
                base_fen=form.cleaned_data["base"],
                from_month=form.cleaned_data["from_month"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已核定党费计算基数。"))
            return redirect(party_url(membership))
    return _party_page(request, membership, dues_base_form=form)


def dues_arrears(request: HttpRequest) -> HttpResponse:
    """Members owing dues for months before this one, per branch (欠缴名单)."""
    require_keeper(request)
    form = ScopedFilterForm(request.GET or None, user=request.user)
    rows = dues.dues_arrears(user=request.user, on=timezone.localdate(), branch_id=form.branch_id)
    columns = [
        Column(_("党支部"), lambda r: r.branch.name),
        Column(_("姓名"), lambda r: r.membership.person.name, lambda r: party_url(r.membership)),
        Column(_("欠缴月数"), lambda r: len(r.months)),
        Column(_("欠缴月份"), lambda r: r.month_labels, css=WRAP),
        Column(_("欠缴金额（元）"), lambda r: dues.yuan(r.outstanding_fen)),
        Column(_("党费缴至"), lambda r: f"{p:%Y-%m}" if (p := dues.dues_paid_up_to(r.membership)) else ""),
    ]
    total = sum(r.outstanding_fen for r in rows)
    return table_response(
        request,
        title=_("党费欠缴名单"),
        columns=columns,
        items=rows,
        form=form,
        filename=_("党费欠缴名单"),
        context={
            "tabs": dues_tabs("arrears"),
            "notes": _("本月以前应缴未缴清的月份；合计欠缴 %(total)s 元，%(n)s 人。")
            % {"total": fen_to_yuan(total), "n": len(rows)},
        },
    )


def dues_year(request: HttpRequest) -> HttpResponse:
    """The yearly dues sheet of a branch (党费收缴明细表), on screen and in Excel."""
    require_keeper(request)
    form = DuesYearForm(request.GET or None, user=request.user)
    branches = form.fields["branch"].queryset
    if form.is_valid():
        branch, year = form.cleaned_data["branch"], form.cleaned_data["year"]
    else:
        branch, year = branches.first(), timezone.localdate().year
    rows = dues_year_rows(user=request.user, branch_id=branch.pk, year=year) if branch else []
    if request.GET.get("export") == "xlsx" and branch:
        return xlsx_response(
            filename=f"党费收缴明细表-{branch.name}-{year}.xlsx",
            sheets=[Sheet(f"{year}年党费", YEAR_SHEET_HEADERS, rows)],
        )
    return render(
        request,
        "members/lifecycle/dues_year.html",
        {
            "form": form,
            "branch": branch,
            "year": year,
            "headers": YEAR_SHEET_HEADERS,
            "rows": rows,
            "tabs": dues_tabs("year"),
            "querystring": urlencode({"branch": branch.pk if branch else "", "year": year}),
        },
    )
