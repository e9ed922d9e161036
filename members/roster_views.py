"""The roster import pages (花名册导入, DOMAIN.md §3): for organisation officers, limited to their scope."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exports import xlsx_response

from . import roster
from .permissions import can_import_roster
from .scopes import Scope, scope_for

# More errors than this are summarised: a wrong file can produce thousands.
ERRORS_SHOWN = 500


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("名册文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("只检查，不导入"), required=False)


def _officer_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not can_import_roster(scope):
        raise PermissionDenied
    return scope


def roster_import(request: HttpRequest) -> HttpResponse:
    scope = _officer_scope(request)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = roster.roster_import(
            file=form.cleaned_data["file"],
            by=request.user,
            allowed_unit_ids=scope.unit_ids,
            allowed_organization_ids=scope.organization_ids,
            dry_run=form.cleaned_data["dry_run"],
        )
        counts = {"created": result.created, "updated": result.updated}
        if result.ok and not result.dry_run:
            messages.success(request, _("导入完成：新建 %(created)d 人，更新 %(updated)d 人。") % counts)
            return redirect("members:list")
        if result.ok:
            messages.info(request, _("检查通过，可以导入：将新建 %(created)d 人，更新 %(updated)d 人。") % counts)
    return render(
        request,
        "members/import.html",
        {
            "form": form,
            "result": result,
            "errors": result.errors[:ERRORS_SHOWN] if result else [],
            "errors_hidden": max(len(result.errors) - ERRORS_SHOWN, 0) if result else 0,
        },
    )


def roster_template(request: HttpRequest) -> HttpResponse:
    scope = _officer_scope(request)
    return xlsx_response(
        filename="人员名册导入模板.xlsx",
        sheets=roster.roster_template(allowed_unit_ids=scope.unit_ids, allowed_organization_ids=scope.organization_ids),
    )
