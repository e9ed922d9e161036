"""Reads for monthly logs (月记实) and quarterly summaries (季度小结), DOMAIN.md §5.

Each month's log belongs to the unit of that month, and a quarter's summary to the unit at quarter end (issue 4,
item 10): the inbox lists logs by the unit stored on the log, and the summary list by the person's unit now.
Every function here makes a fixed number of queries, whatever the number of people.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from branches.models import Unit
from core.models import User
from core.roles import Role
from core.workdays import CalendarDay, working_days_between
from members.models import Person, ServiceStatus
from members.scopes import scope_for

from .models import (
    Appraisee,
    LogStatus,
    MonthlyLog,
    QuarterlySummary,
    Rating,
)
from .services import log_due_date, quarter_months, summary_signed_q

INBOX_MISSING = "missing"
INBOX_OVERDUE = "overdue"
# The statuses a unit head filters the inbox by; 逾期 overlaps the others (a late draft is both).
INBOX_STATUSES = [
    (INBOX_MISSING, _("缺报")),
    (LogStatus.DRAFT.value, LogStatus.DRAFT.label),
    (LogStatus.SUBMITTED.value, LogStatus.SUBMITTED.label),
    (INBOX_OVERDUE, _("逾期")),
    (LogStatus.RETURNED.value, LogStatus.RETURNED.label),
]
STATUS_LABELS = dict(INBOX_STATUSES)


@dataclass(frozen=True)
class Deadline:
    """Where a person-month stands against its due date (§5: the month's last working day, §9)."""

    due: CalendarDay
    status: str  # missing, draft, submitted or returned
    overdue: bool
    # Working days left until the due date, for a log not yet submitted and not overdue.
    days_left: int | None
    # A month that has not begun: nothing is missing yet.
    upcoming: bool = False

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def log_deadline(*, log: MonthlyLog | None, year: int, month: int, today: datetime.date) -> Deadline:
    """A submitted log is overdue when it was submitted late; a missing log or a draft once the due date has
    passed. A returned log waits for its author and is not counted as overdue until it is submitted again."""
    due = log_due_date(year, month)
    status = log.status if log is not None else INBOX_MISSING
    if status == LogStatus.SUBMITTED:
        overdue = log.is_late
    elif status == LogStatus.RETURNED:
        overdue = False
    else:
        overdue = today > due.day
    days_left = None
    if status in (INBOX_MISSING, LogStatus.DRAFT, LogStatus.RETURNED) and today <= due.day:
        days_left = working_days_between(today, due.day)
    upcoming = log is None and today < datetime.date(year, month, 1)
    return Deadline(due=due, status=status, overdue=overdue, days_left=days_left, upcoming=upcoming)


# ---- The author's own logs -------------------------------------------------------------------------------------


def own_log(*, person: Person, year: int, month: int) -> MonthlyLog | None:
    return (
        MonthlyLog.objects.filter(person=person, year=year, month=month)
        .select_related("unit", "commented_by__person", "returned_by__person")
        .prefetch_related("tasks")
        .first()
    )


@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    log: MonthlyLog | None
    deadline: Deadline


def own_months(*, person: Person, year: int, today: datetime.date) -> list[MonthRow]:
    """The months of a year up to the current one, each with its log's status: the author's month list."""
    last = 12 if year < today.year else today.month if year == today.year else 0
    logs = {log.month: log for log in MonthlyLog.objects.filter(person=person, year=year)}
    return [
        MonthRow(year, m, logs.get(m), log_deadline(log=logs.get(m), year=year, month=m, today=today))
        for m in range(last, 0, -1)
    ]


# ---- The unit head's inbox -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    person: Person
    # The unit of the month: the log's unit, or for a missing log the person's unit now.
    unit: Unit
    log: MonthlyLog | None
    deadline: Deadline


@dataclass
class Inbox:
    year: int
    month: int
    due: CalendarDay
    rows: list[InboxRow]
    counts: Counter = field(default_factory=Counter)

    def filtered(self, status: str) -> list[InboxRow]:
        if not status:
            return self.rows
        if status == INBOX_OVERDUE:
            return [row for row in self.rows if row.deadline.overdue]
        return [row for row in self.rows if row.deadline.status == status]


def inbox(*, user: User, year: int, month: int, today: datetime.date) -> Inbox:
    """The people of the units `user` heads for a month: those whose log of that month belongs to one of the
    units, and the in-service members of those units who are appraised in a cycle of that year and have no log
    for the month anywhere (缺报). Someone not appraised (a leader of the organ, say) owes no log."""
    units = scope_for(user).units_for(Role.UNIT_HEAD)
    logs = list(MonthlyLog.objects.filter(unit_id__in=units, year=year, month=month).select_related("person", "unit"))
    missing = (
        Person.objects.filter(unit_id__in=units, service_status=ServiceStatus.IN_SERVICE)
        .filter(Exists(Appraisee.objects.filter(person=OuterRef("pk"), cycle__year=year)))
        .filter(~Exists(MonthlyLog.objects.filter(person=OuterRef("pk"), year=year, month=month)))
        .select_related("unit")
    )
    rows = [
        InboxRow(log.person, log.unit, log, log_deadline(log=log, year=year, month=month, today=today)) for log in logs
    ] + [
        InboxRow(person, person.unit, None, log_deadline(log=None, year=year, month=month, today=today))
        for person in missing
    ]
    rows.sort(key=lambda row: (row.unit.sort_order, row.unit.pk, row.person.name_initials, row.person.pk))
    counts = Counter(row.deadline.status for row in rows)
    counts[INBOX_OVERDUE] = sum(1 for row in rows if row.deadline.overdue)
    return Inbox(year=year, month=month, due=log_due_date(year, month), rows=rows, counts=counts)


def log_for_reader(*, user: User, pk: int) -> MonthlyLog:
    """A log by id for whoever may see it (the author, the unit's head, leader or officer); otherwise 404."""
    return get_object_or_404(
        MonthlyLog.objects.visible_to(user)
        .select_related("person", "unit", "commented_by__person", "returned_by__person")
        .prefetch_related("tasks"),
        pk=pk,
    )


# ---- Quarterly summaries ---------------------------------------------------------------------------------------


def summary_is_signed(*, person: Person, year: int, quarter: int) -> bool:
    return Rating.objects.filter(summary_signed_q(year, quarter), person=person).exists()


def summary_subject(*, user: User, person_id: int, year: int, quarter: int) -> Person:
    """The person whose summary for a quarter is opened: oneself, a person of a unit the user covers, or a
    person whose summary of that quarter belongs to such a unit (they moved since); otherwise 404."""
    scope = scope_for(user)
    written_here = QuarterlySummary.objects.filter(year=year, quarter=quarter, unit_id__in=scope.unit_ids)
    visible = Q(pk=scope.person_id) | Q(unit_id__in=scope.unit_ids) | Q(pk__in=written_here.values("person_id"))
    return get_object_or_404(Person.objects.filter(visible).select_related("unit"), pk=person_id)


def quarter_logs(*, person: Person, year: int, quarter: int, today: datetime.date) -> list[MonthRow]:
    """The quarter's three months for the summary page, each with its log (drafts stay private to the author)."""
    logs = {
        log.month: log
        for log in MonthlyLog.objects.filter(person=person, year=year, month__in=quarter_months(quarter))
        .select_related("unit", "commented_by__person")
        .prefetch_related("tasks")
    }
    return [
        MonthRow(year, m, logs.get(m), log_deadline(log=logs.get(m), year=year, month=m, today=today))
        for m in quarter_months(quarter)
    ]


@dataclass(frozen=True)
class SummaryRow:
    person: Person
    summary: QuarterlySummary | None
    months: list[tuple[int, Deadline]]
    signed: bool
    # The summary is written by the head of the person's unit at quarter end: today's unit.
    writable: bool

    @property
    def writer_name(self) -> str:
        writer = self.summary.written_by if self.summary else None
        person = getattr(writer, "person", None) if writer else None
        return person.name if person else ""

    @property
    def status_label(self) -> str:
        if self.signed:
            return str(_("已评鉴"))
        return str(_("已填写")) if self.summary else str(_("未填写"))


def summary_rows(*, user: User, year: int, quarter: int, today: datetime.date) -> list[SummaryRow]:
    """The unit head's appraisees for a quarter: the appraisees of the year's cycles who are in a unit the user
    heads, and anyone whose summary of the quarter was written in such a unit (they may have moved since)."""
    units = scope_for(user).units_for(Role.UNIT_HEAD)
    appraised = Appraisee.objects.filter(cycle__year=year, person__unit_id__in=units).values("person_id")
    summarised = QuarterlySummary.objects.filter(year=year, quarter=quarter, unit_id__in=units).values("person_id")
    people = list(
        Person.objects.filter(Q(pk__in=appraised) | Q(pk__in=summarised))
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id", "name_initials", "id")
    )
    ids = [p.pk for p in people]
    summaries = {
        s.person_id: s
        for s in QuarterlySummary.objects.filter(person_id__in=ids, year=year, quarter=quarter).select_related(
            "written_by__person"
        )
    }
    logs: dict[tuple[int, int], MonthlyLog] = {
        (log.person_id, log.month): log
        for log in MonthlyLog.objects.filter(person_id__in=ids, year=year, month__in=quarter_months(quarter)).only(
            "person_id", "month", "status", "is_late"
        )
    }
    signed = set(
        Rating.objects.filter(summary_signed_q(year, quarter), person_id__in=ids).values_list("person_id", flat=True)
    )
    return [
        SummaryRow(
            person=person,
            summary=summaries.get(person.pk),
            months=[
                (m, log_deadline(log=logs.get((person.pk, m)), year=year, month=m, today=today))
                for m in quarter_months(quarter)
            ],
            signed=person.pk in signed,
            writable=person.unit_id in units and person.pk not in signed,
        )
        for person in people
    ]
