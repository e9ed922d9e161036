"""Every role sees only its own scope (DOMAIN.md §1); anything outside answers 404, guessed ids included."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.models import MeetingAttendance
from branches.services import AttendanceEntry, attachment_add, meeting_record
from members.models import Person


def _listed_names(client) -> set[str]:
    response = client.get(reverse("members:list"))
    assert response.status_code == 200
    return {p.name for p in response.context["page_obj"].object_list}


@pytest.fixture
def meetings(personas, org):
    """One meeting in each branch, with an attachment each."""
    p = personas.people
    first = meeting_record(
        organization=org.branch_1, kind="committee_meeting", held_on=datetime.date(2026, 1, 10),
        place="三楼", topic="第一支部支委会",
        attendances=[AttendanceEntry(p.alice, MeetingAttendance.Status.PRESENT)], by=personas.sam,
    )  # fmt: skip
    second = meeting_record(
        organization=org.branch_2, kind="committee_meeting", held_on=datetime.date(2026, 1, 11),
        place="五楼", topic="第二支部支委会",
        attendances=[AttendanceEntry(p.wang, MeetingAttendance.Status.PRESENT)], by=personas.chief,
    )  # fmt: skip
    pdf = b"%PDF-1.4 minutes"
    first_file = attachment_add(meeting=first, uploaded=SimpleUploadedFile("纪要.pdf", pdf), by=personas.sam)
    second_file = attachment_add(meeting=second, uploaded=SimpleUploadedFile("纪要.pdf", pdf), by=personas.chief)
    return first, second, first_file, second_file


def test_staff_member_sees_only_themselves(client, personas):
    client.force_login(personas.alice)
    assert _listed_names(client) == {"张小丽"}


def test_unit_head_sees_their_unit_and_not_another(client, personas):
    client.force_login(personas.bob)
    names = _listed_names(client)
    assert "张小丽" in names and "李建国" in names
    assert "王芳" not in names


def test_leader_sees_the_units_they_supervise(client, personas):
    client.force_login(personas.lin)
    names = _listed_names(client)
    assert "张小丽" in names
    assert "王芳" not in names


def test_officer_sees_their_subtree_only(client, personas):
    client.force_login(personas.olga)
    names = _listed_names(client)
    assert "张小丽" in names
    assert "王芳" not in names
    client.force_login(personas.chief)
    assert "王芳" in _listed_names(client)


def test_secretary_sees_their_branch_members(client, personas):
    client.force_login(personas.sam)
    names = _listed_names(client)
    assert {"张小丽", "李建国", "孙明", "欧阳静"} <= names
    assert "王芳" not in names and "林志远" not in names


@pytest.mark.parametrize("username", ["alice", "bob", "lin", "olga", "sam"])
def test_guessing_another_scopes_person_id_answers_404(client, personas, username):
    client.force_login(getattr(personas, username))
    response = client.get(reverse("members:detail", args=[personas.people.wang.pk]))
    assert response.status_code == 404


def test_guessing_a_person_id_that_does_not_exist_answers_404_too(client, personas):
    client.force_login(personas.sam)
    missing = Person.objects.order_by("-pk").first().pk + 1000
    assert client.get(reverse("members:detail", args=[missing])).status_code == 404


@pytest.mark.parametrize("username", ["alice", "bob", "lin", "olga", "sam"])
def test_another_branchs_meeting_and_attachment_answer_404(client, personas, meetings, username):
    _, second, _, second_file = meetings
    client.force_login(getattr(personas, username))
    assert client.get(reverse("branches:meeting_detail", args=[second.pk])).status_code == 404
    assert client.get(reverse("branches:meeting_edit", args=[second.pk])).status_code == 404
    assert client.get(reverse("branches:attachment_download", args=[second_file.token])).status_code == 404
    upload = SimpleUploadedFile("x.pdf", b"%PDF-1.4")
    assert client.post(reverse("branches:attachment_upload", args=[second.pk]), {"file": upload}).status_code == 404
    assert client.post(reverse("branches:attachment_delete", args=[second_file.token])).status_code == 404


def test_attendee_reads_their_meeting_but_may_not_edit_it(client, personas, meetings):
    first, _, first_file, _ = meetings
    client.force_login(personas.alice)
    assert client.get(reverse("branches:meeting_detail", args=[first.pk])).status_code == 200
    assert client.get(reverse("branches:attachment_download", args=[first_file.token])).status_code == 200
    assert client.get(reverse("branches:meeting_edit", args=[first.pk])).status_code == 403
    assert client.post(reverse("branches:attachment_delete", args=[first_file.token])).status_code == 403


def test_unit_head_who_did_not_attend_cannot_open_the_branch_meeting(client, personas, meetings):
    first, *_ = meetings
    client.force_login(personas.bob)
    assert client.get(reverse("branches:meeting_detail", args=[first.pk])).status_code == 404


def test_meeting_and_member_lists_hold_no_foreign_rows(client, personas, meetings):
    first, second, *_ = meetings
    client.force_login(personas.sam)
    listed = {m.pk for m in client.get(reverse("branches:meeting_list")).context["page_obj"].object_list}
    assert listed == {first.pk}
    client.force_login(personas.chief)
    listed = {m.pk for m in client.get(reverse("branches:meeting_list")).context["page_obj"].object_list}
    assert listed == {first.pk, second.pk}


def test_a_revoked_role_applies_on_the_next_request(client, personas):
    client.force_login(personas.sam)
    assert "李建国" in _listed_names(client)
    personas.sam.role_assignments.all().delete()
    assert _listed_names(client) == {"孙明"}


def test_anonymous_requests_are_sent_to_the_login_page(client, personas):
    for url in [reverse("home"), reverse("members:list"), reverse("branches:meeting_list")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
