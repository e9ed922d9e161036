"""Party dues (党费, DOMAIN.md §3): the rate table, the monthly ledger per member, payments, arrears, the month
paid up to (carried into introduction letters) and the yearly sheet per branch.

Amounts are integers in fen. A percentage of a base is rounded half up to the fen; the rate table is DuesRate
(defaults from a data migration, editable in admin), each band including its upper bound.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import PartyOrganization
from core.audit import audit_record
from core.models import User

from .models import (
    PARTY_MEMBER_STAGES,
    DuesCategoryChoice,
    DuesMonth,
    DuesPayment,
    DuesRate,
    DuesRateCategory,
    Membership,
    ServiceStatus,
    Standing,
)
from .periods import add_months, fen_to_yuan, month_end, month_start

MAX_MONTHS_PER_PAYMENT = 12


class DuesRateMissing(Exception):
    """The rate table has no band for a base: the table in admin is incomplete."""


# ---- amounts --------------------------------------------------------------------------------------------


def yuan_to_fen(value: str | Decimal) -> int:
    """ "3000.01" → 300001. More than two decimals, or not a number, is an error, never silently rounded."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(_("请输入金额（元），如 3000.00。")) from None
    fen = amount * 100
    if fen != fen.to_integral_value() or amount < 0:
        raise ValueError(_("金额须为不小于零的数，最多两位小数。"))
    return int(fen)


