"""Reads about the life of a party member (DOMAIN.md §3): who is due for the next development step and who is
blocked by which timing rule, probation, quarterly thought reports, transfers and the ledgers (台账).

Every list starts from a `visible_to(user)` queryset: the secretary's branch, the officer's subtree.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from branches.models import PartyOrganization

from .models import (
    PARTY_MEMBER_STAGES,
    DevelopmentStep,
    DevelopmentStepKind,
    HardshipCase,
    Membership,
    MembershipStage,
    ThoughtReport,
    TimingRule,
    Transfer,
    TransferStatus,
)
from .periods import add_months, next_quarter, quarter_end, quarter_of, quarter_start
from .selectors import years_before

# A step becomes "due" this many days before its earliest date (§3: conversions due within 30 days).
DUE_SOON_DAYS = settings.ZHIBU_DUE_SOON_DAYS
# The first thought report is owed for the first quarter ending at least this long after becoming an activist.
FIRST_REPORT_DAYS = settings.ZHIBU_FIRST_THOUGHT_REPORT_DAYS
# Pending transfers whose letter runs out within this many days are listed as expiring.
TRANSFER_EXPIRING_DAYS = settings.ZHIBU_TRANSFER_EXPIRING_DAYS
ELDERLY_AGE = settings.ZHIBU_ELDERLY_AGE

# The pipeline (§3): the step that follows each stage, the stage a step leads to, and where its date is kept.
NEXT_STEP = {
    MembershipStage.APPLICANT: DevelopmentStepKind.ACTIVIST,
    MembershipStage.ACTIVIST: DevelopmentStepKind.TARGET,
    MembershipStage.DEVELOPMENT_TARGET: DevelopmentStepKind.ADMIT,
    MembershipStage.PROBATIONARY: DevelopmentStepKind.CONVERT,
}
STAGE_AFTER = {
    DevelopmentStepKind.APPLY: MembershipStage.APPLICANT,
    DevelopmentStepKind.ACTIVIST: MembershipStage.ACTIVIST,
    DevelopmentStepKind.TARGET: MembershipStage.DEVELOPMENT_TARGET,
    DevelopmentStepKind.ADMIT: MembershipStage.PROBATIONARY,
    DevelopmentStepKind.CONVERT: MembershipStage.FULL,
}
STEP_DATE_FIELD = {
    DevelopmentStepKind.APPLY: "applied_on",
    DevelopmentStepKind.ACTIVIST: "activist_on",
    DevelopmentStepKind.TARGET: "target_on",
    DevelopmentStepKind.ADMIT: "admitted_on",
    DevelopmentStepKind.CONVERT: "full_on",
}
PIPELINE_ORDER = [
    DevelopmentStepKind.APPLY,
    DevelopmentStepKind.ACTIVIST,
    DevelopmentStepKind.TARGET,
    DevelopmentStepKind.ADMIT,
    DevelopmentStepKind.EXTEND,
    DevelopmentStepKind.CONVERT,
]


class DueStatus:
    OVERDUE = "overdue"
    READY = "ready"
    DUE_SOON = "due_soon"
    BLOCKED = "blocked"

    LABELS = {OVERDUE: "已逾期", READY: "可办理", DUE_SOON: "即将到期", BLOCKED: "未满时限"}
    CSS = {OVERDUE: "table-danger", READY: "table-success", DUE_SOON: "table-warning", BLOCKED: ""}


@dataclass(frozen=True)
class RuleCheck:
    rule: TimingRule
    previous_on: datetime.date | None
    earliest: datetime.date | None
    deadline: datetime.date | None

    def message_blocked(self) -> str:
        return _("不符合“%(rule)s”：%(previous)s为 %(on)s，最早可于 %(earliest)s %(step)s。") % {
            "rule": self.rule.name,
            "previous": DevelopmentStepKind(self.rule.previous_step).label,
            "on": f"{self.previous_on:%Y-%m-%d}",
            "earliest": f"{self.earliest:%Y-%m-%d}",
            "step": DevelopmentStepKind(self.rule.step).label,
        }

    def message_late(self) -> str:
        return _("已超过“%(rule)s”规定的期限（%(deadline)s），请填写逾期说明。") % {
            "rule": self.rule.name,
            "deadline": f"{self.deadline:%Y-%m-%d}",
        }


@dataclass
class NextStep:
    """Where a member stands against the timing rules of their next step, on a date."""

    membership: Membership
    step: str
    checks: list[RuleCheck]
    on: datetime.date
    earliest: datetime.date | None = None
    deadline: datetime.date | None = None
    status: str = DueStatus.READY
    missing_dates: list[str] = field(default_factory=list)

    @property
    def step_label(self) -> str:
        return str(DevelopmentStepKind(self.step).label)

    @property
    def status_label(self) -> str:
        return DueStatus.LABELS[self.status]

    @property
    def css(self) -> str:
        return DueStatus.CSS[self.status]

    @property
    def blocking(self) -> list[RuleCheck]:
        return [c for c in self.checks if c.earliest and c.earliest > self.on]

    @property
    def overdue(self) -> list[RuleCheck]:
        return [c for c in self.checks if c.deadline and c.deadline < self.on]

    @property
    def reason(self) -> str:
        """Why the member is blocked or overdue, naming the rules."""
        if self.blocking:
            return "；".join(c.message_blocked() for c in self.blocking)
        if self.overdue:
            return "；".join(
                _("超过“%(rule)s”的期限 %(deadline)s") % {"rule": c.rule.name, "deadline": f"{c.deadline:%Y-%m-%d}"}
                for c in self.overdue
            )
        if self.missing_dates:
            return _("缺少%(dates)s，时限无法核对") % {"dates": "、".join(self.missing_dates)}
        return ""

    @property
    def days_to_earliest(self) -> int | None:
        return (self.earliest - self.on).days if self.earliest else None

    @property
    def days_to_deadline(self) -> int | None:
        return (self.deadline - self.on).days if self.deadline else None


def active_timing_rules() -> dict[str, list[TimingRule]]:
    rules: dict[str, list[TimingRule]] = defaultdict(list)
    for rule in TimingRule.objects.filter(is_active=True).order_by("id"):
        rules[rule.step].append(rule)
    return rules


def extension_months(membership: Membership) -> int:
    """Months of extended probation (延长预备期), at most one extension (a database constraint)."""
    cached = getattr(membership, "_extension_months", None)
    if cached is not None:
        return cached
    steps = membership.development_steps.filter(step=DevelopmentStepKind.EXTEND)
    return sum(s.extension_months or 0 for s in steps)


def step_date(membership: Membership, step: str) -> datetime.date | None:
    return getattr(membership, STEP_DATE_FIELD[step]) if step in STEP_DATE_FIELD else None


def rule_checks(
    membership: Membership, step: str, rules: dict[str, list[TimingRule]] | None = None
) -> tuple[list[RuleCheck], list[str]]:
    """The timing rules of `step` applied to the member's dates; also the previous dates that are missing."""
    rules = active_timing_rules() if rules is None else rules
    checks, missing = [], []
    for rule in rules.get(step, []):
        previous_on = step_date(membership, rule.previous_step)
        if previous_on is None:
            missing.append(str(DevelopmentStepKind(rule.previous_step).label) + _("日期"))
            continue
        shift = 0
        if step == DevelopmentStepKind.CONVERT and rule.previous_step == DevelopmentStepKind.ADMIT:
            shift = extension_months(membership)
        earliest = add_months(previous_on, rule.min_months + shift) if rule.min_months + shift else previous_on
        deadline = add_months(previous_on, rule.max_months + shift) if rule.max_months is not None else None
        checks.append(RuleCheck(rule, previous_on, earliest, deadline))
    return checks, missing


