"""Reads for organisations and meetings: lists, the 三会一课 compliance view and silent branches (§4)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import PARTY_MEMBER_STAGES
from members.scopes import scope_for

from .models import ComplianceExemption, Meeting, MeetingFrequencyRule, MeetingKind, PartyOrganization


def meeting_list(
    *,
    user,
    organization_id: int | None = None,
    kind: str = "",
    year: int | None = None,
    late_only: bool = False,
    query: str = "",
) -> QuerySet[Meeting]:
    meetings = Meeting.objects.visible_to(user).select_related("organization", "host", "recorder")
    if organization_id:
        meetings = meetings.filter(organization_id__in=PartyOrganization.objects.subtree_ids([organization_id]))
    if kind:
        meetings = meetings.filter(kind=kind)
    if year:
        meetings = meetings.filter(held_on__year=year)
    if late_only:
        meetings = meetings.filter(is_late_entry=True)
    if query.strip():
        meetings = meetings.filter(topic__contains=query.strip())
    return meetings.annotate(
        present_count=Count("attendances", filter=Q(attendances__status="present")),
        absent_count=Count("attendances", filter=Q(attendances__status="absent")),
    ).order_by("-held_on", "-id")


def recent_late_entries(*, user) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user).filter(is_late_entry=True).select_related("organization")


def organization_list(*, user) -> list[PartyOrganization]:
    """The user's organisations in tree order, each with its depth, member count and last meeting date."""
    visible = PartyOrganization.objects.visible_to(user).annotate(
        # distinct: the two reverse joins would otherwise multiply each other's rows.
        member_count=Count(
            "memberships",
            filter=Q(memberships__stage__in=PARTY_MEMBER_STAGES, memberships__left_on__isnull=True),
            distinct=True,
        )
        + Count(
            "group_memberships",
            filter=Q(group_memberships__stage__in=PARTY_MEMBER_STAGES, group_memberships__left_on__isnull=True),
            distinct=True,
        ),
        last_meeting_on=Max("meetings__held_on"),
    )
    by_parent: dict[int | None, list[PartyOrganization]] = defaultdict(list)
    nodes = {org.pk: org for org in visible}
    for org in nodes.values():
        parent = org.parent_id if org.parent_id in nodes else None
        by_parent[parent].append(org)
    ordered: list[PartyOrganization] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for org in sorted(by_parent.get(parent_id, []), key=lambda o: (o.sort_order, o.pk)):
            org.depth = depth
            ordered.append(org)
            walk(org.pk, depth + 1)

    walk(None, 0)
    return ordered


# ---- Compliance (三会一课落实情况) -------------------------------------------------------------

PERIOD_MONTHS = {
    MeetingFrequencyRule.Period.MONTH: 1,
    MeetingFrequencyRule.Period.QUARTER: 3,
    MeetingFrequencyRule.Period.HALF_YEAR: 6,
    MeetingFrequencyRule.Period.YEAR: 12,
}


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime.date
    end: datetime.date
    months: int


def periods_of_year(year: int, period: str) -> list[Period]:
    months = PERIOD_MONTHS[period]
    result = []
    for first_month in range(1, 13, months):
        last_month = first_month + months - 1
        start = datetime.date(year, first_month, 1)
        end = (
            datetime.date(year + 1, 1, 1) if last_month == 12 else datetime.date(year, last_month + 1, 1)
        ) - datetime.timedelta(days=1)
        index = (first_month - 1) // months + 1
        result.append(Period(label=_period_label(months, index), start=start, end=end, months=months))
    return result


def _period_label(months: int, index: int) -> str:
    if months == 1:
        return _("%(n)d月") % {"n": index}
    if months == 3:
        return _("第%(n)s季度") % {"n": "一二三四"[index - 1]}
    if months == 6:
        return _("上半年") if index == 1 else _("下半年")
    return _("全年")


class CellStatus:
    OK = "ok"  # 达标
    SHORT = "short"  # 未达标 (period over)
    PENDING = "pending"  # 进行中 (period not over, not yet met)
    EXEMPT = "exempt"  # 豁免
    FUTURE = "future"  # 未开始


