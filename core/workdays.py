"""Working days by China's official calendar (DOMAIN.md §9): holidays and adjusted working days (调休).

The `chinese_calendar` package knows the years the State Council has published; for any other year we fall back
to Monday–Friday and say so, both in the log and to the caller (`CalendarDay.estimated`), so pages can warn.
"""

import calendar
import datetime
import functools
import logging
from dataclasses import dataclass

import chinese_calendar

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalendarDay:
    day: datetime.date
    # True when the official calendar does not cover the year and Monday–Friday was assumed.
    estimated: bool


def working_day(day: datetime.date) -> tuple[bool, bool]:
    """(is it a working day, was it estimated by the Monday–Friday fallback)."""
    official = _official_working_day(day)
    if official is None:
        logger.warning("chinese_calendar has no data for %s: assuming Monday–Friday working days", day.year)
        return day.weekday() < 5, True
    return official, False


# The calendar is fixed data: a page that shows a year of due dates asks about the same days again and again.
@functools.lru_cache(maxsize=4096)
def _official_working_day(day: datetime.date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def last_working_day_of_month(year: int, month: int) -> CalendarDay:
    """The due date of a monthly log (§5): the month's last working day."""
    day = datetime.date(year, month, calendar.monthrange(year, month)[1])
    estimated = False
    while True:
        is_work, guessed = working_day(day)
        estimated = estimated or guessed
        if is_work:
            return CalendarDay(day, estimated)
        day -= datetime.timedelta(days=1)


def last_working_day_of_quarter(year: int, quarter: int) -> CalendarDay:
    return last_working_day_of_month(year, quarter * 3)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if working_day(day)[0]:
            count += 1
    return count
