"""Party dues (DOMAIN.md §3): the default rates with their bounds, exact fen, payments, arrears, the yearly sheet."""

import datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.models import AuditEvent
from members.dues import (
    dues_arrears,
    dues_assess,
    dues_base_set,
    dues_month_assess,
    dues_paid_up_to,
    dues_payment_record,
    yuan_to_fen,
)
from members.models import DuesCategoryChoice, DuesMonth, DuesPayment, DuesRate, MembershipStage, ServiceStatus

D = datetime.date


@pytest.mark.parametrize(
    ("category", "base_yuan", "rate", "due_fen"),
    [
        ("in_service", "3000", Decimal("0.005"), 1500),  # ≤ 3,000 includes 3,000: 0.5%
        ("in_service", "3000.01", Decimal("0.01"), 3000),  # 3,000.01 × 1% = 30.0001 → 30.00
        ("in_service", "5000", Decimal("0.01"), 5000),  # ≤ 5,000 includes 5,000: 1%
        ("in_service", "5000.01", Decimal("0.015"), 7500),
        ("in_service", "10000", Decimal("0.015"), 15000),  # ≤ 10,000 includes 10,000: 1.5%
        ("in_service", "10000.01", Decimal("0.02"), 20000),  # 10,000.01 × 2% = 200.0002 → 200.00
        ("retired", "5000", Decimal("0.005"), 2500),
        ("retired", "6000", Decimal("0.01"), 6000),  # retired above 5,000: 1%
        ("flat", None, None, 20),  # students, the unemployed, minimum allowance: 0.20 yuan
    ],
)
def test_dues_for_the_bases_of_section_3_use_its_rates_bounds_included_and_exact_fen(
    db, category, base_yuan, rate, due_fen
):
    base_fen = yuan_to_fen(base_yuan) if base_yuan else None

    assessment = dues_assess(category=category, base_fen=base_fen)

    assert assessment.rate == rate
    assert assessment.due_fen == due_fen
    assert isinstance(assessment.due_fen, int)


@pytest.mark.parametrize(
    ("base_yuan", "due_fen"),
    [("2999.00", 1500), ("2998.99", 1499), ("3000.50", 3001), ("4321.49", 4321)],
)
def test_amounts_are_rounded_half_up_to_the_fen(db, base_yuan, due_fen):
    # 2,999.00 × 0.5% = 14.995 → 15.00; 2,998.99 × 0.5% = 14.99495 → 14.99; 3,000.50 × 1% = 30.005 → 30.01
    assert dues_assess(category="in_service", base_fen=yuan_to_fen(base_yuan)).due_fen == due_fen


def test_yuan_are_read_exactly_and_more_than_two_decimals_are_refused():
    assert yuan_to_fen("3,000.01") == 300001
    assert yuan_to_fen("0.2") == 20
    for wrong in ("3000.001", "-1", "三千"):
        with pytest.raises(ValueError):
            yuan_to_fen(wrong)


def test_the_rate_table_is_configurable(db):
    DuesRate.objects.filter(category="in_service", up_to_fen=300_000).update(rate=Decimal("0.0040"))

    assert dues_assess(category="in_service", base_fen=300_000).due_fen == 1200


@pytest.fixture
def payer(member, today):
    membership = member(stage=MembershipStage.FULL, name="缴费人", admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1))
    membership.dues_base_fen = 600_000
    membership.save()
    return membership


def test_a_payment_fills_the_month_audits_and_moves_the_month_paid_up_to(today, payer, personas):
    dues_payment_record(membership=payer, month=D(2026, 4, 1), paid_on=D(2026, 4, 10), by=personas.sam)

    april = DuesMonth.objects.get(membership=payer, month=D(2026, 4, 1))
    assert (april.base_fen, april.rate, april.due_fen, april.paid_fen) == (600_000, Decimal("0.0150"), 9000, 9000)
    assert april.last_paid_on == D(2026, 4, 10)
    assert dues_paid_up_to(payer) == D(2026, 4, 1)
    assert AuditEvent.objects.get(action="dues.payment").data["amount_fen"] == 9000


def test_several_months_at_once_pay_what_each_still_owes(today, payer, personas):
    dues_payment_record(membership=payer, month=D(2026, 1, 1), paid_on=D(2026, 1, 5), amount_fen=4000,
                        by=personas.sam)  # fmt: skip
    dues_payment_record(membership=payer, month=D(2026, 1, 1), months=3, paid_on=D(2026, 3, 5), by=personas.sam)

    months = list(DuesMonth.objects.filter(membership=payer).order_by("month").values_list("paid_fen", flat=True))
    assert months == [9000, 9000, 9000]
    assert sorted(DuesPayment.objects.values_list("amount_fen", flat=True)) == [4000, 5000, 9000, 9000]
    assert dues_paid_up_to(payer) == D(2026, 3, 1)


