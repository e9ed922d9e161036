from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import audit_events_for
from core.exports import Sheet, attachment_disposition, xlsx_response
from core.pagination import paginate, querystring_without_page
from members.scopes import scope_for

from . import selectors, services
from .forms import (
    AttachmentForm,
    ComplianceFilterForm,
    MeetingFilterForm,
    MeetingForm,
    OrganizationChoiceForm,
)
from .models import Meeting, MeetingAttachment, MeetingAttendance, PartyOrganization
from .permissions import can_edit_meeting, can_record_meetings


def organization_list(request: HttpRequest) -> HttpResponse:
    organizations = selectors.organization_list(user=request.user)
    today = timezone.localdate()
    silent_ids = {s.branch.pk for s in selectors.silent_branches(user=request.user, today=today)}
    if request.GET.get("export") == "xlsx":
        rows = [
            [
                "　" * org.depth + org.name,
                org.get_kind_display(),
                org.member_count,
                org.last_meeting_on,
                "是" if org.pk in silent_ids else "",
            ]
            for org in organizations
        ]
        return xlsx_response(
            filename=f"党组织-{today:%Y%m%d}.xlsx",
            sheets=[Sheet("党组织", ["名称", "类别", "党员数", "最近会议", "沉寂"], rows)],
        )
    return render(
        request, "branches/organization_list.html", {"organizations": organizations, "silent_ids": silent_ids}
    )


def meeting_list(request: HttpRequest) -> HttpResponse:
    form = MeetingFilterForm(request.GET or None, user=request.user)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "organization_id": data["organization"].pk if data["organization"] else None,
            "kind": data["kind"],
            "year": data["year"],
            "late_only": data["late_only"],
            "query": data["q"],
        }
    meetings = selectors.meeting_list(user=request.user, **filters)
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                m.held_on,
                m.organization.name,
                m.get_kind_display(),
                m.topic,
                m.place,
                m.host.name if m.host else "",
                m.present_count,
                m.absent_count,
                "补录" if m.is_late_entry else "",
                m.recorded_at,
            ]
            for m in meetings.iterator(chunk_size=2000)
        )
        headers = ["日期", "组织", "类型", "主题", "地点", "主持人", "出席", "缺席", "补录", "录入时间"]
        return xlsx_response(
            filename=f"会议记录-{timezone.localdate():%Y%m%d}.xlsx", sheets=[Sheet("会议记录", headers, rows)]
        )
    return render(
        request,
        "branches/meeting_list.html",
        {
            "form": form,
            "page_obj": paginate(request, meetings),
            "querystring": querystring_without_page(request),
            "can_record": _recordable_organizations(request).exists(),
        },
    )


def _recordable_organizations(request: HttpRequest):
    scope = scope_for(request.user)
    organizations = PartyOrganization.objects.visible_to(request.user).order_by("sort_order", "id")
    allowed = [org.pk for org in organizations if can_record_meetings(scope, org)]
    return organizations.filter(pk__in=allowed)


