"""The organisation officer's dashboard (issue 4 item 8): for a month and a quarter, by unit of the officer's scope,
how far the routine appraisal (DOMAIN.md §5) has come — monthly logs, quarterly summaries, signed ratings — and
the quarter's grade distribution.

Everyone appraised in a cycle of the year is expected to have each record. A record counts for the unit it
belongs to (a log to the unit of its month, a summary and a rating to the unit at quarter end); a record not
written yet counts for the person's present unit. Each figure is one aggregate query, so the page costs the same
number of queries for five people as for five hundred.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from branches.models import Unit
from core.exports import Sheet
from core.models import User
from core.workdays import CalendarDay, last_working_day_of_quarter

from .models import Appraisee, Cycle, Grade, LogStatus, MonthlyLog, QuarterlySummary, Rating
from .services import log_due_date, summary_signed_q
from .setup import officer_unit_ids


@dataclass
class UnitRow:
    unit: Unit | None  # None for the total row
    logs_on_time: int = 0
    logs_late: int = 0
    logs_missing: int = 0
    summaries_written: int = 0
    summaries_missing: int = 0
    ratings_signed: int = 0
    ratings_missing: int = 0
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Grade.values, 0))

    @property
    def name(self) -> str:
        return self.unit.name if self.unit is not None else _("合计")

    @property
    def logs_expected(self) -> int:
        return self.logs_on_time + self.logs_late + self.logs_missing

    @property
    def logs_submitted(self) -> int:
        return self.logs_on_time + self.logs_late

    @property
    def summaries_expected(self) -> int:
        return self.summaries_written + self.summaries_missing

    @property
    def ratings_expected(self) -> int:
        return self.ratings_signed + self.ratings_missing

    @property
    def grade_counts(self) -> list[int]:
        """In the order of Grade: 优秀, 称职, 基本称职, 不称职."""
        return [self.grades[g] for g in Grade.values]

    def add(self, other: "UnitRow") -> None:
        for name in (
            "logs_on_time",
            "logs_late",
            "logs_missing",
            "summaries_written",
            "summaries_missing",
            "ratings_signed",
            "ratings_missing",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for grade, n in other.grades.items():
            self.grades[grade] += n

    @property
    def is_empty(self) -> bool:
        return not (self.logs_expected or self.summaries_expected or self.ratings_expected)


@dataclass
class Dashboard:
    year: int
    month: int
    quarter: int
    log_due: CalendarDay
    quarter_end: CalendarDay
    rows: list[UnitRow]
    total: UnitRow

    def sheet(self) -> Sheet:
        """The table for the Excel export, with the total row last."""
        headers = [
            _("部门"),
            _("月记实应交"),
            _("按时提交"),
            _("逾期提交"),
            _("未提交"),
            _("季度小结应写"),
            _("已写"),
            _("评鉴应签"),
            _("已签署"),
            *[str(label) for _value, label in Grade.choices],
        ]
        rows = [
            [
                row.name,
                row.logs_expected,
                row.logs_on_time,
                row.logs_late,
                row.logs_missing,
                row.summaries_expected,
                row.summaries_written,
                row.ratings_expected,
                row.ratings_signed,
                *row.grade_counts,
            ]
            for row in [*self.rows, self.total]
        ]
        title = _("%(y)d年%(m)d月 第%(q)d季度") % {"y": self.year, "m": self.month, "q": self.quarter}
        return Sheet(title, headers, rows)

    def chart_data(self) -> dict:
        """What static/js/dashboard.js draws: the same numbers as the table."""
        return {
            "units": [row.name for row in self.rows],
            "logs": {
                "on_time": [row.logs_on_time for row in self.rows],
                "late": [row.logs_late for row in self.rows],
                "missing": [row.logs_missing for row in self.rows],
            },
            "summaries": {
                "written": [row.summaries_written for row in self.rows],
                "missing": [row.summaries_missing for row in self.rows],
            },
            "ratings": {
                "signed": [row.ratings_signed for row in self.rows],
                "missing": [row.ratings_missing for row in self.rows],
            },
            "grades": [{"name": str(label), "value": self.total.grades[value]} for value, label in Grade.choices],
            "labels": {
                "on_time": _("按时提交"),
                "late": _("逾期提交"),
                "missing_log": _("未提交"),
                "written": _("已写"),
                "missing_summary": _("未写"),
                "signed": _("已签署"),
                "missing_rating": _("未签署"),
                "no_ratings": _("本季度尚无签署的评鉴"),
            },
        }


def _counts(rows: Iterable[dict], key: str = "unit_id") -> dict[int, dict]:
    return {row[key]: row for row in rows}


def _rated_in_quarter(year: int, quarter: int) -> Q:
    """The appraisees rated for a period that ends with this quarter: every quarter in a quarterly-graded cycle;
    in a half-year-scored cycle, the half-year ending in Q2 or Q4 (their ratings: services.summary_signed_q)."""
    appraisees = Q(cycle__year=year, cycle__kind=Cycle.Kind.QUARTERLY_GRADED)
    if quarter % 2 == 0:
        appraisees |= Q(cycle__year=year, cycle__kind=Cycle.Kind.HALF_YEAR_SCORED)
    return appraisees


def dashboard_for(*, user: User, year: int, month: int, quarter: int) -> Dashboard:
    """Completion by unit of the officer's scope for `month` (logs) and `quarter` (summaries, ratings, grades)."""
    units = officer_unit_ids(user)
    appraised = Appraisee.objects.filter(cycle__year=year).values("person_id")

    logs = _counts(
        MonthlyLog.objects.filter(year=year, month=month, person_id__in=appraised, unit_id__in=units)
        .values("unit_id")
        .annotate(
            on_time=Count("pk", filter=Q(status=LogStatus.SUBMITTED, is_late=False)),
            late=Count("pk", filter=Q(status=LogStatus.SUBMITTED, is_late=True)),
            unsubmitted=Count("pk", filter=~Q(status=LogStatus.SUBMITTED)),
        )
    )
    no_log = _counts(
        Appraisee.objects.filter(cycle__year=year, person__unit_id__in=units)
        .filter(~Exists(MonthlyLog.objects.filter(person_id=OuterRef("person_id"), year=year, month=month)))
        .values(unit_id=F("person__unit_id"))
        .annotate(n=Count("person_id", distinct=True))
    )
    summaries = _counts(
        QuarterlySummary.objects.filter(year=year, quarter=quarter, person_id__in=appraised, unit_id__in=units)
        .values("unit_id")
        .annotate(n=Count("pk"))
    )
    no_summary = _counts(
        Appraisee.objects.filter(cycle__year=year, person__unit_id__in=units)
        .filter(~Exists(QuarterlySummary.objects.filter(person_id=OuterRef("person_id"), year=year, quarter=quarter)))
        .values(unit_id=F("person__unit_id"))
        .annotate(n=Count("person_id", distinct=True))
    )
    rated_appraisees, period = _rated_in_quarter(year, quarter), summary_signed_q(year, quarter)
    latest = Rating.objects.filter(period).filter(
        ~Exists(
            Rating.objects.filter(
                appraisee_id=OuterRef("appraisee_id"), period=OuterRef("period"), revision__gt=OuterRef("revision")
            )
        )
    )
    grades: dict[int, dict[str, int]] = {}
    for row in latest.filter(unit_id__in=units).values("unit_id", "grade").annotate(n=Count("pk")):
        grades.setdefault(row["unit_id"], {})[row["grade"]] = row["n"]
    unrated = _counts(
        Appraisee.objects.filter(rated_appraisees, person__unit_id__in=units)
        .filter(~Exists(Rating.objects.filter(period, appraisee_id=OuterRef("pk"))))
        .values(unit_id=F("person__unit_id"))
        .annotate(n=Count("pk"))
    )

    rows: list[UnitRow] = []
    total = UnitRow(unit=None)
    for unit in Unit.objects.filter(pk__in=units).order_by("sort_order", "id"):
        log = logs.get(unit.pk, {})
        row = UnitRow(
            unit=unit,
            logs_on_time=log.get("on_time", 0),
            logs_late=log.get("late", 0),
            logs_missing=log.get("unsubmitted", 0) + no_log.get(unit.pk, {}).get("n", 0),
            summaries_written=summaries.get(unit.pk, {}).get("n", 0),
            summaries_missing=no_summary.get(unit.pk, {}).get("n", 0),
            ratings_missing=unrated.get(unit.pk, {}).get("n", 0),
        )
        for grade, n in grades.get(unit.pk, {}).items():
            row.grades[grade] = n
        row.ratings_signed = sum(row.grades.values())
        if not row.is_empty:
            rows.append(row)
            total.add(row)
    return Dashboard(
        year=year,
        month=month,
        quarter=quarter,
        log_due=log_due_date(year, month),
        quarter_end=last_working_day_of_quarter(year, quarter),
        rows=rows,
        total=total,
    )


def default_period(today: datetime.date) -> tuple[int, int, int]:
    """(year, month, quarter) the dashboard opens on: the current month and quarter."""
    return today.year, today.month, (today.month - 1) // 3 + 1
