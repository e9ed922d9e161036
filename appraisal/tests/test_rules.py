from decimal import Decimal

import pytest

from appraisal.models import Grade, RuleSet
from appraisal.rules import annual_excellent_eligibility, excellent_quota, grade_for_score, rules_for_year

DEFAULT = RuleSet(year=2026)


@pytest.mark.parametrize(("appraised", "quota"), [(13, 1), (20, 3), (6, 0), (7, 1), (100, 15)])
def test_excellent_quota_is_15_percent_rounded_down(appraised, quota):
    assert excellent_quota(appraised, DEFAULT) == quota


def test_excellent_quota_rounds_down_for_13_appraisees():
    assert excellent_quota(13, DEFAULT) == 1


@pytest.mark.parametrize(
    ("score", "grade"),
    [("100", Grade.EXCELLENT), ("90", Grade.EXCELLENT), ("89.99", Grade.COMPETENT), ("80", Grade.COMPETENT),
     ("79.5", Grade.BASIC), ("60", Grade.BASIC), ("59.99", Grade.INCOMPETENT)],
)  # fmt: skip
def test_half_year_scores_map_to_grades_by_the_90_80_60_thresholds(score, grade):
    assert grade_for_score(Decimal(score), DEFAULT) == grade


def test_a_basic_competent_quarter_removes_annual_excellent_eligibility():
    result = annual_excellent_eligibility([Grade.EXCELLENT, Grade.BASIC, Grade.EXCELLENT, Grade.EXCELLENT], DEFAULT)
    assert not result.eligible
    assert "基本称职" in result.reason


def test_an_incompetent_quarter_removes_annual_excellent_eligibility():
    assert not annual_excellent_eligibility([Grade.INCOMPETENT, None, None, None], DEFAULT).eligible


def test_annual_excellent_needs_at_least_one_excellent_quarter():
    assert not annual_excellent_eligibility([Grade.COMPETENT] * 4, DEFAULT).eligible
    result = annual_excellent_eligibility([Grade.COMPETENT, Grade.EXCELLENT, Grade.COMPETENT, None], DEFAULT)
    assert result.eligible and "1 次" in result.reason


def test_last_years_results_keep_last_years_rules(db):
    RuleSet.objects.create(year=2025, excellent_quota_percent=Decimal("20"))
    RuleSet.objects.create(year=2026, excellent_quota_percent=Decimal("15"))
    assert excellent_quota(20, rules_for_year(2025)) == 4
    assert excellent_quota(20, rules_for_year(2026)) == 3
    assert rules_for_year(2027).excellent_quota_percent == Decimal("15")  # carried forward until set


def test_routine_weight_below_40_percent_is_refused_by_the_database(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        RuleSet.objects.create(year=2030, routine_weight_percent=Decimal("30"))
