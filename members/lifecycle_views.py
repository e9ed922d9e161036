"""Pages for the development pipeline, probation, thought reports and party standing (DOMAIN.md §3), and the
member's party page that brings one member's records together.

Only branch secretaries and organisation officers keep these records (403 for everyone else); a member outside
their scope answers 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.models import PartyOrganization
from core.exports import attachment_disposition
from core.pdf import PDF_CONTENT_TYPE, render_pdf

from . import dues, lifecycle, lifecycle_selectors
from .lifecycle_forms import (
    ApplicationForm,
    DevelopmentStepForm,
    DuesBaseForm,
    ExtensionForm,
    FloatingForm,
    HardshipOpenForm,
    PipelineFilterForm,
    ProbationFilterForm,
    StandingChangeForm,
    StandingFilterForm,
    ThoughtReportFilterForm,
    ThoughtReportForm,
    ThoughtReportReviewForm,
    previous_quarter,
)
from .lifecycle_selectors import NextStep
from .models import (
    PARTY_MEMBER_STAGES,
    DevelopmentStepKind,
    HardshipCase,
    Membership,
    MembershipStage,
    Person,
    StandingChange,
    ThoughtReport,
    TimingRule,
    Transfer,
)
from .periods import fen_to_yuan
from .permissions import can_see_identifiers, keeps_party_records, mask_id_number, mask_phone
from .scopes import Scope, scope_for
from .tables import WRAP, Column, table_response


def require_keeper(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not keeps_party_records(scope):
        raise PermissionDenied
    return scope


def membership_for(request: HttpRequest, person_pk: int) -> Membership:
    """The member's party record if it is in the user's scope, else 404."""
    require_keeper(request)
    return get_object_or_404(
        Membership.objects.visible_to(request.user).select_related("person", "person__unit", "branch", "group"),
        person_id=person_pk,
    )


def party_url(membership: Membership) -> str:
    return reverse("members:party", args=[membership.person_id])


def add_service_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# ---- the development pipeline ------------------------------------------------------------------------------


def _step_columns() -> list[Column]:
    return [
        Column(_("姓名"), lambda i: i.membership.person.name, lambda i: party_url(i.membership)),
        Column(_("党支部"), lambda i: i.membership.branch.name),
        Column(_("当前阶段"), lambda i: i.membership.get_stage_display()),
        Column(_("下一步"), lambda i: i.step_label),
        Column(_("最早可办理"), lambda i: i.earliest),
        Column(_("办理期限"), lambda i: i.deadline),
        Column(_("状态"), lambda i: i.status_label),
        Column(_("说明"), lambda i: i.reason, css=WRAP),
    ]


def development_list(request: HttpRequest) -> HttpResponse:
    """Who is due for the next step (overdue, ready, due within 30 days) and who is blocked and why (§3)."""
    require_keeper(request)
    form = PipelineFilterForm(request.GET or None, user=request.user)
    view = form.value("view", "due")
    today = timezone.localdate()
    filters = {"user": request.user, "on": today, "branch_id": form.branch_id, "stage": form.value("stage", "")}
    if view == "blocked":
        items, title = lifecycle_selectors.development_blocked_list(**filters), _("未满时限（受阻）名单")
    elif view == "all":
        items, title = lifecycle_selectors.development_pipeline(**filters), _("发展党员全部名单")
    else:
        items, title = lifecycle_selectors.development_due_list(**filters), _("到期待办名单")
    base = reverse("members:development")
    return table_response(
        request,
        title=title,
        columns=_step_columns(),
        items=items,
        form=form,
        filename=title,
        row_css=lambda i: i.css,
        context={
            "tabs": [
                {"label": _("到期待办"), "url": f"{base}?view=due", "active": view == "due", "count": None},
                {"label": _("未满时限"), "url": f"{base}?view=blocked", "active": view == "blocked", "count": None},
                {"label": _("全部"), "url": f"{base}?view=all", "active": view == "all", "count": None},
            ],
            "actions": [{"label": _("登记入党申请"), "url": reverse("members:application_create")}],
            "intro_template": "members/lifecycle/timing_rules.html",
            "timing_rules": TimingRule.objects.filter(is_active=True).order_by("id"),
            "notes": _(
                "到期待办：已逾期、现在可以办理，以及 %(days)s 天内可以办理的；"
                "未满时限：按时限规则现在还不能办理的，列出所依据的规则和最早可办理日期。"
            )
            % {"days": lifecycle_selectors.DUE_SOON_DAYS},
        },
    )


def probation_list(request: HttpRequest) -> HttpResponse:
    """Probationary members: conversion due within 30 days, and overdue (§3)."""
    require_keeper(request)
    form = ProbationFilterForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    items = lifecycle_selectors.probation_list(
        user=request.user, on=today, branch_id=form.branch_id, window=form.value("window", "")
    )
    columns = [
        Column(_("姓名"), lambda i: i.membership.person.name, lambda i: party_url(i.membership)),
        Column(_("党支部"), lambda i: i.membership.branch.name),
        Column(_("入党日期"), lambda i: i.membership.admitted_on),
        Column(_("延长预备期（月）"), lambda i: lifecycle_selectors.extension_months(i.membership) or ""),
        Column(_("预备期满（转正日期）"), lambda i: i.earliest),
        Column(_("距到期天数"), lambda i: i.days_to_earliest),
        Column(_("状态"), lambda i: i.status_label),
    ]
    return table_response(
        request,
        title=_("预备党员转正"),
        columns=columns,
        items=items,
        form=form,
        filename=_("预备党员转正"),
        row_css=lambda i: i.css,
    )


def application_create(request: HttpRequest) -> HttpResponse:
    """An application to join: the person enters the pipeline as an applicant."""
    require_keeper(request)
    branches = PartyOrganization.objects.visible_to(request.user).branches()
    # Applicants come from the departments whose staff the user's branches hold, or the units the user oversees.
    unit_ids = set(Membership.objects.visible_to(request.user).values_list("person__unit_id", flat=True))
    unit_ids |= set(scope_for(request.user).unit_ids)
    people = Person.objects.filter(membership__isnull=True, unit_id__in=unit_ids).order_by("unit_id", "name")
    form = ApplicationForm(request.POST or None, people=people, branches=branches)
    if request.method == "POST" and form.is_valid():
        try:
            step = lifecycle.development_application_record(
                person=form.cleaned_data["person"],
                branch=form.cleaned_data["branch"],
                applied_on=form.cleaned_data["taken_on"],
                opinion=form.cleaned_data["opinion"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记入党申请。"))
            return redirect("members:party", pk=step.membership.person_id)
    return render(request, "members/lifecycle/form.html", {"form": form, "title": _("登记入党申请")})


# ---- the member's party page ------------------------------------------------------------------------------


def _party_page(request: HttpRequest, membership: Membership, **forms: Form) -> HttpResponse:
    scope = scope_for(request.user)
    person = membership.person
    today = timezone.localdate()
    next_step: NextStep | None = lifecycle_selectors.next_step_for(membership, on=today)
    extended = membership.development_steps.filter(step=DevelopmentStepKind.EXTEND).exists()
    is_member = membership.stage in PARTY_MEMBER_STAGES
    reviewer_person = getattr(request.user, "person", None)
    obligations = lifecycle_selectors.thought_report_obligations(membership, on=today)
    context = {
        "person": person,
        "membership": membership,
        "id_number": person.id_number if can_see_identifiers(scope, person) else mask_id_number(person.id_number),
        "phone": person.phone if can_see_identifiers(scope, person) else mask_phone(person.phone),
        "record": lifecycle_selectors.development_record(membership),
        "next_step": next_step,
        "step_form": forms.get("step_form") or _step_form(membership, next_step, today),
        "extension_form": forms.get("extension_form")
        or (ExtensionForm() if membership.stage == MembershipStage.PROBATIONARY and not extended else None),
        "obligations": list(reversed(obligations)),
        "report_form": forms.get("report_form")
        or (
            ThoughtReportForm()
            if membership.stage in (MembershipStage.ACTIVIST, MembershipStage.DEVELOPMENT_TARGET)
            else None
        ),
        "review_form": forms.get("review_form"),
        "blank_review_form": ThoughtReportReviewForm(),
        "review_report_pk": forms.get("review_report_pk"),
        "can_review": reviewer_person is not None,
        "standing_changes": membership.standing_changes.select_related("recorded_by").order_by("effective_on", "id"),
        "standing_form": forms.get("standing_form") or (StandingChangeForm() if is_member else None),
        "transfers": Transfer.objects.visible_to(request.user).filter(person=person).order_by("-transferred_on"),
        "can_transfer": is_member and membership.left_on is None,
        "dues_months": membership.dues_months.order_by("-month")[:12],
        "paid_up_to": dues.dues_paid_up_to(membership),
        "dues_base": fen_to_yuan(membership.dues_base_fen) if membership.dues_base_fen is not None else "",
        "dues_base_form": forms.get("dues_base_form") or (DuesBaseForm(membership=membership) if is_member else None),
        "floating_form": forms.get("floating_form")
        or FloatingForm(
            initial={
                "is_floating": membership.is_floating,
                "destination": membership.floating_destination,
                "since": membership.floating_since,
            }
        ),
        "hardship_case": HardshipCase.objects.visible_to(request.user)
        .filter(membership=membership, closed_on__isnull=True)
        .first(),
        "hardship_form": forms.get("hardship_form") or HardshipOpenForm(),
    }
    status = 400 if forms else 200
    return render(request, "members/lifecycle/party.html", context, status=status)


def _step_form(membership: Membership, next_step: NextStep | None, today) -> DevelopmentStepForm | None:
    if next_step is None:
        return None
    # A conversion dates from the day probation ends (转正时间自预备期满之日算起), even when discussed later.
    initial = {}
    if next_step.step == DevelopmentStepKind.CONVERT and next_step.earliest and next_step.earliest <= today:
        initial["taken_on"] = next_step.earliest
    return DevelopmentStepForm(membership=membership, step=next_step.step, initial=initial)


def member_party(request: HttpRequest, pk: int) -> HttpResponse:
    return _party_page(request, membership_for(request, pk))


@require_POST
def development_step_create(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for(request, pk)
    step = lifecycle_selectors.NEXT_STEP.get(membership.stage)
    if step is None:
        messages.error(request, _("已是正式党员，发展程序已完成。"))
        return redirect(party_url(membership))
    form = DevelopmentStepForm(request.POST, membership=membership, step=step)
    if form.is_valid():
        try:
            lifecycle.development_step_record(
                membership=membership, step=step, by=request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已记录“%(step)s”。") % {"step": DevelopmentStepKind(step).label})
            return redirect(party_url(membership))
    return _party_page(request, membership, step_form=form)


@require_POST
def probation_extend(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for(request, pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.probation_extend(membership=membership, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已记录延长预备期。"))
            return redirect(party_url(membership))
    return _party_page(request, membership, extension_form=form)


def development_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """发展党员全程纪实表: the member's development record printed from the recorded steps (§3)."""
    membership = membership_for(request, pk)
    scope = scope_for(request.user)
    person = membership.person
    today = timezone.localdate()
    pdf = render_pdf(
        "members/pdf/development_record.html",
        {
            "person": person,
            "membership": membership,
            "id_number": person.id_number if can_see_identifiers(scope, person) else mask_id_number(person.id_number),
            "record": lifecycle_selectors.development_record(membership),
            "obligations": lifecycle_selectors.thought_report_obligations(membership, on=today),
            "standing_changes": membership.standing_changes.order_by("effective_on", "id"),
            "printed_on": today,
        },
    )
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(f"发展党员全程纪实表-{person.name}.pdf").replace(
        "attachment", "inline", 1
    )
    response["Cache-Control"] = "no-store"
    return response


