"""Reads of the yearly party-review records (DOMAIN.md §7): leader commentaries, public commitments, star ratings
and secretaries' reports (双述双评), and the branch committee a record's rules refer to.

Every list is scoped by the user (the models' visible_to: the secretaries and officers covering the branch); a
member also sees their own public commitments. `commitments_for` is not scoped: it serves pages that are scoped
already, such as the mass-evaluation ballot of a round the participant holds a code for.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from branches.models import CommitteeMember, CommitteePost, CommitteeTerm, PartyOrganization
from members.models import Person
from members.scopes import scope_for
from members.selectors import members_on

from .models import LeaderCommentary, PublicCommitment, SecretaryReport, StarRating

# ---- Branches and their committees -------------------------------------------------------------------------------


def branches_for(user) -> QuerySet[PartyOrganization]:
    """The branches (党支部) whose records the user keeps or reads."""
    return PartyOrganization.objects.visible_to(user).branches().order_by("sort_order", "name")


def committee_in_force(*, organization_id: int, on: datetime.date) -> CommitteeTerm | None:
    """The committee elected last on or before the date: a later election replaces it (换届, §2)."""
    return (
        CommitteeTerm.objects.filter(organization_id=organization_id, elected_on__lte=on)
        .order_by("-elected_on")
        .first()
    )


def committee_posts(term: CommitteeTerm | None) -> dict[int, str]:
    """person id → post (CommitteePost) in the term; empty without a term."""
    if term is None:
        return {}
    return dict(CommitteeMember.objects.filter(term=term).values_list("person_id", "post"))


def secretary_of(term: CommitteeTerm | None) -> Person | None:
    if term is None:
        return None
    member = term.members.filter(post=CommitteePost.SECRETARY).select_related("person").first()
    return member.person if member else None


def branch_members(*, branch_id: int, on: datetime.date) -> QuerySet[Person]:
    """Party members (full and probationary) of the branch on the date."""
    memberships = members_on(organization_ids={branch_id}, on_date=on)
    return Person.objects.filter(membership__in=memberships).order_by("name_initials", "name", "pk")


def year_end_or_today(year: int) -> datetime.date:
    """The date a yearly record is judged on: 31 December, or today while the year runs."""
    return min(timezone.localdate(), datetime.date(year, 12, 31))


# ---- Loaders: 404 outside the user's scope -----------------------------------------------------------------------


def commitments_visible_to(user) -> QuerySet[PublicCommitment]:
    """The commitments of the branches in the user's scope, and the user's own."""
    scoped = PublicCommitment.objects.visible_to(user)
    person_id = scope_for(user).person_id
    if person_id is None:
        return scoped
    return scoped | PublicCommitment.objects.filter(person_id=person_id)


def commitment_get(*, user, pk: int) -> PublicCommitment:
    return get_object_or_404(commitments_visible_to(user).select_related("branch", "person"), pk=pk)


def commentary_get(*, user, pk: int) -> LeaderCommentary:
    return get_object_or_404(
        LeaderCommentary.objects.visible_to(user).select_related("branch", "person", "commentator", "recorded_by"),
        pk=pk,
    )


def branch_get(*, user, pk: int) -> PartyOrganization:
    return get_object_or_404(branches_for(user), pk=pk)


# ---- Lists -------------------------------------------------------------------------------------------------------


def _name_filter(query: str, *prefixes: str) -> Q:
    """A name or its pinyin initials (zsf → 张三丰) through each person relation given."""
    query = query.strip()
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{prefix}__name__contains": query}) | Q(
            **{f"{prefix}__name_initials__startswith": query.lower()}
        )
    return condition


def commitment_list(
    *, user, year: int | None = None, branch_id: int | None = None, query: str = ""
) -> QuerySet[PublicCommitment]:
    commitments = commitments_visible_to(user).select_related("branch", "person", "updated_by")
    if year:
        commitments = commitments.filter(year=year)
    if branch_id:
        commitments = commitments.filter(branch_id=branch_id)
    if query.strip():
        commitments = commitments.filter(_name_filter(query, "person") | Q(branch__name__contains=query.strip()))
    # A branch's own commitment first, then its members by name.
    return commitments.order_by("-year", "branch__sort_order", "branch_id", "person__name_initials", "pk")


def commentary_list(
    *, user, year: int | None = None, branch_id: int | None = None, level: str = "", query: str = ""
) -> QuerySet[LeaderCommentary]:
    commentaries = LeaderCommentary.objects.visible_to(user).select_related("branch", "person", "commentator")
    if year:
        commentaries = commentaries.filter(year=year)
    if branch_id:
        commentaries = commentaries.filter(branch_id=branch_id)
    if level:
        commentaries = commentaries.filter(level=level)
    if query.strip():
        commentaries = commentaries.filter(_name_filter(query, "person") | Q(commentator_name__contains=query.strip()))
    return commentaries.order_by("-year", "branch__sort_order", "branch_id", "level", "person__name_initials", "pk")


def secretary_report_list(
    *, user, year: int | None = None, branch_id: int | None = None, query: str = ""
) -> QuerySet[SecretaryReport]:
    reports = SecretaryReport.objects.visible_to(user).select_related("branch", "secretary")
    if year:
        reports = reports.filter(year=year)
    if branch_id:
        reports = reports.filter(branch_id=branch_id)
    if query.strip():
        reports = reports.filter(_name_filter(query, "secretary") | Q(branch__name__contains=query.strip()))
    return reports.order_by("-year", "branch__sort_order", "branch_id")


@dataclass(frozen=True)
class StarRow:
    person: Person
    rating: StarRating | None


def star_rating_rows(*, branch: PartyOrganization, year: int, query: str = "") -> list[StarRow]:
    """Every member of the branch in the year (on 31 December, or today while it runs) with their rating, and
    anyone rated there that year who has since left."""
    ratings = {r.person_id: r for r in StarRating.objects.filter(branch=branch, year=year).select_related("rated_by")}
    people = Person.objects.filter(
        Q(pk__in=branch_members(branch_id=branch.pk, on=year_end_or_today(year)).values("pk")) | Q(pk__in=list(ratings))
    )
    if query.strip():
        people = people.filter(Q(name__contains=query.strip()) | Q(name_initials__startswith=query.strip().lower()))
    return [StarRow(p, ratings.get(p.pk)) for p in people.order_by("name_initials", "name", "pk")]


def commitments_for(
    *, year: int, person_ids: Iterable[int] = (), organization_ids: Iterable[int] = ()
) -> dict[tuple[str, int], PublicCommitment]:
    """The public commitments of the year of the given people and party organisations, for showing each subject's
    commitment and its fulfilment beside it (mass evaluation ballots and results, §7).

    Keys are ("person", person_id) and ("organization", organization_id) — the words of PollSubject.subject_kind,
    so a page looks a subject up with `commitments.get((subject.subject_kind, subject.person_id or
    subject.organization_id))`. A subject without a commitment that year has no key. Two queries at most, whatever
    the number of subjects. Not scoped: the caller shows it on a page that is.
    """
    person_ids, organization_ids = set(person_ids), set(organization_ids)
    found: dict[tuple[str, int], PublicCommitment] = {}
    if person_ids:
        for commitment in PublicCommitment.objects.filter(year=year, person_id__in=person_ids):
            found["person", commitment.person_id] = commitment
    if organization_ids:
        for commitment in PublicCommitment.objects.filter(
            year=year, person__isnull=True, branch_id__in=organization_ids
        ):
            found["organization", commitment.branch_id] = commitment
    return found