def next_step_for(
    membership: Membership, *, on: datetime.date, rules: dict[str, list[TimingRule]] | None = None
) -> NextStep | None:
    step = NEXT_STEP.get(membership.stage)
    if step is None:
        return None
    checks, missing = rule_checks(membership, step, rules)
    result = NextStep(membership=membership, step=step, checks=checks, on=on, missing_dates=missing)
    earliests = [c.earliest for c in checks if c.earliest]
    deadlines = [c.deadline for c in checks if c.deadline]
    result.earliest = max(earliests) if earliests else None
    result.deadline = min(deadlines) if deadlines else None
    if result.deadline and result.deadline < on:
        result.status = DueStatus.OVERDUE
    elif result.earliest is None or result.earliest <= on:
        result.status = DueStatus.READY
    elif result.earliest <= on + datetime.timedelta(days=DUE_SOON_DAYS):
        result.status = DueStatus.DUE_SOON
    else:
        result.status = DueStatus.BLOCKED
    return result


def pipeline_memberships(*, user, branch_id: int | None = None, stage: str = "") -> QuerySet[Membership]:
    """Members in the pipeline (not yet full members) who have not transferred out."""
    memberships = (
        Membership.objects.visible_to(user)
        .filter(stage__in=list(NEXT_STEP), left_on__isnull=True)
        .select_related("person", "person__unit", "branch")
        .annotate(_extension_months=Sum("development_steps__extension_months", default=0))
        .order_by("branch__sort_order", "branch_id", "person__name", "id")
    )
    if branch_id:
        memberships = memberships.filter(branch_id__in=PartyOrganization.objects.subtree_ids([branch_id]))
    if stage:
        memberships = memberships.filter(stage=stage)
    return memberships


