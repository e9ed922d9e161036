"""Daily reminders of the routine appraisal (issue 4 item 7, DOMAIN.md §5 and §9).

On each working day of China's calendar (never on a weekend or holiday, always on an adjusted working Saturday):
- appraisees whose log of this month is not submitted and due within 3 working days, or whose log of last month
  is overdue (missing or not submitted after its due date); only people appraised in a cycle of the log's year;
- unit heads with submitted logs of this or last month still without a comment (月评), and, in the last month of a
  quarter, appraisees of their units without a quarterly summary;
- leaders (and whoever acts for them by a current delegation) with ratings to sign for a period that has reached
  its last working day.

Each reminder is a Notification keyed by reason and date, so a second run on the same day sends nothing twice,
and an email when the user has an address (EMAIL_BACKEND decides where mail goes).
"""

import datetime
import logging
import smtplib
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from branches.models import Unit
from core.audit import audit_record
from core.models import User
from core.roles import Role
from core.workdays import last_working_day_of_quarter, working_day, working_days_between
from members.models import Person, RoleAssignment

from .models import Appraisee, Cycle, Delegation, LogStatus, MonthlyLog, Notification, QuarterlySummary, Rating
from .services import log_due_date, period_end

logger = logging.getLogger(__name__)

# A log is announced this many working days before its due date (issue 4 item 7).
DUE_SOON_WORKING_DAYS = 3
MESSAGE_MAX = 300


class Reason:
    LOG_DUE = "log_due"
    LOG_OVERDUE = "log_overdue"
    LOGS_TO_COMMENT = "logs_to_comment"
    SUMMARIES_DUE = "summaries_due"
    RATINGS_TO_SIGN = "ratings_to_sign"


@dataclass(frozen=True)
class Reminder:
    user_id: int
    reason: str
    message: str
    link: str


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _appraisee_users_without_submitted_log(year: int, month: int) -> list[int]:
    """The user ids of people appraised in a cycle of `year` whose log of the month is not submitted."""
    submitted = MonthlyLog.objects.filter(person_id=OuterRef("pk"), year=year, month=month, status=LogStatus.SUBMITTED)
    return list(
        Person.objects.filter(
            pk__in=Appraisee.objects.filter(cycle__year=year).values("person_id"),
            user__isnull=False,
            user__is_active=True,
        )
        .filter(~Exists(submitted))
        .values_list("user_id", flat=True)
    )


def log_reminders(today: datetime.date) -> list[Reminder]:
    reminders = []
    due = log_due_date(today.year, today.month).day
    if today <= due:
        left = working_days_between(today, due)
        if left <= DUE_SOON_WORKING_DAYS:
            if left:
                message = _("您%(y)d年%(m)d月的月工作记实须在 %(due)s 前提交，还有 %(n)d 个工作日。")
            else:
                message = _("您%(y)d年%(m)d月的月工作记实今天（%(due)s）截止，请及时提交。")
            text = message % {"y": today.year, "m": today.month, "due": due.isoformat(), "n": left}
            link = reverse("appraisal:my_log", args=[today.year, today.month])
            reminders += [
                Reminder(user_id, Reason.LOG_DUE, text, link)
                for user_id in _appraisee_users_without_submitted_log(today.year, today.month)
            ]
    # Last month's due date (its last working day) has always passed by now.
    year, month = _previous_month(today.year, today.month)
    text = _("您%(y)d年%(m)d月的月工作记实已逾期（截止日 %(due)s），请尽快提交。") % {
        "y": year,
        "m": month,
        "due": log_due_date(year, month).day.isoformat(),
    }
    link = reverse("appraisal:my_log", args=[year, month])
    reminders += [
        Reminder(user_id, Reason.LOG_OVERDUE, text, link)
        for user_id in _appraisee_users_without_submitted_log(year, month)
    ]
    return reminders


def _unit_heads() -> dict[int, frozenset[int]]:
    """Unit-head user id → the units (with subtrees) they head."""
    roots: dict[int, set[int]] = defaultdict(set)
    for user_id, unit_id in RoleAssignment.objects.filter(
        role=Role.UNIT_HEAD, user__is_active=True, unit__isnull=False
    ).values_list("user_id", "unit_id"):
        roots[user_id].add(unit_id)
    return {user_id: frozenset(Unit.objects.subtree_ids(units)) for user_id, units in roots.items()}


def unit_head_reminders(today: datetime.date) -> list[Reminder]:
    heads = _unit_heads()
    if not heads:
        return []
    previous = _previous_month(today.year, today.month)
    uncommented = Counter(
        dict(
            MonthlyLog.objects.filter(
                Q(year=today.year, month=today.month) | Q(year=previous[0], month=previous[1]),
                status=LogStatus.SUBMITTED,
                unit_head_comment="",
            )
            .values("unit_id")
            .annotate(n=Count("pk"))
            .values_list("unit_id", "n")
        )
    )
    missing_summaries: Counter[int] = Counter()
    quarter = (today.month - 1) // 3 + 1
    if today.month % 3 == 0:
        missing_summaries = Counter(
            dict(
                Appraisee.objects.filter(cycle__year=today.year)
                .filter(
                    ~Exists(
                        QuarterlySummary.objects.filter(
                            person_id=OuterRef("person_id"), year=today.year, quarter=quarter
                        )
                    )
                )
                .values(unit_id=F("person__unit_id"))
                .annotate(n=Count("person_id", distinct=True))
                .values_list("unit_id", "n")
            )
        )
    quarter_end = last_working_day_of_quarter(today.year, quarter).day
    reminders = []
    for user_id, units in heads.items():
        logs = sum(n for unit_id, n in uncommented.items() if unit_id in units)
        if logs:
            text = _("您负责的部门有 %(n)d 份已提交的月工作记实尚未写月评。") % {"n": logs}
            reminders.append(Reminder(user_id, Reason.LOGS_TO_COMMENT, text, reverse("appraisal:inbox")))
        summaries = sum(n for unit_id, n in missing_summaries.items() if unit_id in units)
        if summaries:
            text = _("%(y)d年第%(q)d季度尚有 %(n)d 人的季度小结未填写，领导将于 %(end)s 起签署评鉴，请在此前完成。") % {
                "y": today.year,
                "q": quarter,
                "n": summaries,
                "end": quarter_end.isoformat(),
            }
            reminders.append(Reminder(user_id, Reason.SUMMARIES_DUE, text, reverse("appraisal:summaries")))
    return reminders


