"""What each role has to do now, for the home page: built from the same selectors as the pages they link to."""

import datetime
from dataclasses import dataclass

from core.roles import Role
from members.models import Person
from members.scopes import scope_for

from .feedback import my_results
from .models import MonthlyLog
from .selectors_logs import Deadline, inbox, log_deadline
from .selectors_signing import leader_home


@dataclass(frozen=True)
class HomeTasks:
    own_deadline: Deadline | None
    unacknowledged: int
    inbox_counts: dict[str, int] | None
    to_sign: int | None


def home_tasks(*, user, today: datetime.date) -> HomeTasks:
    scope = scope_for(user)
    own_deadline = None
    unacknowledged = 0
    if scope.person_id is not None:
        person = Person.objects.get(pk=scope.person_id)
        log = MonthlyLog.objects.filter(person=person, year=today.year, month=today.month).first()
        own_deadline = log_deadline(log=log, year=today.year, month=today.month, today=today)
        unacknowledged = sum(1 for result in my_results(user=user) if not result.acknowledged)
    inbox_counts = None
    if scope.units_for(Role.UNIT_HEAD):
        month_inbox = inbox(user=user, year=today.year, month=today.month, today=today)
        inbox_counts = {
            "submitted_uncommented": sum(
                1 for row in month_inbox.rows if row.log is not None and row.log.status == "submitted"
                and not row.log.unit_head_comment
            ),
            "overdue": sum(1 for row in month_inbox.rows if row.deadline.overdue),
            "total": len(month_inbox.rows),
        }  # fmt: skip
    to_sign = None
    if scope.has_role(Role.LEADER) or scope.has_role(Role.PRINCIPAL_LEADER):
        to_sign = sum(period.to_sign for entry in leader_home(user=user, today=today) for period in entry.periods
                      if period.is_open)  # fmt: skip
    return HomeTasks(own_deadline, unacknowledged, inbox_counts, to_sign)
