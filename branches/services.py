"""Writes for organisations and meetings (DOMAIN.md §4). The only place that changes meeting records."""

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import User
from members.models import PARTY_MEMBER_STAGES, Person

from .models import Meeting, MeetingAttachment, MeetingAttendance, MeetingKind, PartyOrganization

BRANCH_LEVEL_KINDS = (
    PartyOrganization.Kind.BRANCH,
    PartyOrganization.Kind.GENERAL_BRANCH,
    PartyOrganization.Kind.COMMITTEE,
    PartyOrganization.Kind.WORKING_COMMITTEE,
)


@dataclass(frozen=True)
class AttendanceEntry:
    person: Person
    status: str
    absence_reason: str = ""


def meeting_participants(organization: PartyOrganization, on_date: datetime.date | None = None) -> list[Person]:
    """Who is expected at a meeting of the organisation on a date (default today): the party members of a
    branch, or of a group; for a higher organisation, the members of its whole subtree. Someone who has since
    transferred out still belongs to the meetings held before they left."""
    on_date = on_date or timezone.localdate()
    people = (
        Person.objects.filter(membership__stage__in=PARTY_MEMBER_STAGES)
        .filter(Q(membership__left_on__isnull=True) | Q(membership__left_on__gt=on_date))
        .order_by("name", "id")
    )
    if organization.is_group:
        return list(people.filter(membership__group=organization))
    if organization.is_branch:
        return list(people.filter(membership__branch=organization))
    subtree = PartyOrganization.objects.subtree_ids([organization.pk])
    return list(people.filter(membership__branch_id__in=subtree))


def is_late_entry(held_on: datetime.date, recorded_on: datetime.date) -> bool:
    """A meeting entered more than ZHIBU_LATE_ENTRY_DAYS after its date is a late entry (补录), §4."""
    return (recorded_on - held_on).days > settings.ZHIBU_LATE_ENTRY_DAYS


def _validate_meeting(
    *, organization: PartyOrganization, kind: str, held_on: datetime.date, attendances: list[AttendanceEntry]
) -> None:
    errors: dict[str, list[str]] = {}
    if kind == MeetingKind.GROUP_MEETING and not organization.is_group:
        errors.setdefault("kind", []).append(_("党小组会只能由党小组记录。"))
    if kind != MeetingKind.GROUP_MEETING and organization.kind not in BRANCH_LEVEL_KINDS:
        errors.setdefault("kind", []).append(_("党小组只能记录党小组会。"))
    if held_on > timezone.localdate():
        errors.setdefault("held_on", []).append(_("会议日期不能晚于今天。"))
    expected = {p.pk for p in meeting_participants(organization, held_on)}
    seen: set[int] = set()
    for entry in attendances:
        if entry.person.pk not in expected:
            errors.setdefault("__all__", []).append(
                _("%(name)s 不是本组织的党员，不能登记出席情况。") % {"name": entry.person.name}
            )
        if entry.person.pk in seen:
            errors.setdefault("__all__", []).append(_("%(name)s 重复登记。") % {"name": entry.person.name})
        seen.add(entry.person.pk)
        if entry.status == MeetingAttendance.Status.ABSENT and not entry.absence_reason.strip():
            errors.setdefault("__all__", []).append(_("请填写 %(name)s 的缺席原因。") % {"name": entry.person.name})
    if errors:
        raise ValidationError(errors)


def _write_attendances(meeting: Meeting, attendances: list[AttendanceEntry]) -> None:
    meeting.attendances.all().delete()
    MeetingAttendance.objects.bulk_create(
        MeetingAttendance(
            meeting=meeting,
            person=entry.person,
            status=entry.status,
            absence_reason=entry.absence_reason.strip() if entry.status == MeetingAttendance.Status.ABSENT else "",
        )
        for entry in attendances
    )


def _attendance_summary(attendances: list[AttendanceEntry]) -> dict[str, int]:
    present = sum(1 for a in attendances if a.status == MeetingAttendance.Status.PRESENT)
    return {"present": present, "absent": len(attendances) - present}


MEETING_FIELDS = ("kind", "held_on", "place", "topic", "host", "recorder", "minutes", "resolutions")


