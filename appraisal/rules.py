"""The rules of DOMAIN.md §5 as pure functions over a year's RuleSet, so each can be tested by its name."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from .models import Grade, RuleSet


def rules_for_year(year: int) -> RuleSet:
    """The year's rules: its own row, else the latest earlier year's values, else the defaults (unsaved).
    Opening a cycle stores the row, so that later changes never alter a past year."""
    own = RuleSet.objects.filter(year=year).first()
    if own is not None:
        return own
    earlier = RuleSet.objects.filter(year__lt=year).order_by("-year").first()
    if earlier is None:
        return RuleSet(year=year)
    earlier.pk = None
    earlier.year = year
    return earlier


def excellent_quota(appraised: int, rules: RuleSet) -> int:
    """优秀 at most the quota percentage of those appraised in the group and period, rounded down (13 → 1, 20 → 3)."""
    return int((Decimal(appraised) * rules.excellent_quota_percent / 100).to_integral_value(rounding=ROUND_FLOOR))


def grade_for_score(score: Decimal, rules: RuleSet) -> str:
    """Half-year variant: 90–100 优秀, 80–89 称职, 60–79 基本称职, below 60 不称职 (thresholds per year)."""
    if score >= rules.excellent_min_score:
        return Grade.EXCELLENT
    if score >= rules.competent_min_score:
        return Grade.COMPETENT
    if score >= rules.basic_min_score:
        return Grade.BASIC
    return Grade.INCOMPETENT


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str


def annual_excellent_eligibility(grades: Sequence[str | None], rules: RuleSet) -> Eligibility:
    """Annual 优秀 candidates come from those rated 优秀 at least once in the year; anyone rated 基本称职 or 不称职
    in any period of the year cannot be annual 优秀 (§5). `grades` holds the year's periods in order, None for a
    period not yet rated."""
    labels = dict(Grade.choices)
    for index, grade in enumerate(grades, start=1):
        if grade in (Grade.BASIC, Grade.INCOMPETENT):
            return Eligibility(
                False,
                _("第%(n)d期被评为“%(grade)s”，不能确定为年度优秀。") % {"n": index, "grade": labels[grade]},
            )
    excellent = sum(1 for grade in grades if grade == Grade.EXCELLENT)
    if excellent < rules.annual_excellent_min_quarters:
        return Eligibility(
            False,
            _("全年获评“优秀” %(got)d 次，少于年度优秀候选所需的 %(need)d 次。")
            % {"got": excellent, "need": rules.annual_excellent_min_quarters},
        )
    return Eligibility(
        True, _("全年获评“优秀” %(got)d 次，且无“基本称职”“不称职”，可作为年度优秀候选。") % {"got": excellent}
    )
