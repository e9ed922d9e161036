import datetime
import logging

from core.workdays import last_working_day_of_month, working_days_between


def test_due_date_of_february_2026_is_saturday_the_28th_an_adjusted_working_day():
    due = last_working_day_of_month(2026, 2)
    assert due.day == datetime.date(2026, 2, 28)
    assert due.day.weekday() == 5
    assert not due.estimated


def test_due_date_of_september_2026_is_the_30th():
    assert last_working_day_of_month(2026, 9).day == datetime.date(2026, 9, 30)


def test_due_date_skips_the_national_day_holiday_at_month_start_and_weekends_at_month_end():
    assert last_working_day_of_month(2026, 1).day == datetime.date(2026, 1, 30)  # 31st is a Saturday


def test_year_without_official_calendar_falls_back_to_monday_to_friday_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        due = last_working_day_of_month(2027, 7)
    assert due.day == datetime.date(2027, 7, 30)  # the 31st is a Saturday
    assert due.estimated
    assert "assuming Monday–Friday" in caplog.text


def test_working_days_between_counts_the_adjusted_saturday():
    assert working_days_between(datetime.date(2026, 2, 26), datetime.date(2026, 3, 2)) == 3  # 27, 28, 2 March
