"""The report registry (DOMAIN.md §8): each kind is one declaration of its scope, period, permission and content.

A kind is added by one `register(ReportKind(...))` in a `report_kinds` module of any app (autodiscovered by
ReportsConfig.ready, in INSTALLED_APPS order; the pack numbers its folders in registration order, which is why the
kinds of §8 items 1–6 are declared in reports/report_kinds.py in the order of §8). The kind's `collect` returns a
ReportContent: a Django template for the PDF (rendered by WeasyPrint) and the sheets of the Excel workbook.
The jobs page, the task, the pack and `manage.py build_report` all read this registry and nothing else.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from branches.models import PartyOrganization, Unit
from core.exports import Sheet
from core.models import User
from core.roles import Role
from members.models import Person, RoleAssignment
from members.scopes import scope_for

from .periods import ReportPeriod

SCOPE_PERSON = "person"
SCOPE_UNIT = "unit"
SCOPE_ORGANIZATION = "organization"
# Roles that read the appraisal records of the units they cover (DOMAIN.md §1).
UNIT_READERS = frozenset({Role.UNIT_HEAD, Role.LEADER, Role.PRINCIPAL_LEADER, Role.ORG_OFFICER})
PARTY_READERS = frozenset({Role.BRANCH_SECRETARY, Role.ORG_OFFICER})


class ReportError(Exception):
    """A report that cannot be built as asked; the message is for the user, in Chinese. Not retried."""


@dataclass(frozen=True)
class ReportTarget:
    """Whom a report covers: a person, a unit subtree, a party organisation subtree, or (packs) a unit and an
    organisation together."""

    unit: Unit | None = None
    organization: PartyOrganization | None = None
    person: Person | None = None

    @property
    def scope_types(self) -> set[str]:
        types = set()
        if self.person is not None:
            types.add(SCOPE_PERSON)
        if self.unit is not None:
            types.add(SCOPE_UNIT)
        if self.organization is not None:
            types.add(SCOPE_ORGANIZATION)
        return types

    @property
    def label(self) -> str:
        return "、".join(o.name for o in (self.person, self.unit, self.organization) if o is not None)

    def unit_ids(self) -> set[int]:
        return Unit.objects.subtree_ids([self.unit.pk]) if self.unit is not None else set()

    def organization_ids(self) -> set[int]:
        return PartyOrganization.objects.subtree_ids([self.organization.pk]) if self.organization is not None else set()


@dataclass(frozen=True)
class ReportRequest:
    kind: "ReportKind"
    target: ReportTarget
    period: ReportPeriod
    user: User


@dataclass
class ReportContent:
    """What a kind collected. `items` are handed to the template as `items`; when `chunk_size` is set, a long
    document is rendered `chunk_size` items at a time (bounded WeasyPrint memory, STACK.md) into parts. The pages
    of a part are numbered within the part (forms, one per page), or, with `continuous_pages`, across all parts as
    in one document (a long table cut into parts; reports/rendering.py)."""

    title: str
    template: str
    context: dict[str, Any]
    items: Sequence[Any]
    sheets: Callable[[], list[Sheet]]
    chunk_size: int | None = None
    continuous_pages: bool = False

    def chunks(self) -> list[Sequence[Any]]:
        if not self.chunk_size or len(self.items) <= self.chunk_size:
            return [self.items]
        return [self.items[i : i + self.chunk_size] for i in range(0, len(self.items), self.chunk_size)]


@dataclass(frozen=True)
class ReportKind:
    key: str
    label: str
    # Which targets the kind accepts; a unit or an organisation includes its subtree.
    scopes: tuple[str, ...]
    # "month", "quarter", "year", or "year_or_quarter" (a state at the end of a year or a quarter): what the
    # request names. A pack hands each kind the periods of its own kind within the pack's period.
    period: str
    # Who may request it: these roles for the units or organisations they cover in that role.
    roles: frozenset[str]
    collect: Callable[[ReportRequest], ReportContent] | None = None
    formats: tuple[str, ...] = ("pdf", "xlsx")
    # Staff may request it for themself.
    own_person: bool = False
    in_pack: bool = True
    # Whether the pack holds the kind, asked with the pack's period and the kind's target (None: whenever the
    # requester may build it), e.g. the cadre ranking only in a yearly pack of a unit that ran an exercise.
    in_pack_when: Callable[[ReportRequest], bool] | None = None
    # A kind with its own builder (the pack) writes its file itself.
    build: Callable[..., str] | None = None
    description: str = field(default="", compare=False)

    def periods_within(self, period: ReportPeriod) -> list[ReportPeriod]:
        if self.period == "year_or_quarter":
            return [period]
        if self.period == "month":
            return period.months_as_periods()
        if self.period == "quarter":
            return period.quarters_as_periods()
        return [ReportPeriod(period.year)]

    def may_request(self, user: User, target: ReportTarget) -> bool:
        types = target.scope_types
        if not types or not types <= set(self.scopes):
            return False
        scope = scope_for(user)
        if target.person is not None:
            own = self.own_person and target.person.pk == scope.person_id
            if not own and target.person.unit_id not in units_for_roles(user, self.roles):
                return False
        if target.unit is not None and target.unit.pk not in units_for_roles(user, self.roles):
            return False
        return target.organization is None or target.organization.pk in organizations_for_roles(user, self.roles)

    def check_period(self, period: ReportPeriod) -> None:
        """Months for monthly kinds, quarters for quarterly ones, years for yearly ones."""
        if self.period == "month" and period.month is None:
            raise ReportError(_("%(kind)s须选择月份。") % {"kind": self.label})
        if self.period == "quarter" and (period.quarter is None or period.month is not None):
            raise ReportError(_("%(kind)s须选择季度。") % {"kind": self.label})
        if self.period == "year" and (period.month is not None or period.quarter is not None):
            raise ReportError(_("%(kind)s按年度生成，不选季度和月份。") % {"kind": self.label})
        if self.period == "year_or_quarter" and period.month is not None:
            raise ReportError(_("%(kind)s按年度或季度生成，不按月份。") % {"kind": self.label})


REGISTRY: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    if kind.key in REGISTRY:
        raise ValueError(f"report kind {kind.key!r} registered twice")
    REGISTRY[kind.key] = kind
    return kind


def get_kind(key: str) -> ReportKind:
    try:
        return REGISTRY[key]
    except KeyError:
        raise ReportError(_("没有这种报表：%(key)s") % {"key": key}) from None


def kinds() -> list[ReportKind]:
    return list(REGISTRY.values())


# ---- Whom a user may cover ------------------------------------------------------------------------------------


def units_for_roles(user: User, roles: Iterable[str]) -> frozenset[int]:
    scope = scope_for(user)
    units: set[int] = set()
    for role in roles:
        units |= scope.units_for(role)
    return frozenset(units)


def organizations_for_roles(user: User, roles: Iterable[str]) -> frozenset[int]:
    """The party organisations (with subtrees) that the user covers in one of the roles; cached on the user for
    the request like scope_for."""
    roles = frozenset(roles) & PARTY_READERS
    cache = user.__dict__.setdefault("_zhibu_report_orgs", {})
    if roles not in cache:
        roots = set(
            RoleAssignment.objects.filter(user=user, role__in=roles, organization__isnull=False).values_list(
                "organization_id", flat=True
            )
        )
        cache[roles] = frozenset(PartyOrganization.objects.subtree_ids(roots)) if roots else frozenset()
    return cache[roles]