def percent_of_fen(base_fen: int, rate: Decimal) -> int:
    """A rate applied to a base, rounded half up to the fen: 300001 fen × 1% = 3000.01 → 3000 fen."""
    return int((Decimal(base_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dues_rate_table() -> dict[str, list[DuesRate]]:
    """The bands of each category, the lowest upper bound first and the open band last."""
    table: dict[str, list[DuesRate]] = defaultdict(list)
    for rate in DuesRate.objects.all():
        table[rate.category].append(rate)
    for bands in table.values():
        bands.sort(key=lambda r: (r.up_to_fen is None, r.up_to_fen or 0))
    return table


def rate_band(category: str, base_fen: int | None, table: dict[str, list[DuesRate]]) -> DuesRate:
    for band in table.get(category, []):
        if band.up_to_fen is None or (base_fen is not None and base_fen <= band.up_to_fen):
            return band
    raise DuesRateMissing(category)


@dataclass(frozen=True)
class Assessment:
    category: str
    base_fen: int | None
    rate: Decimal | None
    due_fen: int

    @property
    def rate_label(self) -> str:
        return rate_label(self.rate, self.due_fen if self.rate is None else None)


def rate_label(rate: Decimal | None, fixed_fen: int | None = None) -> str:
    if rate is not None:
        return f"{(rate * 100).normalize():f}%"
    return _("%(amount)s 元/月") % {"amount": fen_to_yuan(fixed_fen)}


def dues_assess(*, category: str, base_fen: int | None, table: dict[str, list[DuesRate]] | None = None) -> Assessment:
    """What a member of the category with the monthly base owes (§3)."""
    table = dues_rate_table() if table is None else table
    band = rate_band(category, base_fen, table)
    if band.fixed_fen is not None:
        return Assessment(category, base_fen, None, band.fixed_fen)
    if base_fen is None:
        raise ValueError("a percentage band needs a base")
    if band.rate is None:  # a database constraint makes a band have a rate or a fixed amount
        raise DuesRateMissing(category)
    return Assessment(category, base_fen, band.rate, percent_of_fen(base_fen, band.rate))


def dues_category_for(membership: Membership) -> str:
    if membership.dues_category == DuesCategoryChoice.FLAT:
        return DuesRateCategory.FLAT
    if membership.person.service_status == ServiceStatus.RETIRED:
        return DuesRateCategory.RETIRED
    return DuesRateCategory.IN_SERVICE


def can_assess(membership: Membership) -> bool:
    return membership.dues_category == DuesCategoryChoice.FLAT or membership.dues_base_fen is not None


# ---- who pays for a month -------------------------------------------------------------------------------


def dues_payers(*, organization_ids, month: datetime.date) -> QuerySet[Membership]:
    """Party members of the branches for the month: admitted by its end, not transferred out before it began,
    and not suspended (停止党籍)."""
    start = month_start(month)
    return (
        Membership.objects.filter(
            branch_id__in=organization_ids, stage__in=PARTY_MEMBER_STAGES, admitted_on__lte=month_end(start)
        )
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=start))
        .exclude(standing=Standing.SUSPENDED)
        .select_related("person", "branch")
        .order_by("person__name", "id")
    )


# ---- writes ---------------------------------------------------------------------------------------------


def _month_row(
    membership: Membership, month: datetime.date, table: dict[str, list[DuesRate]]
) -> tuple[DuesMonth, bool]:
    existing = DuesMonth.objects.filter(membership=membership, month=month).first()
    if existing is not None:
        return existing, False
    assessment = dues_assess(category=dues_category_for(membership), base_fen=membership.dues_base_fen, table=table)
    row = DuesMonth.objects.create(
        membership=membership,
        branch_id=membership.branch_id,
        month=month,
        category=assessment.category,
        base_fen=assessment.base_fen,
        rate=assessment.rate,
        due_fen=assessment.due_fen,
    )
    return row, True


@dataclass
class AssessResult:
    created: int = 0
    missing_base: list[Membership] = field(default_factory=list)


@transaction.atomic
def dues_month_assess(*, branch: PartyOrganization, month: datetime.date, by: User | None) -> AssessResult:
    """Open the month's ledger (核定党费): one row per paying member, from their current base and category.
    Rows already there are left as they are; members with no base yet are reported."""
    month = month_start(month)
    table = dues_rate_table()
    result = AssessResult()
    for membership in dues_payers(organization_ids=PartyOrganization.objects.subtree_ids([branch.pk]), month=month):
        if not can_assess(membership):
            result.missing_base.append(membership)
            continue
        _, created = _month_row(membership, month, table)
        result.created += created
    if result.created:
        audit_record(
            actor=by,
            action="dues.assess",
            obj=branch,
            summary=f"{branch.name} {month:%Y年%m月}党费核定 {result.created} 人",
            data={"month": month.isoformat(), "created": result.created},
        )
    return result


@transaction.atomic
def dues_payment_record(
    *,
    membership: Membership,
    month: datetime.date,
    paid_on: datetime.date,
    months: int = 1,
    amount_fen: int | None = None,
    note: str = "",
    by: User | None,
) -> list[DuesPayment]:
    """Record a payment for one month (any amount; more than due is a voluntary extra) or, with `months`,
    for several months from `month`, each paying what it still owes. Months not yet assessed are assessed."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("person").get(pk=membership.pk)
    month = month_start(month)
    errors: dict[str, list[str]] = {}
    if paid_on > timezone.localdate():
        errors.setdefault("paid_on", []).append(_("缴纳日期不能晚于今天。"))
    if not 1 <= months <= MAX_MONTHS_PER_PAYMENT:
        errors.setdefault("months", []).append(_("一次最多缴纳 %(n)s 个月。") % {"n": MAX_MONTHS_PER_PAYMENT})
    if amount_fen is not None and months != 1:
        errors.setdefault("amount", []).append(_("多个月一并缴纳时按各月应缴金额登记，请不要填写金额。"))
    if amount_fen is not None and amount_fen <= 0:
        errors.setdefault("amount", []).append(_("金额须大于零。"))
    if membership.stage not in PARTY_MEMBER_STAGES or membership.admitted_on is None:
        errors.setdefault("__all__", []).append(
            _("%(name)s 不是党员，无需缴纳党费。") % {"name": membership.person.name}
        )
    elif month < month_start(membership.admitted_on):
        errors.setdefault("month", []).append(_("月份不能早于入党的月份。"))
    if membership.left_on and add_months(month, months - 1) > month_start(membership.left_on):
        errors.setdefault("month", []).append(_("组织关系转出以后的月份不在本支部缴纳。"))
    if not can_assess(membership):
        errors.setdefault("__all__", []).append(
            _("%(name)s 尚未核定党费计算基数，请先核定。") % {"name": membership.person.name}
        )
    if errors:
        raise ValidationError(errors)
    table = dues_rate_table()
    payments = []
    for index in range(months):
        current = add_months(month, index)
        row, _created = _month_row(membership, current, table)
        amount = amount_fen if amount_fen is not None else row.outstanding_fen
        if amount <= 0:
            if months == 1:
                raise ValidationError({"month": _("%(month)s 的党费已缴清。") % {"month": f"{current:%Y年%m月}"}})
            continue
        payments.append(
            DuesPayment.objects.create(
                dues_month=row, amount_fen=amount, paid_on=paid_on, note=note.strip(), recorded_by=by
            )
        )
        DuesMonth.objects.filter(pk=row.pk).update(
            paid_fen=F("paid_fen") + amount,
            last_paid_on=paid_on if row.last_paid_on is None or paid_on > row.last_paid_on else row.last_paid_on,
        )
    if not payments:
        raise ValidationError({"month": _("所选月份的党费均已缴清。")})
    total = sum(p.amount_fen for p in payments)
    audit_record(
        actor=by,
        action="dues.payment",
        obj=membership,
        summary=f"{membership.person.name} 缴纳党费 {fen_to_yuan(total)} 元（{len(payments)} 个月）",
        data={
            "months": [p.dues_month.month.isoformat() for p in payments],
            "amount_fen": total,
            "paid_on": paid_on.isoformat(),
        },
    )
    return payments


@transaction.atomic
def dues_base_set(
    *, membership: Membership, category: str, base_fen: int | None, from_month: datetime.date, by: User | None
) -> Membership:
    """Set the member's base (monthly income after tax) and category (核定党费基数). Unpaid months from
    `from_month` on are assessed again; paid months keep what they were paid against."""
    if category != DuesCategoryChoice.FLAT and base_fen is None:
        raise ValidationError({"base": _("请填写党费计算基数（税后月收入）。")})
    old = {"category": membership.dues_category, "base_fen": membership.dues_base_fen}
    membership.dues_category = category
    membership.dues_base_fen = base_fen
    membership.save(update_fields=["dues_category", "dues_base_fen"])
    table = dues_rate_table()
    assessment = dues_assess(category=dues_category_for(membership), base_fen=base_fen, table=table)
    reassessed = DuesMonth.objects.filter(membership=membership, month__gte=month_start(from_month), paid_fen=0).update(
        category=assessment.category, base_fen=assessment.base_fen, rate=assessment.rate, due_fen=assessment.due_fen
    )
    audit_record(
        actor=by,
        action="dues.base",
        obj=membership,
        summary=f"{membership.person.name} 党费基数 {fen_to_yuan(base_fen) or '—'} 元",
        data={"old": old, "new": {"category": category, "base_fen": base_fen}, "reassessed": reassessed},
    )
    return membership


# ---- reads ----------------------------------------------------------------------------------------------


def dues_paid_up_to(membership: Membership) -> datetime.date | None:
    """The month paid up to (党费缴至): the last month of the unbroken run of fully paid months from the first
    assessed one. None when the first month is unpaid or nothing was assessed."""
    paid_up_to = None
    for month, due, paid in membership.dues_months.order_by("month").values_list("month", "due_fen", "paid_fen"):
        if paid < due:
            break
        paid_up_to = month
    return paid_up_to


@dataclass
class LedgerRow:
    membership: Membership
    row: DuesMonth | None

    @property
    def status(self) -> str:
        if self.row is None:
            return _("未核定") if can_assess(self.membership) else _("未核定基数")
        if self.row.paid_fen >= self.row.due_fen:
            return _("已缴清")
        return _("部分缴纳") if self.row.paid_fen else _("未缴")

    @property
    def css(self) -> str:
        if self.row is None:
            return "table-secondary"
        return "" if self.row.paid_fen >= self.row.due_fen else "table-warning"


def dues_month_ledger(*, user, branch_id: int, month: datetime.date) -> list[LedgerRow]:
    """The month's ledger of a branch (and its groups): every paying member, assessed or not."""
    month = month_start(month)
    organization_ids = PartyOrganization.objects.subtree_ids([branch_id]) & set(
        PartyOrganization.objects.visible_to(user).values_list("id", flat=True)
    )
    rows = {
        r.membership_id: r
        for r in DuesMonth.objects.visible_to(user).filter(branch_id__in=organization_ids, month=month)
    }
    payers = list(dues_payers(organization_ids=organization_ids, month=month))
    seen = {m.pk for m in payers}
    # Someone assessed here who has since moved away stays on the month they were assessed in.
    extra = Membership.objects.filter(pk__in=set(rows) - seen).select_related("person", "branch")
    return [LedgerRow(m, rows.get(m.pk)) for m in [*payers, *extra]]


@dataclass
class ArrearsRow:
    membership: Membership
    branch: PartyOrganization
    months: list[DuesMonth]

    @property
    def outstanding_fen(self) -> int:
        return sum(m.outstanding_fen for m in self.months)

    @property
    def month_labels(self) -> str:
        return "、".join(f"{m.month:%Y-%m}" for m in self.months)


def dues_arrears(*, user, on: datetime.date, branch_id: int | None = None) -> list[ArrearsRow]:
    """Members owing dues for months before the current one (欠缴), per branch (§3)."""
    months = (
        DuesMonth.objects.visible_to(user)
        .filter(month__lt=month_start(on), paid_fen__lt=F("due_fen"))
        .select_related("membership__person", "branch")
        .order_by("branch__sort_order", "branch_id", "membership__person__name", "membership_id", "month")
    )
    if branch_id:
        months = months.filter(branch_id__in=PartyOrganization.objects.subtree_ids([branch_id]))
    rows: dict[tuple[int, int], ArrearsRow] = {}
    for month in months:
        key = (month.branch_id, month.membership_id)
        if key not in rows:
            rows[key] = ArrearsRow(month.membership, month.branch, [])
        rows[key].months.append(month)
    return list(rows.values())


YEAR_SHEET_HEADERS = [
    "姓名", "类别", "计算基数（元）", "比例", "月应缴（元）",
    *[f"{m}月实缴（元）" for m in range(1, 13)],
    "全年应缴（元）", "全年实缴（元）", "欠缴（元）", "缴至",
]  # fmt: skip


def yuan(fen: int | None) -> Decimal | None:
    """Fen as a Decimal of yuan for spreadsheets: 1500 → Decimal("15.00")."""
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def dues_year_rows(*, user, branch_id: int, year: int) -> list[list]:
    """The yearly dues sheet of a branch (党费收缴明细表): one row per member who owed anything in the year."""
    months = (
        DuesMonth.objects.visible_to(user)
        .filter(branch_id__in=PartyOrganization.objects.subtree_ids([branch_id]), month__year=year)
        .select_related("membership__person")
        .order_by("membership__person__name", "membership_id", "month")
    )
    by_member: dict[int, list[DuesMonth]] = defaultdict(list)
    for month in months:
        by_member[month.membership_id].append(month)
    rows = []
    totals_due = totals_paid = totals_owed = 0
    paid_by_month_total = [0] * 12
    for member_months in by_member.values():
        membership = member_months[0].membership
        latest = member_months[-1]
        paid = [None] * 12
        for m in member_months:
            paid[m.month.month - 1] = yuan(m.paid_fen)
            paid_by_month_total[m.month.month - 1] += m.paid_fen
        due_total = sum(m.due_fen for m in member_months)
        paid_total = sum(m.paid_fen for m in member_months)
        owed = sum(m.outstanding_fen for m in member_months)
        totals_due += due_total
        totals_paid += paid_total
        totals_owed += owed
        paid_up_to = dues_paid_up_to(membership)
        rows.append(
            [
                membership.person.name,
                latest.get_category_display(),
                yuan(latest.base_fen),
                rate_label(latest.rate, latest.due_fen),
                yuan(latest.due_fen),
                *paid,
                yuan(due_total),
                yuan(paid_total),
                yuan(owed),
                f"{paid_up_to:%Y-%m}" if paid_up_to else "",
            ]
        )
    if rows:
        rows.append(
            [
                "合计",
                "",
                None,
                "",
                None,
                *[yuan(v) for v in paid_by_month_total],
                yuan(totals_due),
                yuan(totals_paid),
                yuan(totals_owed),
                "",
            ]
        )
    return rows
