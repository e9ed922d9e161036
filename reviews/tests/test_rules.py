"""The counting rules of DOMAIN.md §6 and §7, by name."""

from decimal import Decimal
from fractions import Fraction

import pytest

from reviews.codes import ALPHABET, LENGTH, code_display, code_generate, code_hash, code_normalise
from reviews.models import Satisfaction
from reviews.rules import (
    mean,
    percent,
    satisfaction_rate,
    satisfaction_verdict,
    score_parse,
    trimmed_mean,
    turnout_reached,
    two_places,
)


def test_mean_is_exact():
    assert mean([Decimal("90"), Decimal("85.5"), Decimal("80")]) == Fraction(511, 6)
    assert mean([]) is None


def test_trimmed_mean_drops_one_highest_and_one_lowest_score():
    assert trimmed_mean([Decimal(100), Decimal(90), Decimal(80), Decimal(70), Decimal(0)]) == 80
    # Equal extremes: only one of each is dropped.
    assert trimmed_mean([Decimal(90), Decimal(90), Decimal(60), Decimal(60)]) == 75


def test_trimmed_mean_needs_three_scores():
    assert trimmed_mean([Decimal(90), Decimal(80)]) is None


def test_turnout_of_two_thirds_is_reached_by_two_ballots_of_three_codes_not_by_one():
    assert turnout_reached(2, 3, 2, 3)
    assert not turnout_reached(1, 3, 2, 3)
    assert not turnout_reached(19, 30, 2, 3)
    assert turnout_reached(20, 30, 2, 3)


def test_turnout_without_codes_is_not_reached():
    assert not turnout_reached(0, 0, 2, 3)


@pytest.mark.parametrize(
    ("counts", "verdict", "rate"),
    [
        ((5, 3, 2), Satisfaction.SATISFIED, Fraction(4, 5)),
        ((2, 3, 5), Satisfaction.BASIC, Fraction(1, 2)),
        ((2, 2, 6), Satisfaction.UNSATISFIED, Fraction(2, 5)),
        ((4, 1, 5), Satisfaction.BASIC, Fraction(1, 2)),
    ],
)
def test_satisfaction_verdict_and_rate_follow_section_7(counts, verdict, rate):
    assert satisfaction_verdict(*counts) == verdict
    assert satisfaction_rate(*counts) == rate


def test_satisfaction_of_no_valid_ballot_has_no_verdict():
    assert satisfaction_verdict(0, 0, 0) is None
    assert satisfaction_rate(0, 0, 0) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("85", Decimal("85.00")), ("85.5", Decimal("85.50")), (" 99.99 ", Decimal("99.99")), ("0", Decimal("0.00")),
     ("100", Decimal("100.00")), (Decimal("60.10"), Decimal("60.10")), (70, Decimal("70.00"))],
)  # fmt: skip
def test_scores_between_0_and_100_with_two_decimals_are_accepted(value, expected):
    assert score_parse(value) == expected


@pytest.mark.parametrize("value", ["100.01", "-1", "85.555", "abc", "NaN", "Infinity", "", 85.5, True, "1e2x"])
def test_other_scores_are_refused(value):
    assert score_parse(value) is None


def test_display_rounds_two_decimals_half_up():
    assert two_places(Fraction(1001, 8)) == Decimal("125.13")  # 125.125
    assert two_places(Fraction(511, 6)) == Decimal("85.17")
    assert str(two_places(Fraction(80))) == "80.00"
    assert percent(Fraction(4, 5)) == Decimal("80.00")
    assert two_places(None) is None


def test_codes_are_ten_unambiguous_characters():
    codes = {code_generate() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == LENGTH and set(code) <= set(ALPHABET)
    assert not set("01OIL") & set(ALPHABET)


def test_code_input_forgives_case_spaces_and_dashes_but_nothing_ambiguous():
    assert code_display("ABCDEFGHJK") == "ABCDE-FGHJK"
    assert code_normalise(" abcde-fghjk ") == "ABCDEFGHJK"
    assert code_normalise("ABCDE FGHJK") == "ABCDEFGHJK"
    # O for 0 or I for 1 is not guessed at: a code with a letter outside the alphabet is no code.
    assert code_normalise("ABCDE-FGHJO") is None
    assert code_normalise("ABCDE-FGHJ1") is None
    assert code_normalise("ABCDE") is None


def test_code_hash_is_keyed_and_not_the_code():
    digest = code_hash("ABCDEFGHJK")
    assert len(digest) == 64 and "ABCDEFGHJK" not in digest
    assert digest == code_hash("ABCDEFGHJK") != code_hash("ABCDEFGHJM")
