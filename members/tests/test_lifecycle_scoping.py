"""Party records are kept by the branch secretary and the organisation officer only (DOMAIN.md §0, §1): hardship
details, ID numbers and transfers are invisible to everyone else, out-of-scope records answer 404, and viewing
hardship data is audited."""

import datetime

import pytest
from django.urls import reverse

from core.models import AuditEvent
from members.lifecycle import hardship_help_record, hardship_open, transfer_out_issue
from members.models import MembershipStage

D = datetime.date
NOT_KEEPERS = ["alice", "bob", "lin"]  # staff, unit head, leader
KEEPERS = ["sam", "olga", "chief"]  # secretary of branch 1, officer of its general branch, top officer

LIST_PAGES = [
    "members:development", "members:probation", "members:thought_reports", "members:standing", "members:transfers",
    "members:transfer_in_create", "members:dues", "members:dues_pay", "members:dues_arrears", "members:dues_year",
    "members:application_create",
]  # fmt: skip


@pytest.fixture
def records(today, personas, org):
    """A hardship case and a transfer in each branch."""
    alice, wang = personas.people.alice.membership, personas.people.wang.membership
    cases = {
        "mine": hardship_open(membership=alice, category="illness", situation="母亲重病住院，负担较重",
                              since=D(2026, 5, 1), by=personas.sam),
        "other": hardship_open(membership=wang, category="living", situation="家中房屋受灾",
                               since=D(2026, 5, 1), by=personas.chief),
    }  # fmt: skip
    hardship_help_record(case=cases["mine"], given_on=D(2026, 5, 20), kind="money", amount_fen=50_000,
                         description="送去慰问金", given_by="机关工委", by=personas.sam)  # fmt: skip
    bob = personas.people.bob.membership
    transfers = {
        "mine": transfer_out_issue(membership=bob, transferred_on=D(2026, 6, 1), valid_until=D(2026, 7, 1),
                                   to_name="外单位", by=personas.sam),
        "other": transfer_out_issue(membership=wang, transferred_on=D(2026, 6, 1), valid_until=D(2026, 7, 1),
                                    to_name="外单位", by=personas.chief),
    }  # fmt: skip
    return cases, transfers


@pytest.mark.parametrize("username", NOT_KEEPERS)
@pytest.mark.parametrize("name", LIST_PAGES)
def test_party_record_pages_are_forbidden_to_staff_unit_heads_and_leaders(client, personas, username, name):
    client.force_login(getattr(personas, username))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("username", NOT_KEEPERS)
def test_hardship_details_transfers_and_id_numbers_are_invisible_to_other_roles(client, personas, records, username):
    cases, transfers = records
    client.force_login(getattr(personas, username))
    alice = personas.people.alice
    for url in [
        reverse("members:ledger", args=["hardship"]),
        reverse("members:hardship_detail", args=[cases["mine"].pk]),
        reverse("members:transfer_detail", args=[transfers["mine"].pk]),
        reverse("members:transfer_letter_pdf", args=[transfers["mine"].pk]),
        reverse("members:party", args=[alice.pk]),
        reverse("members:development_record_pdf", args=[alice.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "母亲重病" not in response.content.decode(errors="ignore")
    assert not AuditEvent.objects.filter(action="hardship.view").exists()


@pytest.mark.parametrize("username", ["sam", "olga"])
def test_another_branchs_hardship_case_transfer_and_member_answer_404(client, personas, records, username):
    cases, transfers = records
    client.force_login(getattr(personas, username))
    wang = personas.people.wang
    assert client.get(reverse("members:hardship_detail", args=[cases["other"].pk])).status_code == 404
    assert client.post(reverse("members:hardship_help", args=[cases["other"].pk]), {}).status_code == 404
    assert client.get(reverse("members:transfer_detail", args=[transfers["other"].pk])).status_code == 404
    assert client.post(reverse("members:transfer_cancel", args=[transfers["other"].pk]), {}).status_code == 404
    assert client.get(reverse("members:party", args=[wang.pk])).status_code == 404
    assert client.post(reverse("members:development_step", args=[wang.pk]), {}).status_code == 404
    ledger = client.get(reverse("members:ledger", args=["hardship"])).content.decode()
    assert "张小丽" in ledger and "王芳" not in ledger
    listed = client.get(reverse("members:transfers")).content.decode()
    assert "李建国" in listed and "王芳" not in listed


@pytest.mark.parametrize("username", KEEPERS)
def test_viewing_hardship_details_is_audited(client, personas, records, username):
    cases, _ = records
    user = getattr(personas, username)
    client.force_login(user)

    detail = client.get(reverse("members:hardship_detail", args=[cases["mine"].pk]))
    client.get(reverse("members:ledger", args=["hardship"]), {"export": "xlsx"})

    assert detail.status_code == 200 and "母亲重病住院" in detail.content.decode()
    views = AuditEvent.objects.filter(action="hardship.view", actor=user)
    assert {e.data["what"] for e in views} == {"详情", "台账导出"}
    assert all(cases["mine"].pk in e.data["cases"] for e in views)


def test_the_hardship_audit_summary_holds_no_details(personas, records):
    assert not AuditEvent.objects.filter(summary__contains="重病").exists()


def test_the_secretary_sees_the_id_number_in_clear_on_the_party_page_and_the_record(client, personas, records):
    client.force_login(personas.sam)
    page = client.get(reverse("members:party", args=[personas.people.alice.pk])).content.decode()
    assert "110101199001011237" in page


def test_lists_hold_no_rows_from_outside_the_scope(client, today, member, org, personas):
    member(stage=MembershipStage.PROBATIONARY, name="外支部预备党员", branch=org.branch_2, admitted_on=D(2025, 6, 20))
    member(stage=MembershipStage.PROBATIONARY, name="本支部预备党员", admitted_on=D(2025, 6, 20))
    client.force_login(personas.sam)

    due = client.get(reverse("members:development")).content.decode()
    probation = client.get(reverse("members:probation")).content.decode()

    assert "本支部预备党员" in due and "外支部预备党员" not in due
    assert "本支部预备党员" in probation and "外支部预备党员" not in probation
    client.force_login(personas.chief)
    assert "外支部预备党员" in client.get(reverse("members:development")).content.decode()


def test_hardship_records_are_not_in_the_admin(admin_client):
    from django.contrib import admin

    from members.models import HardshipCase, HardshipHelp

    assert not admin.site.is_registered(HardshipCase)
    assert not admin.site.is_registered(HardshipHelp)
