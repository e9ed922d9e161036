"""Reads of 群众评议 (DOMAIN.md §7): the statistics sheet, the results of a round by subject, rectifications due.

The statistics sheet (群众评议相关数据统计单) has exactly the six items of the fourth document of `003_…`, computed
from the records of one round for an organisation of the round's subtree (a branch, or a committee with its
branches); nothing in it is typed in as a total.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import PartyOrganization
from members.selectors import members_on

from .mass import PENDING, member_branch_ids
from .models import (
    Answer,
    MassActivity,
    MassEvaluationRound,
    OrganisationalTalk,
    PublicServiceItem,
    Rectification,
    Satisfaction,
    SelfIntroduction,
)
from .results import PollResults, SubjectResult, poll_results

AT_LEAST_BASIC = (Satisfaction.SATISFIED, Satisfaction.BASIC)


@dataclass(frozen=True)
class StatisticsSheet:
    """The six items, in the order and wording of the form."""

    round: MassEvaluationRound
    organization: PartyOrganization
    # 1. branches evaluated, of them 基本满意 or better, and 满意; members in total, evaluated, and the same two.
    branches_evaluated: int
    branches_at_least_basic: int
    branches_satisfied: int
    members_total: int
    members_evaluated: int
    members_at_least_basic: int
    members_satisfied: int
    # 2. evaluation meetings and the public taking part (ballots cast on the subjects of this organisation).
    meetings: int
    participants: int
    # 3. the other methods.
    visits: int
    talks: int
    forums: int
    opinion_forms: int
    # 4. leaders reporting on the activity (persons) and people sent by the upper level (person-times).
    leader_reports: int
    upper_attendance: int
    # 5. members who introduced their part in the activity.
    self_introductions: int
    # 6. things done for the public.
    public_services: int


def round_results(mass_round: MassEvaluationRound) -> PollResults:
    """The round's poll results; ResultsHidden before the round closes."""
    return poll_results(mass_round.poll)


def _subtree(organization: PartyOrganization) -> set[int]:
    return PartyOrganization.objects.subtree_ids([organization.pk])


def subjects_in(
    results: PollResults, organization: PartyOrganization
) -> tuple[list[SubjectResult], list[SubjectResult]]:
    """The branch subjects and the member subjects of the organisation's subtree."""
    scope = _subtree(organization)
    branches = [s for s in results.subjects if s.subject.organization_id in scope]
    person_ids = {s.subject.person_id for s in results.subjects if s.subject.person_id is not None}
    branch_of = member_branch_ids(person_ids)
    members = [
        s for s in results.subjects if s.subject.person_id is not None and branch_of.get(s.subject.person_id) in scope
    ]
    return branches, members


def _activity_totals(mass_round: MassEvaluationRound, scope: set[int]) -> dict[str, int]:
    rows = (
        MassActivity.objects.filter(round=mass_round, organization_id__in=scope)
        .values("kind")
        .annotate(total=Sum("count"))
    )
    return {row["kind"]: row["total"] for row in rows}


def statistics_sheet(mass_round: MassEvaluationRound, organization: PartyOrganization) -> StatisticsSheet:
    """The six items of the statistics sheet for the organisation's part of a closed round (§7)."""
    results = round_results(mass_round)
    scope = _subtree(organization)
    branches, members = subjects_in(results, organization)
    evaluated_branches = [s for s in branches if s.valid > 0]
    evaluated_members = [s for s in members if s.valid > 0]
    subject_ids = [s.subject.pk for s in branches + members]
    participants = (
        Answer.objects.filter(ballot__poll_id=mass_round.poll_id, subject_id__in=subject_ids)
        .values("ballot_id")
        .distinct()
        .count()
    )
    totals = _activity_totals(mass_round, scope)
    on_date = timezone.localtime(mass_round.poll.closed_at).date()
    member_ids = {s.subject.person_id for s in members}
    kind = MassActivity.Kind
    return StatisticsSheet(
        round=mass_round,
        organization=organization,
        branches_evaluated=len(evaluated_branches),
        branches_at_least_basic=sum(1 for s in evaluated_branches if s.verdict in AT_LEAST_BASIC),
        branches_satisfied=sum(1 for s in evaluated_branches if s.verdict == Satisfaction.SATISFIED),
        members_total=members_on(organization_ids=scope, on_date=on_date).count(),
        members_evaluated=len(evaluated_members),
        members_at_least_basic=sum(1 for s in evaluated_members if s.verdict in AT_LEAST_BASIC),
        members_satisfied=sum(1 for s in evaluated_members if s.verdict == Satisfaction.SATISFIED),
        meetings=totals.get(kind.MEETING, 0),
        participants=participants,
        visits=totals.get(kind.VISIT, 0),
        talks=totals.get(kind.TALK, 0),
        forums=totals.get(kind.FORUM, 0),
        opinion_forms=totals.get(kind.OPINION_FORM, 0),
        leader_reports=totals.get(kind.LEADER_REPORT, 0),
        upper_attendance=totals.get(kind.UPPER_ATTENDANCE, 0),
        self_introductions=SelfIntroduction.objects.filter(round=mass_round, person_id__in=member_ids).count(),
        public_services=PublicServiceItem.objects.filter(round=mass_round, organization_id__in=scope).count(),
    )


def rectifications_attention(*, user, today: datetime.date | None = None) -> QuerySet[Rectification]:
    """Rectifications that need someone to act, for the secretary's and the officer's pages: past the deadline and
    still open, waiting for a required organisational talk, or past the re-evaluation date without one."""
    today = today or timezone.localdate()
    talked = OrganisationalTalk.objects.values("rectification_id")
    return (
        Rectification.objects.visible_to(user)
        .filter(
            Q(status=Rectification.Status.OPEN, deadline__lt=today)
            | (Q(previous__isnull=False, status=Rectification.Status.OPEN) & ~Q(pk__in=talked))
            | Q(status__in=PENDING, reevaluation_result="", reevaluation_due__lt=today)
        )
        .select_related("round__organization", "person", "organization")
        .order_by("deadline", "id")
    )


def sheet_figures(sheet: StatisticsSheet) -> list[tuple[int, str, int]]:
    """Every figure of the six items, in the form's order: (item, label, value)."""
    return [
        (1, _("被评议的党支部（总支）数"), sheet.branches_evaluated),
        (1, _("群众评议为“基本满意”（含）以上的党支部数"), sheet.branches_at_least_basic),
        (1, _("其中“满意”（含）以上的党支部数"), sheet.branches_satisfied),
        (1, _("党员总数"), sheet.members_total),
        (1, _("被评议的党员数"), sheet.members_evaluated),
        (1, _("群众评议为“基本满意”（含）以上的党员数"), sheet.members_at_least_basic),
        (1, _("其中“满意”（含）以上的党员数"), sheet.members_satisfied),
        (2, _("召开群众评议会议总数（个）"), sheet.meetings),
        (2, _("参加评议的群众总数（人）"), sheet.participants),
        (3, _("走访调研（次）"), sheet.visits),
        (3, _("个别谈话（个）"), sheet.talks),
        (3, _("座谈交流（次）"), sheet.forums),
        (3, _("发放征求意见表（张）"), sheet.opinion_forms),
        (4, _("主要负责人通报活动开展情况（人）"), sheet.leader_reports),
        (4, _("上级党组织指派人参加评议（人次）"), sheet.upper_attendance),
        (5, _("自我介绍参加活动情况的党员总数（人）"), sheet.self_introductions),
        (6, _("为群众办实事、做好事、解难事（件/项）"), sheet.public_services),
    ]