# ---- thought reports ----------------------------------------------------------------------------------------


def thought_report_list(request: HttpRequest) -> HttpResponse:
    """Everyone owing a quarterly thought report (§3), received, late, missing or pending, with the review."""
    require_keeper(request)
    form = ThoughtReportFilterForm(request.GET or None, user=request.user)
    default_year, default_quarter = previous_quarter()
    year = form.value("year", default_year)
    quarter = form.value("quarter", default_quarter)
    items = lifecycle_selectors.thought_report_quarter(
        user=request.user,
        year=year,
        quarter=quarter,
        on=timezone.localdate(),
        branch_id=form.branch_id,
        status=form.value("status", ""),
    )

    def report_value(attr):
        return lambda i: getattr(i.report, attr) if i.report else None

    columns = [
        Column(_("姓名"), lambda i: i.membership.person.name, lambda i: party_url(i.membership)),
        Column(_("党支部"), lambda i: i.membership.branch.name),
        Column(_("当前阶段"), lambda i: i.membership.get_stage_display()),
        Column(_("季度"), lambda i: i.label),
        Column(_("情况"), lambda i: i.status_label),
        Column(_("收到日期"), report_value("received_on")),
        Column(_("审阅人"), lambda i: i.report.reviewer.name if i.report and i.report.reviewer else None),
        Column(_("审阅意见"), report_value("review_comment"), css=WRAP),
    ]
    return table_response(
        request,
        title=_("%(year)s年第%(quarter)s季度思想汇报") % {"year": year, "quarter": quarter},
        columns=columns,
        items=items,
        form=form,
        filename=_("思想汇报"),
        row_css=lambda i: i.css,
        context={
            "notes": _(
                "入党积极分子和发展对象每季度向党支部书面汇报思想；季度结束仍未收到的列为缺交，"
                "季度结束后收到的列为逾期提交。"
            )
        },
    )