@transaction.atomic
def meeting_record(
    *,
    organization: PartyOrganization,
    kind: str,
    held_on: datetime.date,
    place: str,
    topic: str,
    host: Person | None = None,
    recorder: Person | None = None,
    minutes: str = "",
    resolutions: str = "",
    attendances: list[AttendanceEntry],
    by: User,
) -> Meeting:
    """Record a meeting with its attendance. A late entry is kept and flagged, never refused (§4)."""
    _validate_meeting(organization=organization, kind=kind, held_on=held_on, attendances=attendances)
    meeting = Meeting.objects.create(
        organization=organization,
        kind=kind,
        held_on=held_on,
        place=place,
        topic=topic,
        host=host,
        recorder=recorder,
        minutes=minutes,
        resolutions=resolutions,
        is_late_entry=is_late_entry(held_on, timezone.localdate()),
        recorded_by=by,
    )
    _write_attendances(meeting, attendances)
    audit_record(
        actor=by,
        action="meeting.record",
        obj=meeting,
        summary=f"{organization.name} {meeting.get_kind_display()} {held_on}",
        data={"late_entry": meeting.is_late_entry, **_attendance_summary(attendances)},
    )
    return meeting


def _field_value(value) -> str:
    if isinstance(value, Person):
        return value.name
    return "" if value is None else str(value)


@transaction.atomic
def meeting_update(*, meeting: Meeting, attendances: list[AttendanceEntry], by: User, **fields) -> Meeting:
    """Change a meeting record; the audit row keeps the old and new values of every changed field."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"meeting_update got unknown fields: {sorted(unknown)}")
    _validate_meeting(
        organization=meeting.organization,
        kind=fields.get("kind", meeting.kind),
        held_on=fields.get("held_on", meeting.held_on),
        attendances=attendances,
    )
    changes = {}
    for name, value in fields.items():
        old = getattr(meeting, name)
        if old != value:
            changes[name] = {"old": _field_value(old), "new": _field_value(value)}
            setattr(meeting, name, value)
    meeting.save()
    _write_attendances(meeting, attendances)
    audit_record(
        actor=by,
        action="meeting.update",
        obj=meeting,
        summary=f"{meeting.organization.name} {meeting.get_kind_display()} {meeting.held_on}",
        data={"changes": changes, **_attendance_summary(attendances)},
    )
    return meeting


# Accepted attachment types: extension → the bytes such a file starts with.
ATTACHMENT_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".ofd": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".ofd": "application/ofd",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def validate_attachment(uploaded: UploadedFile) -> str:
    """Check size and type (by extension and by the file's first bytes); return the extension."""
    name = PurePath(uploaded.name or "").name
    extension = PurePath(name).suffix.lower()
    if extension not in ATTACHMENT_SIGNATURES:
        raise ValidationError(
            _("不支持的文件类型“%(ext)s”。可上传：%(allowed)s。")
            % {"ext": extension or _("无扩展名"), "allowed": "、".join(sorted(ATTACHMENT_SIGNATURES))}
        )
    if uploaded.size == 0:
        raise ValidationError(_("文件是空的。"))
    if uploaded.size > settings.ZHIBU_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("文件过大（%(size).1f MB），单个附件不能超过 %(limit)d MB。")
            % {
                "size": uploaded.size / 1024 / 1024,
                "limit": settings.ZHIBU_ATTACHMENT_MAX_BYTES // 1024 // 1024,
            }
        )
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    if not head.startswith(ATTACHMENT_SIGNATURES[extension]):
        raise ValidationError(_("文件内容与扩展名“%(ext)s”不符。") % {"ext": extension})
    return extension


@transaction.atomic
def attachment_add(*, meeting: Meeting, uploaded: UploadedFile, by: User) -> MeetingAttachment:
    extension = validate_attachment(uploaded)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    attachment = MeetingAttachment(
        meeting=meeting,
        original_name=PurePath(uploaded.name).name[:255],
        content_type=CONTENT_TYPES[extension],
        size=uploaded.size,
        sha256=digest.hexdigest(),
        uploaded_by=by,
    )
    attachment.file.save("upload", uploaded, save=False)
    attachment.save()
    audit_record(
        actor=by,
        action="attachment.upload",
        obj=attachment,
        summary=attachment.original_name,
        data={"meeting": meeting.pk, "size": attachment.size, "sha256": attachment.sha256},
    )
    return attachment


def attachment_downloaded(*, attachment: MeetingAttachment, by: User) -> None:
    audit_record(actor=by, action="attachment.download", obj=attachment, summary=attachment.original_name)


@transaction.atomic
def attachment_delete(*, attachment: MeetingAttachment, by: User) -> None:
    audit_record(
        actor=by,
        action="attachment.delete",
        obj=attachment,
        summary=attachment.original_name,
        data={"meeting": attachment.meeting_id, "sha256": attachment.sha256},
    )
    storage, path = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))
