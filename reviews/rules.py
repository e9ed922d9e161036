"""The counting rules of polls, as pure functions on exact numbers (DOMAIN.md §6, §7).

Scores are Decimals with at most two places; means are Fractions, rounded only for display (two decimals, half up,
§6). No floats anywhere.
"""

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from .models import Satisfaction

SCORE_MIN = Decimal(0)
SCORE_MAX = Decimal(100)
SCORE_PLACES = 2
CENT = Decimal("0.01")


def score_parse(value: object) -> Decimal | None:
    """A score 0–100 with at most two decimals, or None when the value is not one (an empty field is not a score:
    the caller treats it as unmarked before asking)."""
    # A float is never exact (85.1 is not 85.1 in binary): scores arrive as text or Decimal.
    if isinstance(value, bool | float):
        return None
    try:
        score = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not score.is_finite() or not SCORE_MIN <= score <= SCORE_MAX:
        return None
    exponent = score.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -SCORE_PLACES:
        return None
    return score.quantize(CENT)


def mean(values: Iterable[Decimal | Fraction | int]) -> Fraction | None:
    """The arithmetic mean (§6: the democratic-poll component is the mean of valid ballots); None for no values."""
    items = [Fraction(v) for v in values]
    if not items:
        return None
    return sum(items, Fraction(0)) / len(items)


def trimmed_mean(values: Iterable[Decimal | Fraction | int]) -> Fraction | None:
    """The mean after dropping one highest and one lowest score (去掉一个最高分和一个最低分). Needs at least three
    scores, or nothing would be left to average; None otherwise."""
    items = sorted(Fraction(v) for v in values)
    if len(items) < 3:
        return None
    return mean(items[1:-1])


def turnout_reached(cast: int, issued: int, num: int, den: int) -> bool:
    """At least num/den of the codes issued were used (default two thirds). A poll without codes has no turnout."""
    if issued <= 0:
        return False
    return cast * den >= issued * num


def satisfaction_verdict(satisfied: int, basic: int, unsatisfied: int) -> Satisfaction | None:
    """§7: 满意 if 满意 is at least half of the valid ballots; otherwise 基本满意 if 满意 + 基本满意 is at least half;
    otherwise 不满意. None when there is no valid ballot."""
    valid = satisfied + basic + unsatisfied
    if valid == 0:
        return None
    if 2 * satisfied >= valid:
        return Satisfaction.SATISFIED
    if 2 * (satisfied + basic) >= valid:
        return Satisfaction.BASIC
    return Satisfaction.UNSATISFIED


def satisfaction_rate(satisfied: int, basic: int, unsatisfied: int) -> Fraction | None:
    """§7: (满意 + 基本满意) / valid ballots; None when there is no valid ballot."""
    valid = satisfied + basic + unsatisfied
    if valid == 0:
        return None
    return Fraction(satisfied + basic, valid)


def two_places(value: Fraction | Decimal | None) -> Decimal | None:
    """For display and export only: two decimals, half up (§6)."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        # Exact: round |value| × 100 half up in integers, then put the sign back.
        cents = math.floor(abs(value) * 100 + Fraction(1, 2))
        return Decimal(cents if value >= 0 else -cents).scaleb(-2)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(value: Fraction | None) -> Decimal | None:
    """A share as a percentage with two decimals, half up (80.00 for 4/5)."""
    return None if value is None else two_places(value * 100)