def development_pipeline(*, user, on: datetime.date, branch_id: int | None = None, stage: str = "") -> list[NextStep]:
    rules = active_timing_rules()
    results = []
    for membership in pipeline_memberships(user=user, branch_id=branch_id, stage=stage):
        item = next_step_for(membership, on=on, rules=rules)
        if item is not None:
            results.append(item)
    return results


def _sort_key(item: NextStep) -> tuple:
    return (item.deadline or item.earliest or item.on, item.membership.person.name)


def development_due_list(*, user, on: datetime.date, branch_id: int | None = None, stage: str = "") -> list[NextStep]:
    """Who may take the next step now or within DUE_SOON_DAYS, overdue first (§3)."""
    items = development_pipeline(user=user, on=on, branch_id=branch_id, stage=stage)
    order = {DueStatus.OVERDUE: 0, DueStatus.READY: 1, DueStatus.DUE_SOON: 2}
    due = [i for i in items if i.status in order]
    return sorted(due, key=lambda i: (order[i.status], *_sort_key(i)))


def development_blocked_list(
    *, user, on: datetime.date, branch_id: int | None = None, stage: str = ""
) -> list[NextStep]:
    """Who may not take the next step yet, with the rule and the date they become eligible (§3)."""
    items = development_pipeline(user=user, on=on, branch_id=branch_id, stage=stage)
    blocked = [i for i in items if i.blocking]
    return sorted(blocked, key=lambda i: (i.earliest, i.membership.person.name))


def probation_list(*, user, on: datetime.date, branch_id: int | None = None, window: str = "") -> list[NextStep]:
    """Probationary members with their conversion date: `due` within DUE_SOON_DAYS, `overdue`, or all."""
    items = development_pipeline(user=user, on=on, branch_id=branch_id, stage=MembershipStage.PROBATIONARY)
    if window == "due":
        items = [i for i in items if i.status in (DueStatus.DUE_SOON, DueStatus.READY)]
    elif window == "overdue":
        items = [i for i in items if i.status == DueStatus.OVERDUE]
    return sorted(items, key=_sort_key)


def development_steps_of(membership: Membership) -> list[DevelopmentStep]:
    return list(membership.development_steps.prefetch_related("responsible").order_by("taken_on", "id"))


@dataclass
class RecordRow:
    """One row of the development record (发展党员全程纪实表): a recorded step, or the date the membership
    holds for a step that was never recorded as such (members admitted before the system)."""

    step: str
    label: str
    taken_on: datetime.date | None
    record: DevelopmentStep | None

    @property
    def responsible_names(self) -> str:
        return "、".join(p.name for p in self.record.responsible.all()) if self.record else ""


def development_record(membership: Membership) -> list[RecordRow]:
    steps = {s.step: s for s in development_steps_of(membership)}
    rows = []
    for step in PIPELINE_ORDER:
        record = steps.get(step)
        taken_on = record.taken_on if record else step_date(membership, step)
        if step == DevelopmentStepKind.EXTEND and record is None:
            continue
        rows.append(RecordRow(step, str(DevelopmentStepKind(step).label), taken_on, record))
    return rows


# ---- thought reports (思想汇报) ------------------------------------------------------------------------


class ReportStatus:
    RECEIVED = "received"
    LATE = "late"
    MISSING = "missing"
    PENDING = "pending"

    LABELS = {RECEIVED: "已交", LATE: "逾期提交", MISSING: "缺交", PENDING: "本季度待交"}
    CSS = {RECEIVED: "table-success", LATE: "table-warning", MISSING: "table-danger", PENDING: ""}


@dataclass
class ReportObligation:
    membership: Membership
    year: int
    quarter: int
    report: ThoughtReport | None
    on: datetime.date

    @property
    def quarter_end(self) -> datetime.date:
        return quarter_end(self.year, self.quarter)

    @property
    def status(self) -> str:
        if self.report is not None:
            return ReportStatus.RECEIVED if self.report.received_on <= self.quarter_end else ReportStatus.LATE
        return ReportStatus.MISSING if self.quarter_end < self.on else ReportStatus.PENDING

    @property
    def status_label(self) -> str:
        return ReportStatus.LABELS[self.status]

    @property
    def css(self) -> str:
        return ReportStatus.CSS[self.status]

    @property
    def label(self) -> str:
        return _("%(year)s年第%(quarter)s季度") % {"year": self.year, "quarter": self.quarter}


