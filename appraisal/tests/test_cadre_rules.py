"""The rules of the mid-level cadre appraisal (DOMAIN.md §6), each test named by the rule it checks."""

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest

from appraisal.cadre_rules import (
    COMMENDATION_POINTS,
    adjusted_work,
    adjustment_breakdown,
    mean,
    ranks,
    two_places,
    weighted_total,
    work_adjustment,
)


@dataclass(frozen=True)
class Item:
    kind: str
    level: str
    work_item: str


def commendation(level: str, work_item: str = "招商引资") -> Item:
    return Item("commendation", level, work_item)


def penalty(level: str, work_item: str = "安全生产") -> Item:
    return Item("penalty", level, work_item)


def test_commendation_points_are_district_1_city_3_province_5_national_10():
    assert COMMENDATION_POINTS == {"district": 1, "city": 3, "province": 5, "national": 10}


def test_district_and_provincial_commendation_for_the_same_work_item_count_only_the_provincial_5():
    items = [commendation("district"), commendation("province")]
    assert work_adjustment(items) == 5
    assert adjusted_work(Decimal("85"), work_adjustment(items)) == 90
    assert [c.points for c in adjustment_breakdown(items)] == [0, 5]


def test_same_work_item_is_the_same_text_ignoring_surrounding_spaces():
    assert work_adjustment([commendation("city", "招商引资 "), commendation("national", " 招商引资")]) == 10


def test_commendations_for_different_work_items_add_up():
    assert work_adjustment([commendation("district", "招商引资"), commendation("province", "乡村振兴")]) == 6


def test_city_level_penalty_subtracts_3():
    assert work_adjustment([penalty("city")]) == -3
    assert adjusted_work(Decimal("85"), -3) == 82


def test_penalties_for_the_same_work_item_count_once_at_the_highest_level():
    assert work_adjustment([penalty("district"), penalty("city")]) == -3


def test_commendation_and_penalty_for_the_same_work_item_both_count():
    assert work_adjustment([commendation("city", "信访"), penalty("district", "信访")]) == 2


def test_two_records_at_the_same_highest_level_for_one_work_item_count_once():
    assert work_adjustment([commendation("province"), commendation("province"), commendation("city")]) == 5


def test_adjusted_work_is_not_capped_at_100():
    assert adjusted_work(Decimal("98"), 10) == 108
    assert adjusted_work(Decimal("2"), -3) == -1


def test_component_mean_is_exact():
    assert mean([Decimal("80"), Decimal("81"), Decimal("81")]) == Fraction(242, 3)
    assert mean([]) is None


def test_weighted_total_is_40_30_10_20_percent_of_the_components():
    assert weighted_total(Decimal("90"), Decimal("80"), Decimal("70"), Decimal("60")) == Fraction(79)


def test_weighted_total_has_no_float_error():
    # In binary floats 0.1 + 0.2 != 0.3; each component here sits on such a case.
    total = weighted_total(Decimal("0.1"), Decimal("0.2"), Decimal("0.3"), Decimal("0.4"))
    assert total == Fraction(4, 100) + Fraction(6, 100) + Fraction(3, 100) + Fraction(8, 100)
    assert two_places(total) == Decimal("0.21")
    assert weighted_total(Decimal("100"), Decimal("100"), Decimal("100"), Decimal("100")) == 100


def test_weighted_total_with_a_repeating_mean_stays_exact_until_display():
    # team mean 242/3 = 80.666…, poll mean 170/3 = 56.666…: 34 + 24.3 + 8.0666… + 11.3333… = 77.7
    total = weighted_total(Decimal("85"), Decimal("81"), Fraction(242, 3), Fraction(170, 3))
    assert total == Fraction(777, 10)
    assert two_places(total) == Decimal("77.70")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(80125, 1000), "80.13"),  # a tie rounds up, not to even
        (Fraction(80135, 1000), "80.14"),
        (Decimal("80.125"), "80.13"),
        (Fraction(2, 3), "0.67"),
        (Fraction(1, 3), "0.33"),
        (Fraction(-1, 8), "-0.13"),
        (Fraction(0), "0.00"),
        (Fraction(100), "100.00"),
        # Just below a tie must not round up (no rounding to an intermediate number of places first).
        (Fraction(80125, 1000) - Fraction(1, 10**12), "80.12"),
    ],
)
def test_two_places_is_half_up_from_the_exact_value(value, shown):
    result = two_places(value)
    assert str(result) == shown
    assert result.as_tuple().exponent == -2


def test_two_places_of_0_1_plus_0_2_is_0_30():
    assert two_places(Fraction(Decimal("0.1")) + Fraction(Decimal("0.2"))) == Decimal("0.30")
    assert two_places(Fraction(Decimal("0.105")) + Fraction(Decimal("0.2"))) == Decimal("0.31")


def test_equal_totals_share_a_rank_and_the_next_rank_is_skipped():
    totals = {"a": Fraction(90), "b": Fraction(85), "c": Fraction(85), "d": Fraction(80)}
    assert ranks(totals) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_ranks_use_the_exact_total_not_the_two_place_figure():
    # Both show 85.00, but the exact totals differ: they do not share a rank.
    higher, lower = Fraction(8500, 100) + Fraction(1, 300), Fraction(85)
    assert two_places(higher) == two_places(lower)
    assert ranks({"a": lower, "b": higher}) == {"b": 1, "a": 2}