STATUS_LABELS = {
    CellStatus.OK: gettext_lazy("达标"),
    CellStatus.SHORT: gettext_lazy("未达标"),
    CellStatus.PENDING: gettext_lazy("进行中"),
    CellStatus.EXEMPT: gettext_lazy("豁免"),
    CellStatus.FUTURE: gettext_lazy("未开始"),
}


def cell_status(*, required: int, met: bool, period: Period, today: datetime.date, exempt: bool) -> str:
    """Red only when a period is over and the minimum was not met; exempt periods are never red."""
    if exempt:
        return CellStatus.EXEMPT
    if met:
        return CellStatus.OK
    if period.start > today:
        return CellStatus.FUTURE
    if period.end >= today:
        return CellStatus.PENDING
    return CellStatus.SHORT


@dataclass
class ComplianceCell:
    period: Period
    required: int
    held: int
    status: str
    note: str = ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class ComplianceRow:
    branch: PartyOrganization
    kind: str
    kind_label: str
    rule_label: str
    cells: list[ComplianceCell] = field(default_factory=list)


def effective_rules(organizations: list[PartyOrganization]) -> dict[int, dict[str, MeetingFrequencyRule]]:
    """Per organisation, the rule for each meeting kind: the nearest rule up the tree, else the default."""
    parents = dict(PartyOrganization.objects.values_list("id", "parent_id"))
    rules_by_org: dict[int | None, dict[str, MeetingFrequencyRule]] = defaultdict(dict)
    for rule in MeetingFrequencyRule.objects.all():
        rules_by_org[rule.organization_id][rule.kind] = rule
    result: dict[int, dict[str, MeetingFrequencyRule]] = {}
    for org in organizations:
        chain: list[int | None] = []
        node: int | None = org.pk
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        chain.append(None)
        effective: dict[str, MeetingFrequencyRule] = {}
        for node_id in reversed(chain):  # nearest last, so it overrides
            effective.update(rules_by_org.get(node_id, {}))
        result[org.pk] = effective
    return result


def _exempt(exemptions: list[ComplianceExemption], organization: PartyOrganization, kind: str, period: Period) -> str:
    """The reason a period is exempt for an organisation, or '' when it is not."""
    if organization.founded_on and organization.founded_on > period.start:
        return _("%(date)s 成立") % {"date": organization.founded_on}
    for exemption in exemptions:
        if (
            exemption.organization_id == organization.pk
            and exemption.kind in ("", kind)
            and exemption.starts_on <= period.end
            and exemption.ends_on >= period.start
        ):
            return exemption.reason
    return ""


def meeting_compliance(
    *, user, year: int, today: datetime.date, organization_id: int | None = None
) -> list[ComplianceRow]:
    """Required against held, per branch, meeting kind with a rule, and period of the year (§4)."""
    scope = scope_for(user)
    branch_ids = set(scope.organization_ids)
    if organization_id:
        branch_ids &= PartyOrganization.objects.subtree_ids([organization_id])
    branches = list(PartyOrganization.objects.filter(pk__in=branch_ids).branches().order_by("sort_order", "id"))
    groups_by_branch: dict[int, list[PartyOrganization]] = defaultdict(list)
    for group in PartyOrganization.objects.filter(parent__in=branches, kind=PartyOrganization.Kind.GROUP).order_by(
        "sort_order", "id"
    ):
        groups_by_branch[group.parent_id].append(group)
    all_orgs = branches + [g for gs in groups_by_branch.values() for g in gs]
    rules = effective_rules(all_orgs)
    exemptions = list(ComplianceExemption.objects.filter(organization__in=all_orgs))
    held_dates: dict[tuple[int, str], list[datetime.date]] = defaultdict(list)
    for org_id, kind, held_on in Meeting.objects.filter(organization__in=all_orgs, held_on__year=year).values_list(
        "organization_id", "kind", "held_on"
    ):
        held_dates[(org_id, kind)].append(held_on)

    def count_in(org_id: int, kind: str, period: Period) -> int:
        return sum(1 for d in held_dates[(org_id, kind)] if period.start <= d <= period.end)

    rows: list[ComplianceRow] = []
    for branch in branches:
        for kind, kind_label in MeetingKind.choices:
            rule = rules[branch.pk].get(kind)
            if rule is None:
                continue
            row = ComplianceRow(
                branch=branch,
                kind=kind,
                kind_label=str(kind_label),
                rule_label=f"{rule.get_period_display()}≥{rule.min_count}",
            )
            for period in periods_of_year(year, rule.period):
                exempt_reason = _exempt(exemptions, branch, kind, period)
                if kind == MeetingKind.GROUP_MEETING:
                    row.cells.append(
                        _group_cell(
                            groups_by_branch[branch.pk],
                            rules,
                            exemptions,
                            period,
                            today,
                            count_in,
                            exempt_reason,
                        )
                    )
                    continue
                held = count_in(branch.pk, kind, period)
                status = cell_status(
                    required=rule.min_count,
                    met=held >= rule.min_count,
                    period=period,
                    today=today,
                    exempt=bool(exempt_reason),
                )
                row.cells.append(ComplianceCell(period, rule.min_count, held, status, exempt_reason))
            rows.append(row)
    return rows