def report_quarters(membership: Membership, *, on: datetime.date) -> list[tuple[int, int]]:
    """The quarters an activist or development target owes a report for (§3): from the first quarter ending at
    least FIRST_REPORT_DAYS after becoming an activist, up to the one holding `on`; not the quarters ending on or
    after admission (then a probationary member) or transfer out."""
    if membership.activist_on is None:
        return []
    first = membership.activist_on + datetime.timedelta(days=FIRST_REPORT_DAYS)
    year, quarter = quarter_of(first)
    last_year, last_quarter = quarter_of(on)
    ends = [d for d in (membership.admitted_on, membership.left_on) if d]
    stop = min(ends) if ends else None
    quarters = []
    while (year, quarter) <= (last_year, last_quarter):
        if stop is not None and quarter_end(year, quarter) >= stop:
            break
        quarters.append((year, quarter))
        year, quarter = next_quarter(year, quarter)
    return quarters


def thought_report_obligations(membership: Membership, *, on: datetime.date) -> list[ReportObligation]:
    reports = {(r.year, r.quarter): r for r in membership.thought_reports.select_related("reviewer")}
    return [ReportObligation(membership, y, q, reports.get((y, q)), on) for y, q in report_quarters(membership, on=on)]


def thought_report_quarter(
    *, user, year: int, quarter: int, on: datetime.date, branch_id: int | None = None, status: str = ""
) -> list[ReportObligation]:
    """Everyone who owes a report for the quarter, with its status: received, late, missing or pending."""
    end = quarter_end(year, quarter)
    latest_activist_on = end - datetime.timedelta(days=FIRST_REPORT_DAYS)
    memberships = (
        Membership.objects.visible_to(user)
        .filter(activist_on__isnull=False, activist_on__lte=latest_activist_on)
        .filter(Q(admitted_on__isnull=True) | Q(admitted_on__gt=end))
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=end))
        .select_related("person", "branch")
        .prefetch_related(
            Prefetch(
                "thought_reports",
                queryset=ThoughtReport.objects.filter(year=year, quarter=quarter).select_related("reviewer"),
                to_attr="quarter_reports",
            )
        )
        .order_by("branch__sort_order", "branch_id", "person__name", "id")
    )
    if quarter_start(year, quarter) > on:
        return []
    if branch_id:
        memberships = memberships.filter(branch_id__in=PartyOrganization.objects.subtree_ids([branch_id]))
    rows = [
        ReportObligation(m, year, quarter, m.quarter_reports[0] if m.quarter_reports else None, on) for m in memberships
    ]
    if status:
        rows = [r for r in rows if r.status == status]
    return rows


# ---- transfers (组织关系转接) ----------------------------------------------------------------------------


class TransferView:
    PENDING = "pending"
    EXPIRING = "expiring"
    OVERDUE = "overdue"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    TRANSFERRED_OUT = "transferred_out"

    LABELS = {
        PENDING: "办理中",
        EXPIRING: "即将到期",
        OVERDUE: "逾期未完成",
        COMPLETED: "已完成",
        CANCELLED: "已撤销",
        TRANSFERRED_OUT: "已转出机关的党员",
    }


def transfer_state(transfer: Transfer, on: datetime.date) -> str:
    if transfer.status != TransferStatus.PENDING:
        return transfer.status
    if transfer.valid_until < on:
        return TransferView.OVERDUE
    if transfer.valid_until <= on + datetime.timedelta(days=TRANSFER_EXPIRING_DAYS):
        return TransferView.EXPIRING
    return TransferView.PENDING