def test_payments_in_the_future_or_for_a_paid_month_are_refused(today, payer, personas):
    with pytest.raises(ValidationError) as future:
        dues_payment_record(membership=payer, month=D(2026, 6, 1), paid_on=D(2026, 6, 16), by=personas.sam)
    assert "paid_on" in future.value.message_dict
    dues_payment_record(membership=payer, month=D(2026, 5, 1), paid_on=D(2026, 5, 6), by=personas.sam)
    with pytest.raises(ValidationError, match="已缴清"):
        dues_payment_record(membership=payer, month=D(2026, 5, 1), paid_on=D(2026, 5, 7), by=personas.sam)


def test_a_member_with_no_base_cannot_pay_until_it_is_set_and_unpaid_months_follow_the_new_base(
    today, member, personas
):
    membership = member(stage=MembershipStage.FULL, admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1))
    result = dues_month_assess(branch=membership.branch, month=D(2026, 6, 1), by=personas.sam)
    assert membership in result.missing_base
    with pytest.raises(ValidationError, match="尚未核定"):
        dues_payment_record(membership=membership, month=D(2026, 6, 1), paid_on=today, by=personas.sam)

    dues_base_set(membership=membership, category=DuesCategoryChoice.BY_STATUS, base_fen=450_000,
                  from_month=D(2026, 6, 1), by=personas.sam)  # fmt: skip
    dues_month_assess(branch=membership.branch, month=D(2026, 6, 1), by=personas.sam)
    dues_base_set(membership=membership, category=DuesCategoryChoice.FLAT, base_fen=None, from_month=D(2026, 6, 1),
                  by=personas.sam)  # fmt: skip

    june = DuesMonth.objects.get(membership=membership, month=D(2026, 6, 1))
    assert (june.category, june.due_fen) == ("flat", 20)


def test_retired_members_pay_the_retired_rates(today, member, personas):
    retired = member(stage=MembershipStage.FULL, admitted_on=D(1980, 7, 1), full_on=D(1981, 7, 1),
                     service_status=ServiceStatus.RETIRED)  # fmt: skip
    retired.dues_base_fen = 600_000
    retired.save()

    dues_month_assess(branch=retired.branch, month=D(2026, 6, 1), by=personas.sam)

    assert DuesMonth.objects.get(membership=retired).due_fen == 6000


def test_the_arrears_list_holds_unpaid_earlier_months_of_the_branch_only(today, payer, member, org, personas):
    other = member(stage=MembershipStage.FULL, branch=org.branch_2, admitted_on=D(2010, 7, 1), full_on=D(2011, 7, 1))
    other.dues_base_fen = 500_000
    other.save()
    for month in (D(2026, 3, 1), D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1)):
        dues_month_assess(branch=org.branch_1, month=month, by=personas.sam)
        dues_month_assess(branch=org.branch_2, month=month, by=personas.chief)
    dues_payment_record(membership=payer, month=D(2026, 3, 1), paid_on=D(2026, 3, 9), by=personas.sam)

    rows = {r.membership.person.name: r for r in dues_arrears(user=personas.sam, on=today)}

    assert set(rows) == {"缴费人"}
    assert [m.month for m in rows["缴费人"].months] == [D(2026, 4, 1), D(2026, 5, 1)]  # June is not over yet
    assert rows["缴费人"].outstanding_fen == 18000
    assert len(dues_arrears(user=personas.chief, on=today)) == 2


def test_the_yearly_dues_sheet_of_a_branch_exports_to_excel_with_totals(client, today, payer, personas):
    for month in (1, 2):
        dues_payment_record(membership=payer, month=D(2026, month, 1), paid_on=D(2026, month, 9), by=personas.sam)
    dues_month_assess(branch=payer.branch, month=D(2026, 3, 1), by=personas.sam)
    client.force_login(personas.sam)

    response = client.get(reverse("members:dues_year"), {"branch": payer.branch_id, "year": 2026, "export": "xlsx"})

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, row, total = rows[0], rows[1], rows[-1]
    assert header[0] == "姓名" and "1月实缴（元）" in header
    assert row[0] == "缴费人"
    assert row[header.index("1月实缴（元）")] == 90
    assert row[header.index("全年应缴（元）")] == 270
    assert row[header.index("欠缴（元）")] == 90
    assert row[header.index("缴至")] == "2026-02"
    assert total[0] == "合计" and total[header.index("全年实缴（元）")] == 180
