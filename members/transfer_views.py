"""Pages for organisational relation transfers (组织关系转接, DOMAIN.md §3): the lists of pending, expiring and
overdue transfers, the introduction letter, receipts and members reporting in. Only the secretaries and officers
of the branches on either end see a transfer (§0); anything else answers 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import attachment_disposition
from core.pdf import PDF_CONTENT_TYPE, render_pdf

from . import lifecycle, lifecycle_selectors
from .lifecycle_forms import (
    TransferCancelForm,
    TransferFilterForm,
    TransferInForm,
    TransferOutForm,
    TransferReceiptForm,
    TransferReceiveForm,
)
from .lifecycle_selectors import TransferView, transfer_state
from .lifecycle_views import add_service_errors, membership_for, require_keeper
from .models import Transfer
from .permissions import can_handle_transfer, can_receive_transfer, can_see_identifiers, mask_id_number
from .scopes import scope_for
from .tables import WRAP, Column, table_response

STATE_CSS = {
    TransferView.OVERDUE: "table-danger",
    TransferView.EXPIRING: "table-warning",
    TransferView.PENDING: "",
    "completed": "",
    "cancelled": "text-muted",
}


def transfer_for(request: HttpRequest, pk: int) -> Transfer:
    require_keeper(request)
    return get_object_or_404(
        Transfer.objects.visible_to(request.user).select_related("person", "from_branch", "to_branch"), pk=pk
    )


def shown_id_number(request: HttpRequest, transfer: Transfer) -> str:
    scope = scope_for(request.user)
    if transfer.person is None or can_see_identifiers(scope, transfer.person):
        return transfer.id_number
    return mask_id_number(transfer.id_number)


def transfer_list(request: HttpRequest) -> HttpResponse:
    require_keeper(request)
    form = TransferFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    view = form.value("view", "")
    transfers = lifecycle_selectors.transfer_list(
        user=request.user,
        on=today,
        view=view,
        direction=form.value("direction", ""),
        branch_id=form.branch_id,
        query=form.value("q", ""),
    )
    counts = lifecycle_selectors.transfer_counts(user=request.user, on=today)
    base = reverse("members:transfers")
    tabs = [
        ("", _("全部"), None),
        (TransferView.PENDING, _("办理中"), counts["pending"]),
        (TransferView.EXPIRING, _("即将到期"), counts["expiring"]),
        (TransferView.OVERDUE, _("逾期未完成"), counts["overdue"]),
        (TransferView.TRANSFERRED_OUT, _("已转出机关的党员"), None),
    ]

    def state_label(t: Transfer) -> str:
        return TransferView.LABELS.get(transfer_state(t, today), t.get_status_display())

    columns = [
        Column(_("姓名"), lambda t: t.name, lambda t: reverse("members:transfer_detail", args=[t.pk])),
        Column(_("方向"), lambda t: str(t.direction_label)),
        Column(_("转出党组织"), lambda t: t.from_name, css=WRAP),
        Column(_("接收党组织"), lambda t: t.to_name, css=WRAP),
        Column(_("转接日期"), lambda t: t.transferred_on),
        Column(_("有效期至"), lambda t: t.valid_until),
        Column(_("状态"), state_label),
        Column(_("回执 / 报到日期"), lambda t: t.receipt_on),
        Column(_("党费缴至"), lambda t: f"{t.dues_paid_until:%Y-%m}" if t.dues_paid_until else ""),
    ]
    return table_response(
        request,
        title=_("组织关系转接"),
        columns=columns,
        items=transfers,
        form=form,
        filename=_("组织关系转接"),
        row_css=lambda t: STATE_CSS.get(transfer_state(t, today), ""),
        context={
            "tabs": [
                {"label": label, "url": f"{base}?view={key}" if key else base, "active": view == key, "count": count}
                for key, label, count in tabs
            ],
            "actions": [{"label": _("登记转入"), "url": reverse("members:transfer_in_create")}],
            "notes": _(
                "转出本机关的党员自转接日期起不再计入党员统计，其档案和历史记录保留。"
                "即将到期：介绍信 %(days)s 天内到期仍未回执或报到。"
            )
            % {"days": lifecycle_selectors.TRANSFER_EXPIRING_DAYS},
        },
    )


def transfer_out_create(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for(request, pk)
    form = TransferOutForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = lifecycle.transfer_out_issue(membership=membership, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已开具组织关系介绍信。"))
            return redirect("members:transfer_detail", pk=transfer.pk)
    return render(
        request,
        "members/lifecycle/form.html",
        {
            "form": form,
            "title": _("转出组织关系：%(name)s") % {"name": membership.person.name},
            "back_url": reverse("members:party", args=[membership.person_id]),
        },
    )


def transfer_in_create(request: HttpRequest) -> HttpResponse:
    require_keeper(request)
    form = TransferInForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = lifecycle.transfer_in_register(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记转入介绍信，党员报到后请办理接收。"))
            return redirect("members:transfer_detail", pk=transfer.pk)
    return render(
        request,
        "members/lifecycle/form.html",
        {"form": form, "title": _("登记转入的组织关系介绍信"), "back_url": reverse("members:transfers")},
    )


def _detail(request: HttpRequest, transfer: Transfer, **forms: Form) -> HttpResponse:
    scope = scope_for(request.user)
    pending = transfer.status == "pending"
    receivable = pending and can_receive_transfer(scope, transfer)
    context = {
        "transfer": transfer,
        "state": TransferView.LABELS.get(transfer_state(transfer, timezone.localdate()), ""),
        "id_number": shown_id_number(request, transfer),
        "receipt_form": forms.get("receipt_form")
        or (TransferReceiptForm() if receivable and transfer.direction != "in" else None),
        "receive_form": forms.get("receive_form")
        or (TransferReceiveForm(transfer=transfer) if receivable and transfer.direction == "in" else None),
        "cancel_form": forms.get("cancel_form") or (TransferCancelForm() if pending else None),
    }
    return render(request, "members/lifecycle/transfer_detail.html", context, status=400 if forms else 200)


def transfer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, transfer_for(request, pk))


@require_POST
def transfer_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_for(request, pk)
    if not can_receive_transfer(scope_for(request.user), transfer):
        raise PermissionDenied
    form = TransferReceiptForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.transfer_receipt_record(
                transfer=transfer,
                receipt_on=form.cleaned_data["receipt_on"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记回执，转接完成。"))
            return redirect("members:transfer_detail", pk=transfer.pk)
    return _detail(request, transfer, receipt_form=form)


@require_POST
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_for(request, pk)
    if not can_receive_transfer(scope_for(request.user), transfer):
        raise PermissionDenied
    form = TransferReceiveForm(request.POST, transfer=transfer)
    if form.is_valid():
        try:
            lifecycle.transfer_in_receive(transfer=transfer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s 已报到，转入完成。") % {"name": transfer.name})
            return redirect("members:transfer_detail", pk=transfer.pk)
    return _detail(request, transfer, receive_form=form)


@require_POST
def transfer_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = transfer_for(request, pk)
    if not can_handle_transfer(scope_for(request.user), transfer):
        raise PermissionDenied
    form = TransferCancelForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.transfer_cancel(transfer=transfer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("转接已撤销。"))
            return redirect("members:transfer_detail", pk=transfer.pk)
    return _detail(request, transfer, cancel_form=form)


def transfer_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The introduction letter (党员组织关系介绍信) with its receipt slip, as issued."""
    transfer = transfer_for(request, pk)
    pdf = render_pdf(
        "members/pdf/transfer_letter.html",
        {"transfer": transfer, "id_number": shown_id_number(request, transfer)},
    )
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(f"组织关系介绍信-{transfer.name}.pdf").replace(
        "attachment", "inline", 1
    )
    response["Cache-Control"] = "no-store"
    return response