def transfer_list(
    *, user, on: datetime.date, view: str = "", direction: str = "", branch_id: int | None = None, query: str = ""
) -> QuerySet[Transfer]:
    transfers = Transfer.objects.visible_to(user).select_related("person", "from_branch", "to_branch")
    if branch_id:
        ids = PartyOrganization.objects.subtree_ids([branch_id])
        transfers = transfers.filter(Q(from_branch_id__in=ids) | Q(to_branch_id__in=ids))
    if direction == "out":
        transfers = transfers.filter(to_branch__isnull=True)
    elif direction == "in":
        transfers = transfers.filter(from_branch__isnull=True)
    elif direction == "internal":
        transfers = transfers.filter(from_branch__isnull=False, to_branch__isnull=False)
    pending = Q(status=TransferStatus.PENDING)
    expiring_by = on + datetime.timedelta(days=TRANSFER_EXPIRING_DAYS)
    if view == TransferView.PENDING:
        transfers = transfers.filter(pending)
    elif view == TransferView.EXPIRING:
        transfers = transfers.filter(pending, valid_until__gte=on, valid_until__lte=expiring_by)
    elif view == TransferView.OVERDUE:
        transfers = transfers.filter(pending, valid_until__lt=on)
    elif view in (TransferView.COMPLETED, TransferView.CANCELLED):
        transfers = transfers.filter(status=view)
    elif view == TransferView.TRANSFERRED_OUT:
        transfers = transfers.filter(to_branch__isnull=True).exclude(status=TransferStatus.CANCELLED)
    if query.strip():
        transfers = transfers.filter(name__contains=query.strip())
    return transfers.order_by("-transferred_on", "-id")


def transfer_counts(*, user, on: datetime.date) -> dict[str, int]:
    pending = Transfer.objects.visible_to(user).filter(status=TransferStatus.PENDING)
    expiring_by = on + datetime.timedelta(days=TRANSFER_EXPIRING_DAYS)
    return pending.aggregate(
        pending=Count("id"),
        expiring=Count("id", filter=Q(valid_until__gte=on, valid_until__lte=expiring_by)),
        overdue=Count("id", filter=Q(valid_until__lt=on)),
    )


# ---- ledgers (台账) ----------------------------------------------------------------------------------


def _current_members(user, branch_id: int | None) -> QuerySet[Membership]:
    memberships = (
        Membership.objects.visible_to(user)
        .filter(left_on__isnull=True)
        .select_related("person", "person__unit", "branch", "group")
    )
    if branch_id:
        memberships = memberships.filter(branch_id__in=PartyOrganization.objects.subtree_ids([branch_id]))
    return memberships.order_by("branch__sort_order", "branch_id", "person__name", "id")


def floating_ledger(*, user, branch_id: int | None = None) -> QuerySet[Membership]:
    """流动党员: members working or living away, with where they went and since when."""
    return _current_members(user, branch_id).filter(is_floating=True, stage__in=PARTY_MEMBER_STAGES)


def elderly_ledger(
    *, user, on: datetime.date, min_age: int = ELDERLY_AGE, branch_id: int | None = None
) -> QuerySet[Membership]:
    """老党员: party members aged `min_age` (70 by default) or more on the date."""
    return _current_members(user, branch_id).filter(
        stage__in=PARTY_MEMBER_STAGES, person__birth_date__lte=years_before(on, min_age)
    )


def activist_ledger(*, user, branch_id: int | None = None, stage: str = "") -> QuerySet[Membership]:
    """入党积极分子 (and development targets, who remain on the ledger until admitted)."""
    stages = [stage] if stage else [MembershipStage.ACTIVIST, MembershipStage.DEVELOPMENT_TARGET]
    return _current_members(user, branch_id).filter(stage__in=stages)


def new_member_ledger(*, user, year: int, branch_id: int | None = None) -> QuerySet[Membership]:
    """新发展党员: admitted as probationary members in the year."""
    return _current_members(user, branch_id).filter(stage__in=PARTY_MEMBER_STAGES, admitted_on__year=year)


def hardship_ledger(*, user, branch_id: int | None = None, include_closed: bool = False) -> QuerySet[HardshipCase]:
    """困难党员 with the help given: only the secretary and the officer reach it (§0)."""
    cases = (
        HardshipCase.objects.visible_to(user)
        .select_related("membership__person", "membership__branch")
        .annotate(help_count=Count("helps"), help_total_fen=Sum("helps__amount_fen", default=0))
    )
    if branch_id:
        cases = cases.filter(membership__branch_id__in=PartyOrganization.objects.subtree_ids([branch_id]))
    if not include_closed:
        cases = cases.filter(closed_on__isnull=True)
    return cases.order_by("membership__branch__sort_order", "membership__person__name", "-since", "-id")


def contact_people(memberships: Iterable[Membership]) -> dict[int, str]:
    """The contact persons (培养联系人) named at each member's activist step, by membership id."""
    steps = (
        DevelopmentStep.objects.filter(membership__in=list(memberships), step=DevelopmentStepKind.ACTIVIST)
        .prefetch_related("responsible")
        .only("id", "membership_id")
    )
    return {s.membership_id: "、".join(p.name for p in s.responsible.all()) for s in steps}
