"""The rules of the mid-level cadre appraisal (中层干部考核, DOMAIN.md §6) as pure functions on exact numbers.

Scores are entered with two decimals and kept as `Decimal`; every sum, mean and weighting is done in
`fractions.Fraction`, so no binary-float error and no intermediate rounding ever reaches a total. A value is rounded
once, for display, to two places half up.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Protocol, TypeVar

from .year import competition_ranks

K = TypeVar("K")

# §6: district (区) 1, city (市) 3, province (省) 5, national (国家) 10 points. Keys are Commendation.Level values.
COMMENDATION_POINTS: dict[str, int] = {"district": 1, "city": 3, "province": 5, "national": 10}
PENALTY = "penalty"  # Commendation.Kind.PENALTY: subtracts; every other kind (表彰奖励) adds

# §6: total = 40% work performance + 30% principal leader + 10% team members + 20% democratic poll.
WORK_WEIGHT = Fraction(40, 100)
PRINCIPAL_WEIGHT = Fraction(30, 100)
TEAM_WEIGHT = Fraction(10, 100)
POLL_WEIGHT = Fraction(20, 100)

Number = Decimal | Fraction | int


class AdjustmentItem(Protocol):
    """A commendation or a penalty as the rule sees it: appraisal.models.Commendation has these attributes."""

    kind: str
    level: str
    work_item: str


@dataclass(frozen=True)
class CountedItem:
    item: AdjustmentItem
    # The signed points this item contributes: 0 when a higher level for the same work item counts instead.
    points: int

    @property
    def counted(self) -> bool:
        return self.points != 0


def _work_item_key(item: AdjustmentItem) -> tuple[bool, str]:
    return item.kind == PENALTY, item.work_item.strip()


def adjustment_breakdown(items: Iterable[AdjustmentItem]) -> list[CountedItem]:
    """Each commendation (+) and penalty (−) with the points it contributes (§6): several levels for the same work
    item count once, at the highest level. "The same work item" is the same kind and the same 对应工作事项 text
    (surrounding spaces ignored); a commendation and a penalty for one work item both count. When two records of
    the same work item have the same, highest level, the first one given counts."""
    items = list(items)
    best: dict[tuple[bool, str], int] = {}
    for index, item in enumerate(items):
        key = _work_item_key(item)
        if key not in best or COMMENDATION_POINTS[item.level] > COMMENDATION_POINTS[items[best[key]].level]:
            best[key] = index
    counted = set(best.values())
    return [
        CountedItem(item, (-1 if item.kind == PENALTY else 1) * COMMENDATION_POINTS[item.level] if i in counted else 0)
        for i, item in enumerate(items)
    ]


def work_adjustment(items: Iterable[AdjustmentItem]) -> int:
    """The points added to (commendations) or subtracted from (penalties) the work-performance score (§6)."""
    return sum(counted.points for counted in adjustment_breakdown(items))


def adjusted_work(base: Number, adjustment: int) -> Fraction:
    """The work-performance score after commendations and penalties, before weighting (§6).

    Not capped: §6 does not say that the adjusted score stays within 0–100, so 98 with a national commendation is
    108 and counts as such in the total (which may then exceed 100)."""
    return Fraction(base) + adjustment


def mean(values: Sequence[Number]) -> Fraction | None:
    """The exact mean, or None when there is nothing to average (the component is missing)."""
    if not values:
        return None
    return sum((Fraction(v) for v in values), Fraction(0)) / len(values)


def weighted_total(work_adjusted: Number, principal: Number, team_mean: Number, poll_mean: Number) -> Fraction:
    """40% + 30% + 10% + 20% of the four components, exactly (§6)."""
    return (
        WORK_WEIGHT * Fraction(work_adjusted)
        + PRINCIPAL_WEIGHT * Fraction(principal)
        + TEAM_WEIGHT * Fraction(team_mean)
        + POLL_WEIGHT * Fraction(poll_mean)
    )


def two_places(value: Number) -> Decimal:
    """The value to two decimals, half up (away from zero on a tie, as Decimal's ROUND_HALF_UP), from the exact
    value: 80.125 → 80.13, 2/3 → 0.67, −0.125 → −0.13."""
    exact = Fraction(value)
    hundredths = abs(exact) * 100
    rounded = int(hundredths + Fraction(1, 2))  # int() floors a non-negative Fraction
    return Decimal(-rounded if exact < 0 else rounded).scaleb(-2)


def ranks(totals: Mapping[K, Fraction]) -> dict[K, int]:
    """Competition ranks by the exact total, highest first (§6): equal totals share a rank (1, 2, 2, 4). Two totals
    that differ beyond the second decimal are not equal, even when they show the same two-place figure."""
    return competition_ranks(totals)
