"""Organisational relation transfers (组织关系转接, DOMAIN.md §3): letters out, in and within the organ, receipts,
the pending / expiring / overdue lists, and the counts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from members.dues import dues_payment_record
from members.lifecycle import (
    transfer_cancel,
    transfer_in_receive,
    transfer_in_register,
    transfer_out_issue,
    transfer_receipt_record,
)
from members.lifecycle_selectors import TransferView, transfer_list
from members.models import Education, Gender, Membership, MembershipStage, Person, TransferStatus
from members.selectors import person_list, structure_statistics
from members.tests.pdfs import pdf_text

D = datetime.date


@pytest.fixture
def leaver(member, today):
    membership = member(stage=MembershipStage.FULL, name="调出者", admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1),
                        id_number="110101198501011234", birth_date=D(1985, 1, 1))  # fmt: skip
    membership.dues_base_fen = 500_000
    membership.save()
    return membership


def test_a_transfer_out_removes_the_member_from_next_months_statistics_and_keeps_the_history(
    today, leaver, org, personas
):
    before = structure_statistics(organization_ids={org.branch_1.pk}, on_date=today)

    transfer = transfer_out_issue(
        membership=leaver, transferred_on=D(2026, 6, 10), valid_until=D(2026, 7, 10),
        to_name="中共某市财政局机关委员会", letter_number="转字001", by=personas.sam,
    )  # fmt: skip

    next_month = structure_statistics(organization_ids={org.branch_1.pk}, on_date=D(2026, 7, 1))
    on_the_eve = structure_statistics(organization_ids={org.branch_1.pk}, on_date=D(2026, 6, 9))
    assert next_month.total == before.total - 1
    assert on_the_eve.total == before.total
    leaver.refresh_from_db()
    assert leaver.left_on == D(2026, 6, 10) and leaver.stage == MembershipStage.FULL
    # The history stays: the person is still on the secretary's roster and in the transferred-out list.
    assert person_list(user=personas.sam).filter(pk=leaver.person_id).exists()
    out = transfer_list(user=personas.sam, on=today, view=TransferView.TRANSFERRED_OUT)
    assert list(out) == [transfer]


def test_the_introduction_letter_holds_the_section_3_data_and_the_month_dues_are_paid_up_to(today, leaver, personas):
    for month in (4, 5):
        dues_payment_record(membership=leaver, month=D(2026, month, 1), paid_on=D(2026, month, 5), by=personas.sam)

    transfer = transfer_out_issue(membership=leaver, transferred_on=D(2026, 6, 10), valid_until=D(2026, 7, 10),
                                  to_name="中共某县委组织部", by=personas.sam)  # fmt: skip

    assert (transfer.name, transfer.gender, transfer.age, transfer.ethnicity) == ("调出者", Gender.MALE, 41, "汉族")
    assert transfer.party_status == MembershipStage.FULL
    assert transfer.id_number == "110101198501011234"
    assert transfer.from_name == "机关工委第一党总支第一党支部"
    assert transfer.dues_paid_until == D(2026, 5, 1)


def test_a_move_within_the_organ_takes_effect_when_the_receiving_branch_receives_it(today, leaver, org, personas):
    transfer = transfer_out_issue(membership=leaver, transferred_on=D(2026, 6, 1), valid_until=D(2026, 7, 1),
                                  to_branch=org.branch_2, by=personas.sam)  # fmt: skip
    leaver.refresh_from_db()
    assert leaver.branch == org.branch_1 and leaver.left_on is None

    transfer_receipt_record(transfer=transfer, receipt_on=D(2026, 6, 12), by=personas.chief)

    leaver.refresh_from_db()
    assert leaver.branch == org.branch_2 and leaver.left_on is None
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.COMPLETED and transfer.receipt_on == D(2026, 6, 12)


def test_a_member_transferring_in_joins_the_branch_on_reporting(today, org, personas):
    transfer = transfer_in_register(
        to_branch=org.branch_1, from_name="中共某县教育局机关支部", transferred_on=D(2026, 6, 1),
        valid_until=D(2026, 7, 1), name="新来者", gender=Gender.FEMALE, age=30, ethnicity="回族",
        party_status=MembershipStage.FULL, id_number="110101199601020027", by=personas.sam,
    )  # fmt: skip
    assert transfer.person is None and transfer.status == TransferStatus.PENDING

    with pytest.raises(ValidationError) as no_full_date:
        transfer_in_receive(transfer=transfer, arrived_on=D(2026, 6, 8), unit=org.office, birth_date=D(1996, 1, 2),
                            education=Education.UNDERGRADUATE, admitted_on=D(2018, 6, 1), by=personas.sam)  # fmt: skip
    assert "full_on" in no_full_date.value.message_dict
    transfer_in_receive(transfer=transfer, arrived_on=D(2026, 6, 8), unit=org.office, birth_date=D(1996, 1, 2),
                        education=Education.UNDERGRADUATE, admitted_on=D(2018, 6, 1), full_on=D(2019, 6, 1),
                        by=personas.sam)  # fmt: skip

    person = Person.objects.get(name="新来者")
    assert person.membership.branch == org.branch_1 and person.ethnicity == "回族"
    transfer.refresh_from_db()
    assert transfer.person == person and transfer.receipt_on == D(2026, 6, 8)


def test_pending_expiring_and_overdue_transfers_are_listed_apart(today, member, org, personas):
    def issue(name, valid_until):
        membership = member(stage=MembershipStage.FULL, name=name, admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1))
        return transfer_out_issue(membership=membership, transferred_on=D(2026, 5, 1), valid_until=valid_until,
                                  to_name="外单位", by=personas.sam)  # fmt: skip

    issue("逾期", D(2026, 6, 14))
    issue("将到期", D(2026, 6, 20))
    issue("办理中", D(2026, 8, 1))
    done = issue("已回执", D(2026, 6, 1))
    transfer_receipt_record(transfer=done, receipt_on=D(2026, 5, 20), by=personas.sam)

    def names(view):
        return {t.name for t in transfer_list(user=personas.sam, on=today, view=view)}

    assert names(TransferView.OVERDUE) == {"逾期"}
    assert names(TransferView.EXPIRING) == {"将到期"}
    assert names(TransferView.PENDING) == {"逾期", "将到期", "办理中"}
    assert names(TransferView.COMPLETED) == {"已回执"}


def test_a_cancelled_transfer_out_counts_the_member_again(today, leaver, org, personas):
    transfer = transfer_out_issue(membership=leaver, transferred_on=D(2026, 5, 1), valid_until=D(2026, 5, 31),
                                  to_name="外单位", by=personas.sam)  # fmt: skip

    transfer_cancel(transfer=transfer, cancelled_on=D(2026, 6, 5), reason="介绍信过期未使用", by=personas.sam)

    assert Membership.objects.get(pk=leaver.pk).left_on is None
    assert structure_statistics(organization_ids={org.branch_1.pk}, on_date=today).total >= 1


def test_one_transfer_at_a_time_and_only_for_party_members(today, leaver, member, personas):
    transfer_out_issue(membership=leaver, transferred_on=D(2026, 6, 1), valid_until=D(2026, 7, 1), to_name="外单位",
                       by=personas.sam)  # fmt: skip
    activist = member(stage=MembershipStage.ACTIVIST, activist_on=D(2025, 1, 1))

    with pytest.raises(ValidationError):
        transfer_out_issue(membership=leaver, transferred_on=D(2026, 6, 2), valid_until=D(2026, 7, 1),
                           to_name="外单位", by=personas.sam)  # fmt: skip
    with pytest.raises(ValidationError, match="只有党员"):
        transfer_out_issue(membership=activist, transferred_on=D(2026, 6, 2), valid_until=D(2026, 7, 1),
                           to_name="外单位", by=personas.sam)  # fmt: skip


def test_the_letter_prints_as_a_pdf(client, today, leaver, personas, tmp_path):
    transfer = transfer_out_issue(membership=leaver, transferred_on=D(2026, 6, 1), valid_until=D(2026, 7, 1),
                                  to_name="中共某县委组织部", by=personas.sam)  # fmt: skip
    client.force_login(personas.sam)

    response = client.get(reverse("members:transfer_letter_pdf", args=[transfer.pk]))

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "组织关系介绍信" in text and "调出者" in text and "中共某县委组织部" in text
