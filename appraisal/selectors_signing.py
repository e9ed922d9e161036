"""Reads for the leader's signing pages (DOMAIN.md §5): which groups and periods a user signs, and the rows of one
group's signing page. Each read takes a fixed number of queries whatever the size of the group, so that the page
of a group of 200 costs the same queries as one of 5.

Who rates an appraisee follows appraisal.services.signing_principal: the appraisee's own rating leader (named when
the group's leader is recused) or else the group's leader, or whoever acts for that leader by a current delegation
(代签). Recusal (回避) follows appraisal.services.is_recused, computed here for all rows at once.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import User
from core.workdays import CalendarDay
from members.models import Person

from .models import (
    AppraisalGroup,
    Appraisee,
    Cycle,
    Delegation,
    Grade,
    Kinship,
    LogStatus,
    MonthlyLog,
    QuarterlySummary,
    Rating,
    RuleSet,
)
from .rules import excellent_quota, rules_for_year
from .services import SUMMARY_FIELDS, period_end, quarter_months, rating_verify

QUARTER_LABELS = {
    1: gettext_lazy("第一季度"),
    2: gettext_lazy("第二季度"),
    3: gettext_lazy("第三季度"),
    4: gettext_lazy("第四季度"),
}
HALF_YEAR_LABELS = {1: gettext_lazy("上半年"), 2: gettext_lazy("下半年")}


def period_label(cycle: Cycle, period: int) -> str:
    labels = HALF_YEAR_LABELS if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED else QUARTER_LABELS
    return _("%(year)d年%(period)s") % {"year": cycle.year, "period": labels[period]}


def period_months(cycle: Cycle, period: int) -> list[int]:
    if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED:
        return list(range(period * 6 - 5, period * 6 + 1))
    return quarter_months(period)


def summary_quarter(cycle: Cycle, period: int) -> int:
    """The quarter whose summary the leader reads and signs (the half-year's last quarter in the scored variant),
    as in appraisal.services.group_sign."""
    return period * 2 if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED else period


def current_delegations(*, user: User, today: datetime.date) -> dict[int, Delegation]:
    """The leaders `user` signs for today by delegation (代签), by leader id."""
    delegations = (
        Delegation.objects.filter(acting=user, starts_on__lte=today, ends_on__gte=today)
        .select_related("leader__person")
        .order_by("ends_on")
    )
    return {d.leader_id: d for d in delegations}


def signing_groups(*, user: User, delegations: dict[int, Delegation]) -> QuerySet[AppraisalGroup]:
    """Groups in which `user` rates someone: as their leader, as the rating leader named for a recused
    appraisee, or for either of them by delegation. Any other group does not exist for the signing pages (404)."""
    signers = [user.pk, *delegations]
    return (
        AppraisalGroup.objects.filter(Q(leader_id__in=signers) | Q(appraisees__rating_leader_id__in=signers))
        .distinct()
        .select_related("cycle", "leader__person")
    )


class _Recusal:
    """is_recused for many (leader, person) pairs in two queries: a leader may not rate themself or a relative."""

    def __init__(self, leader_ids: Iterable[int]) -> None:
        self.own = dict(Person.objects.filter(user_id__in=set(leader_ids)).values_list("user_id", "pk"))
        self.kin: set[frozenset[int]] = set()
        if self.own:
            own_ids = list(self.own.values())
            pairs = Kinship.objects.filter(Q(person_id__in=own_ids) | Q(relative_id__in=own_ids))
            self.kin = {frozenset(pair) for pair in pairs.values_list("person_id", "relative_id")}

    def __call__(self, leader_id: int, person_id: int) -> bool:
        own = self.own.get(leader_id)
        return own is not None and (own == person_id or frozenset((own, person_id)) in self.kin)


class RowAppraisee(NamedTuple):
    """What a row shows of an appraisee, as the database returns it: a group of 200 need not load 200 birth dates
    and ID numbers, nor build 600 model instances (appraisee, person and unit), to show their names."""

    pk: int
    group_id: int
    person_id: int
    rating_leader_id: int | None
    name: str
    position: str
    unit_name: str
    rating_leader_person_name: str | None
    rating_leader_username: str | None

    @property
    def rating_leader_name(self) -> str:
        return self.rating_leader_person_name or self.rating_leader_username or ""


ROW_APPRAISEE_FIELDS = (
    "pk",
    "group_id",
    "person_id",
    "rating_leader_id",
    "person__name",
    "person__position",
    "person__unit__name",
    "rating_leader__person__name",
    "rating_leader__username",
)


@dataclass
class _Placement:
    """How one appraisee of a group stands towards the user: rated by them, or by another leader (回避)."""

    appraisee: Appraisee | RowAppraisee
    principal_id: int | None  # the leader on whose authority the user rates; None when another leader rates
    recused: bool
    other_leader_id: int | None  # the rating leader who rates instead of the user's principal


def _place(
    user: User,
    group: AppraisalGroup,
    appraisees: Iterable[Appraisee | RowAppraisee],
    delegations: dict[int, Delegation],
) -> list[_Placement]:
    """The rows the user sees in a group, recusal not yet checked."""
    signers = {user.pk, *delegations}  # the user, and the leaders they sign for
    group_leader_id = group.leader_id
    placements = []
    for appraisee in appraisees:
        leader_id = appraisee.rating_leader_id or group_leader_id
        if leader_id in signers:
            placements.append(_Placement(appraisee, leader_id, False, None))
        elif appraisee.rating_leader_id and group_leader_id in signers:
            placements.append(_Placement(appraisee, None, True, appraisee.rating_leader_id))
    return placements


def _placements(
    user: User,
    groups: Sequence[AppraisalGroup],
    appraisees: Iterable[Appraisee | RowAppraisee],
    delegations: dict[int, Delegation],
) -> dict[int, list[_Placement]]:
    by_group: dict[int, list[Appraisee | RowAppraisee]] = defaultdict(list)
    for appraisee in appraisees:
        by_group[appraisee.group_id].append(appraisee)
    placed = {group.pk: _place(user, group, by_group[group.pk], delegations) for group in groups}
    rated = [row for rows in placed.values() for row in rows if row.principal_id is not None]
    recusal = _Recusal(row.principal_id for row in rated)
    for row in rated:
        row.recused = recusal(row.principal_id, row.appraisee.person_id)
    return placed


# ---- The leader's home: groups and periods to sign ----------------------------------------------------------


class Status:
    PENDING = "pending"
    PARTIAL = "partial"
    SIGNED = "signed"

    LABELS = {PENDING: gettext_lazy("待签"), PARTIAL: gettext_lazy("部分已签"), SIGNED: gettext_lazy("已签")}


def _status(signed: int, total: int) -> str:
    if signed == 0:
        return Status.PENDING
    return Status.SIGNED if signed >= total else Status.PARTIAL


@dataclass(frozen=True)
class PeriodEntry:
    period: int
    label: str
    ends_on: CalendarDay
    is_open: bool
    signed: int
    total: int
    status: str
    to_sign: int  # still to be signed by the user (not recused, not yet signed)

    @property
    def status_label(self) -> str:
        return str(Status.LABELS[self.status])


@dataclass(frozen=True)
class GroupEntry:
    group: AppraisalGroup
    capacities: list[str]
    rated: int  # appraisees the user rates
    recused: int  # appraisees shown as 回避
    periods: list[PeriodEntry]


def display_name(user: User) -> str:
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def _capacities(
    user: User, group: AppraisalGroup, rows: list[_Placement], delegations: dict[int, Delegation]
) -> list[str]:
    labels = []
    if group.leader_id == user.pk:
        labels.append(_("评鉴领导"))
    own_recusals = sum(1 for r in rows if r.principal_id == user.pk and r.appraisee.rating_leader_id == user.pk)
    if own_recusals:
        labels.append(_("回避情形下指定评鉴 %(n)d 人") % {"n": own_recusals})
    for leader_id in sorted({r.principal_id for r in rows if r.principal_id in delegations}):
        delegation = delegations[leader_id]
        labels.append(
            _("代签：代 %(leader)s 签署（至 %(until)s，%(reason)s）")
            % {
                "leader": display_name(delegation.leader),
                "until": delegation.ends_on.isoformat(),
                "reason": delegation.reason,
            }
        )
    return labels


def leader_home(*, user: User, today: datetime.date) -> list[GroupEntry]:
    """Every group and period the user signs, with its status over the appraisees shown on its page (those the
    user rates and those rated instead by another leader): 待签, 部分已签 or 已签."""
    delegations = current_delegations(user=user, today=today)
    groups = list(signing_groups(user=user, delegations=delegations).order_by("-cycle__year", "cycle__name", "name"))
    appraisees = Appraisee.objects.filter(group__in=groups).only("id", "group_id", "person_id", "rating_leader_id")
    placed = _placements(user, groups, appraisees, delegations)
    rated = set(Rating.objects.filter(group__in=groups).values_list("group_id", "period", "appraisee_id").distinct())
    entries = []
    for group in groups:
        rows = placed[group.pk]
        periods = []
        for period in group.cycle.periods:
            ends_on = period_end(group.cycle, period)
            signed = sum(1 for r in rows if (group.pk, period, r.appraisee.pk) in rated)
            to_sign = sum(
                1
                for r in rows
                if r.principal_id is not None and not r.recused and (group.pk, period, r.appraisee.pk) not in rated
            )
            periods.append(
                PeriodEntry(
                    period=period,
                    label=period_label(group.cycle, period),
                    ends_on=ends_on,
                    is_open=today >= ends_on.day,
                    signed=signed,
                    total=len(rows),
                    status=_status(signed, len(rows)),
                    to_sign=to_sign,
                )
            )
        entries.append(
            GroupEntry(
                group=group,
                capacities=_capacities(user, group, rows, delegations),
                rated=sum(1 for r in rows if r.principal_id is not None and not r.recused),
                recused=sum(1 for r in rows if r.recused),
                periods=periods,
            )
        )
    return entries


# ---- One group's signing page --------------------------------------------------------------------------------


def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of users in one query, for rows that would otherwise load a user and a person each."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    return {
        pk: name or username
        for pk, name, username in User.objects.filter(pk__in=ids).values_list("pk", "person__name", "username")
    }


class SignedRating(NamedTuple):
    """One signed revision of a rating as the signing page reads it, as the database returns it: 200 Rating
    instances would cost a group's page more than the rest of their rows. The fields are those a signature covers
    (appraisal.services.signed_content), which appraisal.services.rating_verify checks as it checks a Rating."""

    pk: int
    appraisee_id: int
    person_id: int
    year: int
    period: int
    revision: int
    grade: str
    score: Decimal | None
    opinion: str
    signed_by_id: int
    on_behalf_of_id: int | None
    signed_at: datetime.datetime
    signed_content: dict
    content_hash: str
    revision_reason: str


@dataclass(frozen=True)
class RevisionLine:
    """One signed revision in a rating's history: who, for whom when by delegation (代签), when, why."""

    rating: Rating | SignedRating
    signer: str
    on_behalf_of: str

    @property
    def label(self) -> str:
        if not self.on_behalf_of:
            return self.signer
        return _("%(signer)s（代 %(leader)s 签署）") % {"signer": self.signer, "leader": self.on_behalf_of}


def _revision_lines(ratings: Sequence[Rating | SignedRating], names: dict[int, str]) -> list[RevisionLine]:
    return [
        RevisionLine(r, names.get(r.signed_by_id, ""), names.get(r.on_behalf_of_id, "") if r.on_behalf_of_id else "")
        for r in ratings
    ]


@dataclass(frozen=True)
class SummaryText:
    """The quarterly summary the leader reads: the stored one before signing, the signed text after."""

    duties: str
    tasks_completed: str
    attendance: str
    unfinished_explanation: str
    signed: bool


@dataclass(frozen=True)
class LogCell:
    """One month's log status on a row: 已提交 (green), 逾期提交 (orange), or a draft or none (grey)."""

    month: int
    label: str
    css: str


def _log_cells(months: list[int]) -> dict[tuple[int, str, bool], LogCell]:
    """The few cells a row can show, by (month, status, late); status "" when there is no log."""
    labels = {value: str(label) for value, label in LogStatus.choices}
    cells = {}
    for month in months:
        cells[month, "", False] = LogCell(month, _("未填写"), "text-muted")
        for status, label in labels.items():
            css = "text-muted" if status == LogStatus.DRAFT else "text-success"
            cells[month, status, False] = LogCell(month, label, css)
            cells[month, status, True] = cells[month, status, False]
        cells[month, LogStatus.SUBMITTED, True] = LogCell(month, _("逾期提交"), "text-warning-emphasis")
    return cells


@dataclass
class SigningRow:
    appraisee: RowAppraisee
    principal: User | None
    recused: bool
    other_leader: str | None  # display name of the rating leader who rates instead of the user's principal
    history: list[RevisionLine] = field(default_factory=list)
    summary: SummaryText | None = None
    logs: list[LogCell] = field(default_factory=list)

    @property
    def rating(self) -> SignedRating | None:
        return self.history[-1].rating if self.history else None

    @property
    def signature(self) -> RevisionLine | None:
        return self.history[-1] if self.history else None

    @property
    def signable(self) -> bool:
        """Still to be signed by the user: rated by them, not recused, not yet signed."""
        return self.principal is not None and not self.recused and not self.history

    @property
    def revisable(self) -> bool:
        return self.principal is not None and not self.recused and bool(self.history)

    @property
    def verified(self) -> bool | None:
        return None if self.rating is None else rating_verify(self.rating)


@dataclass(frozen=True)
class SigningPage:
    group: AppraisalGroup
    period: int
    label: str
    ends_on: CalendarDay
    is_open: bool
    rows: list[SigningRow]
    rules: RuleSet
    appraised: int  # everyone in the group, the base of the quota
    quota: int
    # 优秀 already signed in the group (by anyone), against which the grades typed on the page count.
    excellent_signed: int
    delegations: list[Delegation]
    status: str

    @property
    def scored(self) -> bool:
        return self.group.cycle.kind == Cycle.Kind.HALF_YEAR_SCORED

    @property
    def signable_rows(self) -> list[SigningRow]:
        return [r for r in self.rows if r.signable]

    @property
    def blocked_rows(self) -> list[SigningRow]:
        """Rated by the user's principal but recused, with no other leader named yet: the group cannot be signed
        until the organisation officer names one."""
        return [r for r in self.rows if r.principal is not None and r.recused and not r.history]

    @property
    def status_label(self) -> str:
        return str(Status.LABELS[self.status])


def _row_appraisees(group: AppraisalGroup) -> list[RowAppraisee]:
    rows = group.appraisees.order_by("person__name", "pk").values_list(*ROW_APPRAISEE_FIELDS)
    return list(map(RowAppraisee._make, rows))


def signing_page(
    *, group: AppraisalGroup, period: int, user: User, today: datetime.date, delegations: dict[int, Delegation]
) -> SigningPage:
    """The rows of a group's signing page for a period: each appraisee the user rates, with summary, logs and the
    signed revisions, and those rated by another leader (回避)."""
    cycle = group.cycle
    appraisees = _row_appraisees(group)
    placements = _placements(user, [group], appraisees, delegations)[group.pk]
    users = {user.pk: user, group.leader_id: group.leader}
    users.update({d.leader_id: d.leader for d in delegations.values()})

    ratings = Rating.objects.filter(group=group, year=cycle.year, period=period)
    revisions: dict[int, list[SignedRating]] = defaultdict(list)
    for values in ratings.order_by("appraisee_id", "revision").values_list(*SignedRating._fields):
        rating = SignedRating._make(values)
        revisions[rating.appraisee_id].append(rating)
    names = user_names(
        pk for revised in revisions.values() for r in revised for pk in (r.signed_by_id, r.on_behalf_of_id)
    )
    # The stored summaries of those not yet signed: a signed row shows the text its signature covers.
    summaries = {
        person_id: SummaryText(**dict(zip(SUMMARY_FIELDS, text, strict=True)), signed=False)
        for person_id, *text in QuarterlySummary.objects.filter(
            person__appraisals__group=group, year=cycle.year, quarter=summary_quarter(cycle, period)
        )
        .exclude(
            Exists(
                Rating.objects.filter(
                    person_id=OuterRef("person_id"), year=cycle.year, period=period, appraisee__group=group
                )
            )
        )
        .values_list("person_id", *SUMMARY_FIELDS)
    }
    months = period_months(cycle, period)
    cells = _log_cells(months)
    logs = {
        (person_id, month): cells[month, status, is_late]
        for person_id, month, status, is_late in MonthlyLog.objects.filter(
            person__appraisals__group=group, year=cycle.year, month__in=months
        )
        .order_by()
        .values_list("person_id", "month", "status", "is_late")
    }

    rows = []
    for placement in placements:
        appraisee = placement.appraisee
        person_id = appraisee.person_id
        history = _revision_lines(revisions.get(appraisee.pk, []), names)
        rows.append(
            SigningRow(
                appraisee=appraisee,
                principal=users.get(placement.principal_id) if placement.principal_id else None,
                recused=placement.recused,
                other_leader=appraisee.rating_leader_name if placement.other_leader_id else None,
                history=history,
                summary=_signed_summary(history[-1].rating) if history else summaries.get(person_id),
                logs=[logs.get((person_id, m)) or cells[m, "", False] for m in months],
            )
        )
    rules = rules_for_year(cycle.year)
    current = [history[-1] for history in revisions.values()]
    ends_on = period_end(cycle, period)
    signed = sum(1 for r in rows if r.history)
    return SigningPage(
        group=group,
        period=period,
        label=period_label(cycle, period),
        ends_on=ends_on,
        is_open=today >= ends_on.day,
        rows=rows,
        rules=rules,
        appraised=len(appraisees),
        quota=excellent_quota(len(appraisees), rules),
        excellent_signed=sum(1 for r in current if r.grade == Grade.EXCELLENT),
        delegations=[d for leader_id, d in delegations.items() if any(r.principal_id == leader_id for r in placements)],
        status=_status(signed, len(rows)),
    )


def _signed_summary(rating: SignedRating) -> SummaryText | None:
    text = rating.signed_content.get("summary")
    if text is None:
        return None
    return SummaryText(**{name: text.get(name, "") for name in SUMMARY_FIELDS}, signed=True)


@dataclass(frozen=True)
class RevisionQuota:
    """For a correction: 优秀 among the group's other current ratings of the period, against the quota."""

    excellent_elsewhere: int
    quota: int
    rules: RuleSet


def revision_quota(rating: Rating) -> RevisionQuota:
    latest: dict[int, str] = {}
    for appraisee_id, grade in (
        Rating.objects.filter(group_id=rating.group_id, year=rating.year, period=rating.period)
        .order_by("revision")
        .values_list("appraisee_id", "grade")
    ):
        latest[appraisee_id] = grade
    latest.pop(rating.appraisee_id, None)
    rules = rules_for_year(rating.year)
    return RevisionQuota(
        excellent_elsewhere=sum(1 for grade in latest.values() if grade == Grade.EXCELLENT),
        quota=excellent_quota(Appraisee.objects.filter(group_id=rating.group_id).count(), rules),
        rules=rules,
    )


def rating_history(rating: Rating) -> list[RevisionLine]:
    """Every revision of the rating's appraisee and period, oldest first."""
    ratings = list(
        Rating.objects.filter(appraisee_id=rating.appraisee_id, year=rating.year, period=rating.period).order_by(
            "revision"
        )
    )
    return _revision_lines(ratings, user_names(pk for r in ratings for pk in (r.signed_by_id, r.on_behalf_of_id)))


@dataclass(frozen=True)
class AppraiseeLogs:
    """The monthly logs of the period for one appraisee the user rates, and whom else they rate in the group."""

    appraisee: Appraisee
    months: list[tuple[int, MonthlyLog | None]]
    rated: list[Appraisee]

    @property
    def previous(self) -> Appraisee | None:
        index = self.rated.index(self.appraisee)
        return self.rated[index - 1] if index > 0 else None

    @property
    def next(self) -> Appraisee | None:
        index = self.rated.index(self.appraisee)
        return self.rated[index + 1] if index + 1 < len(self.rated) else None


def appraisee_logs(
    *, group: AppraisalGroup, period: int, user: User, appraisee_id: int, delegations: dict[int, Delegation]
) -> AppraiseeLogs | None:
    """None unless the user rates this appraisee: a log is read here on the signing leader's authority, whose role
    may cover no unit of the appraisee (MonthlyLog.visible_to does not apply)."""
    appraisees = group.appraisees.select_related("person__unit").order_by("person__name", "pk")
    placements = _placements(user, [group], appraisees, delegations)[group.pk]
    rated = [p.appraisee for p in placements if p.principal_id is not None]
    appraisee = next((a for a in rated if a.pk == appraisee_id), None)
    if appraisee is None:
        return None
    months = period_months(group.cycle, period)
    logs = {
        log.month: log
        for log in MonthlyLog.objects.filter(person_id=appraisee.person_id, year=group.cycle.year, month__in=months)
        .select_related("unit", "commented_by__person")
        .prefetch_related("tasks")
    }
    return AppraiseeLogs(appraisee=appraisee, months=[(m, logs.get(m)) for m in months], rated=rated)
