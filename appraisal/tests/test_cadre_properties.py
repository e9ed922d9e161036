"""Properties of the cadre scoring of appraisal/cadre_rules.py (DOMAIN.md §6; RELIABILITY.md R16), checked by
hypothesis over scores entered as they are entered: Decimal, 0–100, two places.

- Exact numbers only: weights sum to exactly 1, every intermediate is a Fraction and a shown figure a Decimal;
  no float anywhere.
- The order of inputs does not matter: team scores, poll scores, commendations and the cadres to rank.
- Raising any component never lowers the total (and a commendation never lowers it, a penalty never raises it).
- Rounding equals a reference implementation written independently: Decimal division at 50 digits, then
  `quantize(Decimal("0.01"), ROUND_HALF_UP)`.
- The bound. The project decided NOT to cap at 100 (cadre_rules.adjusted_work: §6 does not cap the adjusted work
  score, so 98 with a national commendation counts as 108). What holds instead, and is checked: the weighted total of
  the four 0–100 components lies in [0, 100], and the commendation and penalty points move it by exactly 40% of
  their sum. So total ∈ [0.4·adjustment, 100 + 0.4·adjustment]; with commendations alone at most
  100 + 0.4 × (their points), with penalties alone at least 0.4 × (their negative points).

ZHIBU_PROPERTY_EXAMPLES sets the examples per property (default 300 for every push; RELIABILITY.md asks 10,000):

    ZHIBU_PROPERTY_EXAMPLES=10000 pytest appraisal/tests/test_cadre_properties.py
"""

import os
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import find, given, settings
from hypothesis import strategies as st

from appraisal.cadre_rules import (
    COMMENDATION_POINTS,
    PENALTY,
    POLL_WEIGHT,
    PRINCIPAL_WEIGHT,
    TEAM_WEIGHT,
    WORK_WEIGHT,
    adjusted_work,
    mean,
    ranks,
    two_places,
    weighted_total,
    work_adjustment,
)

EXAMPLES = int(os.environ.get("ZHIBU_PROPERTY_EXAMPLES", "300"))
examples = settings(max_examples=EXAMPLES, deadline=None)

score = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
scores = st.lists(score, min_size=1, max_size=6)


@dataclass(frozen=True)
class Item:
    """A commendation or penalty as cadre_rules reads it (kind, level, work item)."""

    kind: str
    level: str
    work_item: str


item = st.builds(
    Item,
    kind=st.sampled_from(["commendation", PENALTY]),
    level=st.sampled_from(sorted(COMMENDATION_POINTS)),
    work_item=st.sampled_from(["招商引资", "安全生产", " 招商引资 ", "档案规范化管理"]),
)
items = st.lists(item, max_size=6)


@dataclass(frozen=True)
class Cadre:
    base: Decimal
    items: list
    principal: Decimal
    team: list
    poll: list

    def total(self) -> Fraction:
        return weighted_total(
            adjusted_work(self.base, work_adjustment(self.items)), self.principal, mean(self.team), mean(self.poll)
        )


cadre = st.builds(Cadre, base=score, items=items, principal=score, team=scores, poll=scores)


def _reference_two_places(value: Fraction) -> Decimal:
    """Independent of cadre_rules.two_places: decimal division then the decimal module's ROUND_HALF_UP. 50 digits
    are exact enough: no total here has a denominator that could put it within 10⁻⁴⁸ of a tie without being one."""
    with localcontext() as context:
        context.prec = 50
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# ---- Exact numbers -----------------------------------------------------------------------------------------------


def test_the_weights_sum_to_exactly_one_as_fractions():
    weights = [WORK_WEIGHT, PRINCIPAL_WEIGHT, TEAM_WEIGHT, POLL_WEIGHT]
    assert all(isinstance(w, Fraction) for w in weights)
    assert sum(weights) == 1


@examples
@given(cadre)
def test_every_figure_is_exact_never_a_float(c):
    total = c.total()
    assert isinstance(total, Fraction) and isinstance(mean(c.team), Fraction)
    assert isinstance(two_places(total), Decimal)
    # Exactly the rational value of §6's formula, computed here from the Decimals by hand.
    adjusted = Fraction(c.base) + work_adjustment(c.items)
    by_hand = (
        Fraction(40, 100) * adjusted
        + Fraction(30, 100) * Fraction(c.principal)
        + Fraction(10, 100) * sum(map(Fraction, c.team)) / len(c.team)
        + Fraction(20, 100) * sum(map(Fraction, c.poll)) / len(c.poll)
    )
    assert total == by_hand
    assert c.total() == total  # deterministic


# ---- Order does not matter ---------------------------------------------------------------------------------------


