"""Report kinds of the party reviews (DOMAIN.md §7, §8 item 6), declared here beside their data and found by the
registry's autodiscovery (reports/registry.py). Each kind collects through the selectors the pages use, so that a
report shows what the page shows.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

# The pack numbers its folders in registration order, and this app is discovered before `reports`: the kinds of
# §8 items 1–6 declared there are registered first, so that these follow them as in §8.
import reports.report_kinds  # noqa: F401
from branches.models import PartyOrganization
from core.exports import Sheet
from reports.periods import ReportPeriod
from reports.registry import (
    PARTY_READERS,
    SCOPE_ORGANIZATION,
    ReportContent,
    ReportError,
    ReportKind,
    ReportRequest,
    register,
)

from .democratic_selectors import democratic_statistics, statistics_sheets
from .mass_selectors import StatisticsSheet, sheet_figures, statistics_sheet
from .models import MassEvaluationRound, MassRoundKind, Poll

# ---- 民主评议党员结果 -----------------------------------------------------------------------------------------


def collect_democratic_results(request: ReportRequest) -> ReportContent:
    """民主评议党员结果 (§7) of the organisation subtree for the year: per branch the counts per result, the undecided
    and the pass rate, with the subtree's total; then each evaluated branch's members with result and reason. The
    workbook holds the same figures as the statistics page's export."""
    statistics = democratic_statistics(organization=request.target.organization, year=request.period.year)
    return ReportContent(
        title=_("民主评议党员结果"),
        template="reports/pdf/democratic_results.html",
        context={"statistics": statistics},
        items=[b for b in statistics.branches if b.evaluation is not None],
        sheets=lambda: statistics_sheets(statistics),
    )


DEMOCRATIC_RESULTS = register(
    ReportKind(
        key="democratic_results",
        label=_("民主评议党员结果"),
        scopes=(SCOPE_ORGANIZATION,),
        period="year",
        roles=PARTY_READERS,
        collect=collect_democratic_results,
        # A yearly result: a quarter's pack does not carry it.
        in_pack_when=lambda request: request.period.kind == "year",
    )
)


# ---- 群众评议数据统计单 -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatisticsItem:
    round: MassEvaluationRound
    sheet: StatisticsSheet
    figures: list[tuple[int, str, int]]


def _round_kinds(period: ReportPeriod) -> Q:
    """The rounds of a period: a quarter's rounds, and the half-year summary ending with it; for a year, all of
    the year's rounds except the re-evaluations of single subjects."""
    if period.quarter is None:
        return ~Q(kind=MassRoundKind.REEVALUATION)
    rounds = Q(kind=MassRoundKind.QUARTER, period=period.quarter)
    if period.quarter in (2, 4):
        rounds |= Q(kind=MassRoundKind.HALF_YEAR, period=period.quarter // 2)
    return rounds


def mass_statistics_items(request: ReportRequest) -> list[StatisticsItem]:
    """One statistics sheet per closed round of the period that covers the organisation: a round of the
    organisation or of one under it, for the round's organisation; a round of an organisation above it, for the
    requested organisation's part."""
    organization = request.target.organization
    below = PartyOrganization.objects.subtree_ids([organization.pk])
    above = set()
    parent_id = organization.parent_id
    while parent_id is not None:
        above.add(parent_id)
        parent_id = PartyOrganization.objects.filter(pk=parent_id).values_list("parent_id", flat=True).get()
    rounds = (
        MassEvaluationRound.objects.filter(
            _round_kinds(request.period),
            year=request.period.year,
            organization_id__in=below | above,
            poll__status=Poll.Status.CLOSED,
        )
        .select_related("organization", "poll")
        .order_by("organization__sort_order", "organization_id", "kind", "period", "id")
    )
    items = []
    for mass_round in rounds:
        part = mass_round.organization if mass_round.organization_id in below else organization
        sheet = statistics_sheet(mass_round, part)
        items.append(StatisticsItem(mass_round, sheet, sheet_figures(sheet)))
    return items


def collect_mass_statistics(request: ReportRequest) -> ReportContent:
    """群众评议数据统计单 (§7): the six items of each closed round of the period, laid out as the form, with the
    figures of the statistics page; the workbook lists every figure of every sheet."""
    items = mass_statistics_items(request)
    if not items:
        raise ReportError(
            _("%(org)s在%(period)s没有已结束的群众评议。")
            % {"org": request.target.organization.name, "period": request.period.label}
        )

    def sheets() -> list[Sheet]:
        rows = [
            [item.round.poll.title, item.sheet.organization.name, number, label, value]
            for item in items
            for number, label, value in item.figures
        ]
        return [Sheet(_("数据统计单"), [_("评议"), _("填报单位"), _("序号"), _("项目"), _("数值")], rows)]

    return ReportContent(
        title=_("群众评议数据统计单"),
        template="reports/pdf/mass_statistics.html",
        context={"filled_on": timezone.localdate()},
        items=items,
        sheets=sheets,
    )


MASS_STATISTICS = register(
    ReportKind(
        key="mass_statistics",
        label=_("群众评议数据统计单"),
        scopes=(SCOPE_ORGANIZATION,),
        period="year_or_quarter",
        roles=PARTY_READERS,
        collect=collect_mass_statistics,
        # Packs of periods without a closed round leave it out rather than fail.
        in_pack_when=lambda request: bool(mass_statistics_items(request)),
    )
)
