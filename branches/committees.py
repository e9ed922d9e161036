"""Branch committees and their terms (换届, DOMAIN.md §2): recording an election, the current committee of each
organisation, warnings 90 days before a term ends and overdue elections, and the history of past committees.

A new election adds a CommitteeTerm; earlier terms stay as they were.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import User
from members.models import PARTY_MEMBER_STAGES, Person

from .models import CommitteeMember, CommitteePost, CommitteeTerm, PartyOrganization

WARNING_DAYS = settings.ZHIBU_COMMITTEE_WARNING_DAYS
DEFAULT_TERM_YEARS = 3
# Organisations that elect a committee: branches and the levels above them, not party groups.
COMMITTEE_KINDS = (
    PartyOrganization.Kind.BRANCH,
    PartyOrganization.Kind.GENERAL_BRANCH,
    PartyOrganization.Kind.COMMITTEE,
    PartyOrganization.Kind.WORKING_COMMITTEE,
)


def term_end(elected_on: datetime.date, years: int) -> datetime.date:
    try:
        return elected_on.replace(year=elected_on.year + years)
    except ValueError:  # 29 February
        return elected_on.replace(year=elected_on.year + years, day=28)


@transaction.atomic
def committee_term_record(
    *,
    organization: PartyOrganization,
    elected_on: datetime.date,
    members: Sequence[tuple[Person, str]],
    term_years: int = DEFAULT_TERM_YEARS,
    document_number: str = "",
    note: str = "",
    by: User | None,
) -> CommitteeTerm:
    """Record an election (换届选举): the new committee with its posts (§2). It must come after the current one."""
    errors: dict[str, list[str]] = {}
    if organization.kind not in COMMITTEE_KINDS:
        errors.setdefault("__all__", []).append(_("党小组不设委员会。"))
    if elected_on > timezone.localdate():
        errors.setdefault("elected_on", []).append(_("选举日期不能晚于今天。"))
    latest = CommitteeTerm.objects.filter(organization=organization).order_by("-elected_on").first()
    if latest and elected_on <= latest.elected_on:
        errors.setdefault("elected_on", []).append(
            _("选举日期须晚于上一届的选举日期（%(on)s）。") % {"on": f"{latest.elected_on:%Y-%m-%d}"}
        )
    if not 1 <= term_years <= 5:
        errors.setdefault("term_years", []).append(_("任期为1至5年。"))
    posts = [post for _person, post in members]
    if CommitteePost.SECRETARY not in posts:
        errors.setdefault("__all__", []).append(_("委员会须有书记。"))
    people = [person for person, _post in members]
    if len(set(people)) != len(people):
        errors.setdefault("__all__", []).append(_("同一人不能担任两个职务。"))
    for post in set(posts) - {CommitteePost.MEMBER}:
        if posts.count(post) > 1:
            errors.setdefault("__all__", []).append(_("“%(post)s”只能有一人。") % {"post": CommitteePost(post).label})
    subtree = PartyOrganization.objects.subtree_ids([organization.pk])
    for person in people:
        membership = getattr(person, "membership", None)
        if (
            membership is None
            or membership.stage not in PARTY_MEMBER_STAGES
            or membership.branch_id not in subtree
            or (membership.left_on and membership.left_on <= elected_on)
        ):
            errors.setdefault("__all__", []).append(_("%(name)s 不是本组织的党员。") % {"name": person.name})
    if errors:
        raise ValidationError(errors)
    term = CommitteeTerm.objects.create(
        organization=organization,
        elected_on=elected_on,
        term_years=term_years,
        ends_on=term_end(elected_on, term_years),
        document_number=document_number.strip(),
        note=note.strip(),
        recorded_by=by,
    )
    CommitteeMember.objects.bulk_create(CommitteeMember(term=term, person=p, post=post) for p, post in members)
    audit_record(
        actor=by,
        action="committee.elect",
        obj=term,
        summary=f"{organization.name} 换届 {elected_on}（任期{term_years}年）",
        data={"members": [[p.pk, post] for p, post in members], "ends_on": term.ends_on.isoformat()},
    )
    return term


class TermStatus:
    NONE = "none"
    OK = "ok"
    WARNING = "warning"
    OVERDUE = "overdue"

    LABELS = {NONE: "未登记委员会", OK: "任期内", WARNING: "即将届满", OVERDUE: "逾期未换届"}
    CSS = {NONE: "table-secondary", OK: "", WARNING: "table-warning", OVERDUE: "table-danger"}


@dataclass
class CommitteeRow:
    organization: PartyOrganization
    term: CommitteeTerm | None
    on: datetime.date

    @property
    def status(self) -> str:
        if self.term is None:
            return TermStatus.NONE
        if self.term.ends_on < self.on:
            return TermStatus.OVERDUE
        if (self.term.ends_on - self.on).days <= WARNING_DAYS:
            return TermStatus.WARNING
        return TermStatus.OK

    @property
    def status_label(self) -> str:
        return TermStatus.LABELS[self.status]

    @property
    def css(self) -> str:
        return TermStatus.CSS[self.status]

    @property
    def days_left(self) -> int | None:
        return (self.term.ends_on - self.on).days if self.term else None

    @property
    def secretary(self) -> str:
        return self.post_holders(CommitteePost.SECRETARY)

    def post_holders(self, post: str) -> str:
        if self.term is None:
            return ""
        return "、".join(m.person.name for m in self.term.members.all() if m.post == post)

    @property
    def member_names(self) -> str:
        if self.term is None:
            return ""
        return "、".join(f"{m.person.name}（{m.get_post_display()}）" for m in self.term.members.all())


def terms_with_members() -> QuerySet[CommitteeTerm]:
    return CommitteeTerm.objects.prefetch_related(
        Prefetch("members", queryset=CommitteeMember.objects.select_related("person").order_by("id"))
    )


def committee_overview(*, user, on: datetime.date, status: str = "") -> list[CommitteeRow]:
    """Each organisation in the user's scope with its current committee and where its term stands."""
    organizations = (
        PartyOrganization.objects.visible_to(user).filter(kind__in=COMMITTEE_KINDS).order_by("sort_order", "id")
    )
    latest: dict[int, CommitteeTerm] = {}
    for term in terms_with_members().filter(organization__in=organizations).order_by("organization_id", "elected_on"):
        latest[term.organization_id] = term
    rows = [CommitteeRow(org, latest.get(org.pk), on) for org in organizations]
    if status:
        rows = [r for r in rows if r.status == status]
    order = {TermStatus.OVERDUE: 0, TermStatus.WARNING: 1, TermStatus.NONE: 2, TermStatus.OK: 3}
    return sorted(rows, key=lambda r: (order[r.status], r.organization.sort_order, r.organization.pk))


def committee_history(*, organization: PartyOrganization) -> list[CommitteeTerm]:
    return list(terms_with_members().filter(organization=organization).order_by("-elected_on"))