def _group_cell(groups, rules, exemptions, period, today, count_in, branch_exempt_reason) -> ComplianceCell:
    """党小组会 is required of every group; the branch meets it when each of its groups does."""
    kind = MeetingKind.GROUP_MEETING
    if not groups:
        return ComplianceCell(period, 0, 0, CellStatus.EXEMPT, _("未设党小组"))
    due = [g for g in groups if not _exempt(exemptions, g, kind, period) and kind in rules[g.pk]]
    held_total = sum(count_in(g.pk, kind, period) for g in groups)
    met_groups = sum(1 for g in due if count_in(g.pk, kind, period) >= rules[g.pk][kind].min_count)
    required = sum(rules[g.pk][kind].min_count for g in due)
    status = cell_status(
        required=required,
        met=met_groups == len(due),
        period=period,
        today=today,
        exempt=bool(branch_exempt_reason) or not due,
    )
    note = branch_exempt_reason or _("%(met)d/%(all)d 个党小组达标") % {"met": met_groups, "all": len(due)}
    return ComplianceCell(period, required, held_total, status, note)


@dataclass(frozen=True)
class ComplianceSummary:
    year: int
    short_cells: int
    short_branches: list[str]


def compliance_summary(*, user, today: datetime.date) -> ComplianceSummary:
    rows = meeting_compliance(user=user, year=today.year, today=today)
    short = [row for row in rows if any(c.status == CellStatus.SHORT for c in row.cells)]
    return ComplianceSummary(
        year=today.year,
        short_cells=sum(1 for row in rows for c in row.cells if c.status == CellStatus.SHORT),
        short_branches=sorted({row.branch.name for row in short}),
    )


# ---- Silent branches -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SilentBranch:
    branch: PartyOrganization
    last_activity: datetime.date | None
    days_silent: int | None


def silent_branches(*, user, today: datetime.date) -> list[SilentBranch]:
    """Branches in scope with no meeting of the branch or its groups in the last ZHIBU_SILENT_BRANCH_DAYS days.
    A branch founded within that window is not yet silent."""
    limit = settings.ZHIBU_SILENT_BRANCH_DAYS
    scope = scope_for(user)
    branches = list(PartyOrganization.objects.filter(pk__in=scope.organization_ids).branches())
    group_parent = dict(
        PartyOrganization.objects.filter(parent__in=branches, kind=PartyOrganization.Kind.GROUP).values_list(
            "id", "parent_id"
        )
    )
    org_ids = [b.pk for b in branches] + list(group_parent)
    last: dict[int, datetime.date] = {}
    for org_id, last_on in (
        Meeting.objects.filter(organization_id__in=org_ids, held_on__lte=today)
        .values("organization_id")
        .annotate(last_on=Max("held_on"))
        .values_list("organization_id", "last_on")
    ):
        branch_id = group_parent.get(org_id, org_id)
        if branch_id not in last or last_on > last[branch_id]:
            last[branch_id] = last_on
    silent = []
    for branch in branches:
        last_on = last.get(branch.pk)
        reference = last_on or branch.founded_on
        if reference is not None and (today - reference).days <= limit:
            continue
        silent.append(SilentBranch(branch, last_on, (today - last_on).days if last_on else None))
    return silent