@require_POST
def thought_report_create(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for(request, pk)
    form = ThoughtReportForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.thought_report_record(membership=membership, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记思想汇报。"))
            return redirect(party_url(membership))
    return _party_page(request, membership, report_form=form)


@require_POST
def thought_report_review(request: HttpRequest, pk: int) -> HttpResponse:
    require_keeper(request)
    report = get_object_or_404(ThoughtReport.objects.visible_to(request.user).select_related("membership"), pk=pk)
    reviewer = getattr(request.user, "person", None)
    if reviewer is None:
        raise PermissionDenied
    form = ThoughtReportReviewForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.thought_report_review(
                report=report,
                reviewer=reviewer,
                comment=form.cleaned_data["comment"],
                reviewed_on=form.cleaned_data["reviewed_on"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存审阅意见。"))
            return redirect(party_url(report.membership))
    membership = membership_for(request, report.membership.person_id)
    return _party_page(request, membership, review_form=form, review_report_pk=report.pk)


# ---- party standing -----------------------------------------------------------------------------------------


@require_POST
def standing_change_create(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for(request, pk)
    form = StandingChangeForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.standing_change_record(membership=membership, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已记录党籍变动。"))
            return redirect(party_url(membership))
    return _party_page(request, membership, standing_form=form)


def standing_list(request: HttpRequest) -> HttpResponse:
    """Every change of party standing in the user's scope, newest first; nothing is ever overwritten (§3)."""
    require_keeper(request)
    form = StandingFilterForm(request.GET or None, user=request.user)
    changes = StandingChange.objects.visible_to(request.user).select_related("membership__person", "membership__branch")
    if form.branch_id:
        changes = changes.filter(membership__branch_id__in=PartyOrganization.objects.subtree_ids([form.branch_id]))
    if form.value("kind"):
        changes = changes.filter(kind=form.value("kind"))
    if form.value("year"):
        changes = changes.filter(effective_on__year=form.value("year"))
    columns = [
        Column(_("姓名"), lambda c: c.membership.person.name, lambda c: party_url(c.membership)),
        Column(_("党支部"), lambda c: c.membership.branch.name),
        Column(_("变动类型"), lambda c: c.get_kind_display()),
        Column(_("日期"), lambda c: c.effective_on),
        Column(_("文号"), lambda c: c.document_number),
        Column(_("变动前"), lambda c: c.get_standing_before_display()),
        Column(_("变动后"), lambda c: c.get_standing_after_display()),
        Column(_("原因"), lambda c: c.reason, css=WRAP),
    ]
    return table_response(
        request,
        title=_("党籍变动"),
        columns=columns,
        items=changes.order_by("-effective_on", "-id"),
        form=form,
        filename=_("党籍变动"),
    )