@examples
@given(cadre, st.randoms(use_true_random=False))
def test_the_order_of_scores_and_commendations_does_not_change_the_total(c, rng):
    shuffled = Cadre(
        base=c.base,
        items=rng.sample(c.items, len(c.items)),
        principal=c.principal,
        team=rng.sample(c.team, len(c.team)),
        poll=rng.sample(c.poll, len(c.poll)),
    )
    assert shuffled.total() == c.total()
    assert work_adjustment(shuffled.items) == work_adjustment(c.items)


# Totals as weighted_total makes them (hundredths over small denominators), with ties drawn often.
total = st.builds(Fraction, st.integers(min_value=0, max_value=11000), st.sampled_from([100, 300, 600, 1200]))


@examples
@given(st.lists(total, min_size=1, max_size=10), st.randoms(use_true_random=False))
def test_the_order_in_which_cadres_are_given_does_not_change_their_ranks(totals_in_order, rng):
    totals = dict(enumerate(totals_in_order))
    keys = list(totals)
    rng.shuffle(keys)
    assert ranks({k: totals[k] for k in keys}) == ranks(totals)


# ---- Monotone ------------------------------------------------------------------------------------------------------


@examples
@given(cadre, st.sampled_from(["base", "principal", "team", "poll"]), st.integers(min_value=0), score)
def test_raising_any_component_never_lowers_the_total(c, component, index, new):
    if component in ("team", "poll"):
        values = list(getattr(c, component))
        i = index % len(values)
        values[i] = max(values[i], new)
        raised = Cadre(**{**c.__dict__, component: values})
    else:
        raised = Cadre(**{**c.__dict__, component: max(getattr(c, component), new)})
    assert raised.total() >= c.total()
    assert two_places(raised.total()) >= two_places(c.total())


@examples
@given(cadre, item)
def test_a_further_commendation_never_lowers_the_total_and_a_penalty_never_raises_it(c, extra):
    more = Cadre(**{**c.__dict__, "items": [*c.items, extra]})
    if extra.kind == PENALTY:
        assert more.total() <= c.total()
    else:
        assert more.total() >= c.total()


# ---- Rounding ------------------------------------------------------------------------------------------------------


@examples
@given(cadre)
def test_the_shown_total_is_the_exact_total_rounded_half_up_to_two_places(c):
    total = c.total()
    assert two_places(total) == _reference_two_places(total)


@examples
@given(st.integers(min_value=-(10**6), max_value=10**6), st.integers(min_value=1, max_value=10**4))
def test_rounding_any_fraction_matches_the_reference(numerator, denominator):
    value = Fraction(numerator, denominator)
    assert two_places(value) == _reference_two_places(value)


def test_the_rounding_property_can_fail_it_finds_half_even_and_float_rounding():
    """The test of the test: the same comparison with the reference finds a counterexample in two wrong roundings
    (banker's rounding, and rounding a float), so its passing above means something."""

    def half_even(value: Fraction) -> Decimal:
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)

    def via_float(value: Fraction) -> Decimal:
        return Decimal(str(round(float(value), 2))).quantize(Decimal("0.01"))

    thousandths = st.builds(Fraction, st.integers(min_value=0, max_value=100_000), st.just(1000))
    for wrong in (half_even, via_float):
        found = find(thousandths, lambda v, wrong=wrong: wrong(v) != _reference_two_places(v))
        assert wrong(found) != two_places(found)


def test_ties_round_away_from_zero():
    assert two_places(Fraction(80125, 1000)) == Decimal("80.13")
    assert two_places(Fraction(-125, 1000)) == Decimal("-0.13")
    assert two_places(Fraction(2, 3)) == Decimal("0.67")


# ---- Bounds --------------------------------------------------------------------------------------------------------


@examples
@given(cadre)
def test_the_total_is_within_0_to_100_moved_by_forty_percent_of_the_commendation_points(c):
    adjustment = work_adjustment(c.items)
    total = c.total()
    assert 0 <= total - Fraction(40, 100) * adjustment <= 100
    commendations = sum(COMMENDATION_POINTS[i.level] for i in c.items if i.kind != PENALTY)
    penalties = sum(COMMENDATION_POINTS[i.level] for i in c.items if i.kind == PENALTY)
    assert -Fraction(40, 100) * penalties <= total <= 100 + Fraction(40, 100) * commendations


def test_the_total_is_not_capped_at_100_with_a_commendation():
    """The decision recorded in cadre_rules.adjusted_work: 100 everywhere plus a national commendation (10) is
    100 + 40% × 10 = 104, not 100."""
    top = Decimal(100)
    total = weighted_total(adjusted_work(top, 10), top, top, top)
    assert total == 104 and two_places(total) == Decimal("104.00")
