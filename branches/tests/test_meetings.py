"""Recording meetings (DOMAIN.md §4): attendance with reasons, late entries flagged, private attachments."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from branches.models import Meeting, MeetingAttachment, MeetingAttendance
from branches.services import AttendanceEntry, attachment_add, meeting_record, meeting_update
from core.models import AuditEvent

PRESENT = MeetingAttendance.Status.PRESENT
ABSENT = MeetingAttendance.Status.ABSENT


def _record(personas, org, *, held_on=None, kind="committee_meeting", organization=None, attendances=None):
    return meeting_record(
        organization=organization or org.branch_1,
        kind=kind,
        held_on=held_on or timezone.localdate(),
        place="三楼会议室",
        topic="学习贯彻全会精神",
        attendances=attendances if attendances is not None else [AttendanceEntry(personas.people.alice, PRESENT)],
        by=personas.sam,
    )


def _form_data(personas, **overrides):
    p = personas.people
    data = {
        "kind": "committee_meeting",
        "held_on": timezone.localdate().isoformat(),
        "place": "三楼会议室",
        "topic": "研究发展党员工作",
        "host": p.sam.pk,
        "recorder": p.bob.pk,
        "minutes": "会议听取了组织委员的汇报。",
        "resolutions": "同意确定1名发展对象。",
    }
    for person in (p.alice, p.bob, p.olga, p.sam):
        data[f"status_{person.pk}"] = PRESENT
        data[f"reason_{person.pk}"] = ""
    data.update(overrides)
    return data


def test_secretary_records_a_meeting_with_attendance(client, personas, org):
    client.force_login(personas.sam)
    url = reverse("branches:meeting_create") + f"?organization={org.branch_1.pk}"
    data = _form_data(personas, **{f"status_{personas.people.bob.pk}": ABSENT,
                                   f"reason_{personas.people.bob.pk}": "出差"})  # fmt: skip
    response = client.post(url, data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("branches:meeting_detail", args=[meeting.pk])
    assert meeting.attendances.filter(status=PRESENT).count() == 3
    assert meeting.attendances.get(status=ABSENT).absence_reason == "出差"
    assert meeting.recorded_by == personas.sam
    assert AuditEvent.objects.filter(action="meeting.record", object_id=str(meeting.pk)).exists()


def test_absence_without_reason_is_refused_in_chinese_and_the_text_is_kept(client, personas, org):
    client.force_login(personas.sam)
    url = reverse("branches:meeting_create") + f"?organization={org.branch_1.pk}"
    response = client.post(url, _form_data(personas, **{f"status_{personas.people.bob.pk}": ABSENT}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写 李建国 的缺席原因。" in html
    assert "会议听取了组织委员的汇报。" in html
    assert not Meeting.objects.exists()


def test_database_refuses_an_absence_without_reason(personas, org):
    meeting = _record(personas, org)
    with pytest.raises(IntegrityError):
        MeetingAttendance.objects.create(meeting=meeting, person=personas.people.bob, status=ABSENT)


@pytest.mark.parametrize(("days_after", "late"), [(30, False), (31, True)])
def test_meeting_entered_more_than_30_days_after_it_was_held_is_kept_and_flagged_late(personas, org, days_after, late):
    meeting = _record(personas, org, held_on=timezone.localdate() - datetime.timedelta(days=days_after))
    assert meeting.pk is not None
    assert meeting.is_late_entry is late


def test_late_entry_shows_on_the_upper_levels_list(client, personas, org):
    _record(personas, org, held_on=timezone.localdate() - datetime.timedelta(days=60))
    client.force_login(personas.olga)
    response = client.get(reverse("branches:meeting_list") + "?late_only=on")
    assert [m.is_late_entry for m in response.context["page_obj"].object_list] == [True]
    assert "补录" in response.content.decode()


def test_meeting_date_in_the_future_is_refused(personas, org):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        _record(personas, org, held_on=timezone.localdate() + datetime.timedelta(days=1))


def test_group_meeting_belongs_to_a_group_and_a_group_records_only_group_meetings(personas, org):
    with pytest.raises(ValidationError, match="党小组会只能由党小组记录"):
        _record(personas, org, kind="group_meeting")
    with pytest.raises(ValidationError, match="党小组只能记录党小组会"):
        _record(personas, org, kind="party_lecture", organization=org.group_1)
    meeting = _record(personas, org, kind="group_meeting", organization=org.group_1)
    assert meeting.organization == org.group_1


def test_someone_outside_the_branch_cannot_be_entered_as_attendee(personas, org):
    with pytest.raises(ValidationError, match="王芳 不是本组织的党员"):
        _record(personas, org, attendances=[AttendanceEntry(personas.people.wang, PRESENT)])


def test_editing_a_meeting_keeps_old_and_new_values_in_the_audit_trail(personas, org):
    meeting = _record(personas, org)
    meeting_update(
        meeting=meeting,
        topic="学习贯彻全会精神（第二次）",
        attendances=[AttendanceEntry(personas.people.alice, ABSENT, "病假")],
        by=personas.sam,
    )
    event = AuditEvent.objects.get(action="meeting.update")
    assert event.data["changes"]["topic"] == {"old": "学习贯彻全会精神", "new": "学习贯彻全会精神（第二次）"}
    assert meeting.attendances.get().absence_reason == "病假"


def test_secretary_of_another_branch_cannot_record_for_this_one(client, personas, org):
    client.force_login(personas.sam)
    url = reverse("branches:meeting_create") + f"?organization={org.branch_2.pk}"
    response = client.get(url)
    assert response.status_code == 200
    assert "branch_2" not in response.content.decode()
    assert response.context["chooser"].errors


def test_staff_without_a_branch_role_may_not_record_meetings(client, personas):
    client.force_login(personas.alice)
    assert client.get(reverse("branches:meeting_create")).status_code == 403


# ---- Attachments -----------------------------------------------------------------------------


@pytest.fixture
def meeting(personas, org):
    return _record(personas, org)


def test_attachment_is_stored_privately_under_a_random_name(personas, meeting):
    attachment = attachment_add(
        meeting=meeting, uploaded=SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.7 body"), by=personas.sam
    )
    path = Path(attachment.file.path)
    assert path.is_relative_to(Path(settings.PRIVATE_STORAGE_ROOT))
    assert "会议纪要" not in path.name and len(path.name) == 32
    assert not path.is_relative_to(Path(settings.BASE_DIR) / "static")
    assert attachment.sha256 and attachment.size == len(b"%PDF-1.7 body")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("纪要.pdf", b"<html>not a pdf</html>", "文件内容与扩展名"),
        ("空.pdf", b"", "文件是空的"),
    ],
)
def test_attachment_of_wrong_type_or_content_is_refused(personas, meeting, name, content, message):
    with pytest.raises(ValidationError, match=message):
        attachment_add(meeting=meeting, uploaded=SimpleUploadedFile(name, content), by=personas.sam)
    assert not MeetingAttachment.objects.exists()


def test_attachment_over_the_size_limit_is_refused(personas, meeting, settings):
    settings.ZHIBU_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="文件过大"):
        attachment_add(meeting=meeting, uploaded=SimpleUploadedFile("大.pdf", b"%PDF-" + b"0" * 2048), by=personas.sam)


def test_upload_page_shows_the_reason_a_file_was_refused(client, personas, meeting):
    client.force_login(personas.sam)
    upload = SimpleUploadedFile("病毒.exe", b"MZ")
    response = client.post(reverse("branches:attachment_upload", args=[meeting.pk]), {"file": upload}, follow=True)
    assert "不支持的文件类型" in response.content.decode()


def test_download_is_audited_uncached_and_named_in_chinese(client, personas, meeting):
    attachment = attachment_add(
        meeting=meeting, uploaded=SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.7 body"), by=personas.sam
    )
    client.force_login(personas.olga)
    response = client.get(reverse("branches:attachment_download", args=[attachment.token]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 body"
    assert response["Cache-Control"] == "no-store"
    assert "filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="attachment.download", actor=personas.olga).count() == 1


def test_deleting_an_attachment_removes_the_file(client, personas, meeting, django_capture_on_commit_callbacks):
    attachment = attachment_add(meeting=meeting, uploaded=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\nxx"),
                                by=personas.sam)  # fmt: skip
    path = Path(attachment.file.path)
    client.force_login(personas.sam)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("branches:attachment_delete", args=[attachment.token]))
    assert not MeetingAttachment.objects.exists()
    assert not path.exists()


def test_member_who_left_later_can_be_recorded_at_an_earlier_meeting(personas, org):
    membership = personas.people.bob.membership
    membership.left_on = timezone.localdate() - datetime.timedelta(days=5)
    membership.save()
    earlier = timezone.localdate() - datetime.timedelta(days=10)
    meeting = _record(personas, org, held_on=earlier, attendances=[AttendanceEntry(personas.people.bob, PRESENT)])
    assert meeting.attendances.get().person == personas.people.bob
    with pytest.raises(ValidationError, match="不是本组织的党员"):
        _record(personas, org, attendances=[AttendanceEntry(personas.people.bob, PRESENT)])


def test_meeting_page_counts_attendance_and_names_absentees_with_reasons(client, personas, org):
    p = personas.people
    meeting = _record(
        personas, org, attendances=[AttendanceEntry(p.alice, PRESENT), AttendanceEntry(p.bob, ABSENT, "出差")]
    )
    client.force_login(personas.sam)
    html = client.get(reverse("branches:meeting_detail", args=[meeting.pk])).content.decode()
    assert "应到 2 人，实到 1 人，缺席 1 人" in html
    assert "李建国：缺席（出差）" in html
    assert "孙明 记录会议" in html