def _period_label(cycle: Cycle, period: int) -> str:
    if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED:
        return _("%(y)d年%(half)s") % {"y": cycle.year, "half": _("上半年") if period == 1 else _("下半年")}
    return _("%(y)d年第%(q)d季度") % {"y": cycle.year, "q": period}


def leader_reminders(today: datetime.date) -> list[Reminder]:
    """Ratings not yet signed for periods (of this year's and last year's cycles) that have reached their end."""
    pending: dict[int, list[str]] = defaultdict(list)
    for cycle in Cycle.objects.filter(year__in=[today.year - 1, today.year]).order_by("year", "name"):
        for period in cycle.periods:
            if period_end(cycle, period).day > today:
                continue
            unsigned = (
                Appraisee.objects.filter(cycle=cycle)
                .filter(~Exists(Rating.objects.filter(appraisee_id=OuterRef("pk"), period=period)))
                .values(signer=Coalesce("rating_leader_id", "group__leader_id"), group_name=F("group__name"))
                .annotate(n=Count("pk"))
                .order_by("group_name")
            )
            for row in unsigned:
                pending[row["signer"]].append(
                    _("“%(group)s”%(period)s %(n)d 人")
                    % {
                        "group": row["group_name"],
                        "period": _period_label(cycle, period),
                        "n": row["n"],
                    }
                )
    if not pending:
        return []
    acting: dict[int, list[int]] = defaultdict(list)
    for leader_id, acting_id in Delegation.objects.filter(
        leader_id__in=pending, starts_on__lte=today, ends_on__gte=today
    ).values_list("leader_id", "acting_id"):
        acting[acting_id].append(leader_id)
    names = _user_names({*pending, *acting})
    active = set(User.objects.filter(pk__in=[*pending, *acting], is_active=True).values_list("pk", flat=True))
    link = reverse("appraisal:leader_home")
    parts: dict[int, list[str]] = defaultdict(list)
    for leader_id, items in pending.items():
        parts[leader_id].append(_("待您签署评鉴：%(items)s。") % {"items": "；".join(items)})
    for acting_id, leader_ids in acting.items():
        for leader_id in leader_ids:
            parts[acting_id].append(
                _("您受托代%(leader)s签署：%(items)s。")
                % {"leader": names[leader_id], "items": "；".join(pending[leader_id])}
            )
    return [
        Reminder(user_id, Reason.RATINGS_TO_SIGN, _truncate("".join(texts)), link)
        for user_id, texts in parts.items()
        if user_id in active
    ]


def _user_names(user_ids) -> dict[int, str]:
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    names.update(dict(Person.objects.filter(user_id__in=user_ids).values_list("user_id", "name")))
    return names


def _truncate(text: str) -> str:
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def reminders_due(*, today: datetime.date) -> list[Reminder]:
    """Everything to remind of on `today`, whatever was already sent."""
    return log_reminders(today) + unit_head_reminders(today) + leader_reminders(today)


def _email(user: User, notification: Notification) -> bool:
    try:
        send_mail(
            subject=_("【支部】考核提醒"),
            message=notification.message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    except (OSError, smtplib.SMTPException):
        # The in-app notification stands; a broken mail server must not stop the other reminders.
        logger.warning("reminder email to user %s failed", user.pk, exc_info=True)
        return False
    return True


def reminders_send(*, today: datetime.date) -> dict[str, int]:
    """Send today's reminders (see the module docstring); returns how many of each reason were sent, and emails.
    Nothing on a day that is not a working day; nothing twice for the same user, reason and day."""
    if not working_day(today)[0]:
        return {}
    reminders = reminders_due(today=today)
    keys = {f"{r.reason}:{today.isoformat()}" for r in reminders}
    sent = set(
        Notification.objects.filter(user_id__in={r.user_id for r in reminders}, key__in=keys).values_list(
            "user_id", "key"
        )
    )
    created: list[Notification] = []
    with transaction.atomic():
        for reminder in reminders:
            key = f"{reminder.reason}:{today.isoformat()}"
            if (reminder.user_id, key) in sent:
                continue
            try:
                with transaction.atomic():
                    created.append(
                        Notification.objects.create(
                            user_id=reminder.user_id, key=key, message=reminder.message, link=reminder.link
                        )
                    )
            except IntegrityError:
                continue  # another run sent it a moment ago
            sent.add((reminder.user_id, key))
        counts = dict(Counter(n.key.split(":", 1)[0] for n in created))
        if created:
            audit_record(
                actor=None,
                action="reminders.send",
                obj=None,
                summary=_("%(day)s 发送考核提醒 %(n)d 条") % {"day": today.isoformat(), "n": len(created)},
                data=counts,
            )
    users = {u.pk: u for u in User.objects.filter(pk__in={n.user_id for n in created}).exclude(email="")}
    counts["emails"] = sum(_email(users[n.user_id], n) for n in created if n.user_id in users)
    return counts