def meeting_create(request: HttpRequest) -> HttpResponse:
    organizations = _recordable_organizations(request)
    if not organizations.exists():
        raise PermissionDenied
    chooser = OrganizationChoiceForm(request.GET or None, organizations=organizations)
    if not chooser.is_valid():
        return render(request, "branches/meeting_choose_organization.html", {"chooser": chooser})
    organization = chooser.cleaned_data["organization"]
    participants = services.meeting_participants(organization)
    form = MeetingForm(request.POST or None, organization=organization, participants=participants)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_record(
                organization=organization,
                attendances=form.attendances(),
                by=request.user,
                **form.meeting_fields(),
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            if meeting.is_late_entry:
                messages.warning(request, _("会议已保存。会议日期距今超过规定天数，已标记为补录。"))
            else:
                messages.success(request, _("会议已保存。"))
            return redirect("branches:meeting_detail", pk=meeting.pk)
    return render(request, "branches/meeting_form.html", {"form": form, "organization": organization, "meeting": None})


def _add_service_errors(form: MeetingForm, exc: ValidationError) -> None:
    for field_name, errors in exc.message_dict.items():
        form.add_error(None if field_name == "__all__" else field_name, errors)


def _meeting_for(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.visible_to(request.user).select_related("organization"), pk=pk)


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    scope = scope_for(request.user)
    editable = can_edit_meeting(scope, meeting)
    attendances = list(meeting.attendances.select_related("person").order_by("person__name"))
    return render(
        request,
        "branches/meeting_detail.html",
        {
            "meeting": meeting,
            "expected": len(attendances),
            "present": [a.person for a in attendances if a.status == MeetingAttendance.Status.PRESENT],
            "absent": [a for a in attendances if a.status == MeetingAttendance.Status.ABSENT],
            "attachments": meeting.attachments.all(),
            "editable": editable,
            "attachment_form": AttachmentForm() if editable else None,
            "history": audit_events_for(meeting).select_related("actor__person")[:20] if editable else [],
        },
    )


def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    if not can_edit_meeting(scope_for(request.user), meeting):
        raise PermissionDenied
    participants = services.meeting_participants(meeting.organization)
    # Someone who attended and has since left the branch stays on the record of that meeting.
    known = {p.pk for p in participants}
    participants += [a.person for a in meeting.attendances.select_related("person") if a.person_id not in known]
    form = MeetingForm(
        request.POST or None, instance=meeting, organization=meeting.organization, participants=participants
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(
                meeting=meeting, attendances=form.attendances(), by=request.user, **form.meeting_fields()
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, _("修改已保存。"))
            return redirect("branches:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "branches/meeting_form.html",
        {"form": form, "organization": meeting.organization, "meeting": meeting},
    )


@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_for(request, pk)
    if not can_edit_meeting(scope_for(request.user), meeting):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            attachment = services.attachment_add(meeting=meeting, uploaded=form.cleaned_data["file"], by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已上传“%(name)s”。") % {"name": attachment.original_name})
    return redirect("branches:meeting_detail", pk=meeting.pk)


def _attachment_for(request: HttpRequest, token) -> MeetingAttachment:
    return get_object_or_404(
        MeetingAttachment.objects.filter(meeting__in=Meeting.objects.visible_to(request.user)).select_related(
            "meeting__organization"
        ),
        token=token,
    )


def attachment_download(request: HttpRequest, token) -> FileResponse:
    attachment = _attachment_for(request, token)
    services.attachment_downloaded(attachment=attachment, by=request.user)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = attachment_disposition(attachment.original_name)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def attachment_delete(request: HttpRequest, token) -> HttpResponse:
    attachment = _attachment_for(request, token)
    if not can_edit_meeting(scope_for(request.user), attachment.meeting):
        raise PermissionDenied
    meeting_pk = attachment.meeting_id
    services.attachment_delete(attachment=attachment, by=request.user)
    messages.success(request, _("附件已删除。"))
    return redirect("branches:meeting_detail", pk=meeting_pk)


def compliance(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ComplianceFilterForm(request.GET or None, user=request.user, initial={"year": today.year})
    year, organization = today.year, None
    if form.is_valid():
        year = form.cleaned_data["year"] or today.year
        organization = form.cleaned_data["organization"]
    rows = selectors.meeting_compliance(
        user=request.user, year=year, today=today, organization_id=organization.pk if organization else None
    )
    if request.GET.get("export") == "xlsx":
        data = [
            [row.branch.name, row.kind_label, row.rule_label, cell.period.label, cell.required, cell.held,
             cell.status_label, cell.note]
            for row in rows
            for cell in row.cells
        ]  # fmt: skip
        headers = ["支部", "会议类型", "要求", "期间", "应开", "已开", "情况", "说明"]
        return xlsx_response(
            filename=f"三会一课落实情况-{year}.xlsx", sheets=[Sheet(f"{year}年落实情况", headers, data)]
        )
    return render(
        request,
        "branches/compliance.html",
        {
            "form": form,
            "rows": rows,
            "year": year,
            "months": range(1, 13),
            "querystring": querystring_without_page(request),
        },
    )
