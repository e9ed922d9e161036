"""The organisation officer sets up the routine appraisal (DOMAIN.md §5): cycles, appraisal groups and their
members, the leader who rates an appraisee when the group's leader must recuse (回避), and delegations (代签).

An officer works within the units of their ORG_OFFICER assignment (with subtrees): only people of those units can
be put in a group, and the signing leader must be a leader or principal leader whose units cover each appraisee.
Every write checks that, runs in one transaction and leaves an audit row.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from branches.models import Unit
from core.audit import audit_record
from core.models import User
from core.roles import Role
from members.models import Person, RoleAssignment, ServiceStatus
from members.scopes import scope_for

from .models import AppraisalGroup, Appraisee, Cycle, Delegation, Rating
from .permissions import can_manage_cycles
from .services import cycle_open, group_add, is_recused

SIGNING_ROLES = (Role.LEADER, Role.PRINCIPAL_LEADER)


# ---- Reads -----------------------------------------------------------------------------------------------------


def officer_unit_ids(user: User) -> frozenset[int]:
    """The units (with subtrees) an organisation officer sets appraisals up for."""
    return scope_for(user).units_for(Role.ORG_OFFICER)


def leader_coverage(user_ids: Sequence[int] | None = None) -> dict[int, frozenset[int]]:
    """The units (with subtrees) each leader or principal leader supervises, by user id."""
    roots: dict[int, set[int]] = {}
    assignments = RoleAssignment.objects.filter(role__in=SIGNING_ROLES, unit__isnull=False)
    if user_ids is not None:
        assignments = assignments.filter(user_id__in=user_ids)
    for user_id, unit_id in assignments.values_list("user_id", "unit_id"):
        roots.setdefault(user_id, set()).add(unit_id)
    return {user_id: frozenset(Unit.objects.subtree_ids(units)) for user_id, units in roots.items()}


def leader_choices(user: User) -> QuerySet[User]:
    """Leaders and principal leaders who supervise at least one unit of the officer's scope."""
    units = officer_unit_ids(user)
    ids = [user_id for user_id, covered in leader_coverage().items() if covered & units]
    return User.objects.filter(pk__in=ids).select_related("person").order_by("person__name", "username")


def people_choices(user: User) -> QuerySet[Person]:
    """The staff in service in the officer's units: who can be appraised."""
    return (
        Person.objects.filter(unit_id__in=officer_unit_ids(user), service_status=ServiceStatus.IN_SERVICE)
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id", "name", "pk")
    )


def rating_leader_choices(
    *, user: User, appraisee: Appraisee, coverage: dict[int, frozenset[int]] | None = None
) -> QuerySet[User]:
    """Who may rate this appraisee instead of the group's leader: another leader supervising their unit.
    `coverage` (leader_coverage()) can be passed in when asking for many appraisees."""
    coverage = leader_coverage() if coverage is None else coverage
    covering = [pk for pk, units in coverage.items() if appraisee.person.unit_id in units]
    return leader_choices(user).filter(pk__in=covering).exclude(pk=appraisee.group.leader_id)


def groups_visible_to(user: User) -> QuerySet[AppraisalGroup]:
    """Groups with an appraisee in the officer's units (a group always keeps at least one appraisee)."""
    in_scope = Appraisee.objects.filter(person__unit_id__in=officer_unit_ids(user)).values("group_id")
    return AppraisalGroup.objects.filter(pk__in=in_scope)


def delegations_visible_to(user: User) -> QuerySet[Delegation]:
    return Delegation.objects.filter(leader__in=leader_choices(user)).select_related("leader__person", "acting__person")


def unit_heads_by_unit(unit_ids: Sequence[int]) -> dict[int, list[User]]:
    """Who writes the quarterly summaries of a unit's people: the holders of that unit's unit-head role."""
    heads: dict[int, list[User]] = {}
    for assignment in (
        RoleAssignment.objects.filter(role=Role.UNIT_HEAD, unit_id__in=unit_ids)
        .select_related("user__person")
        .order_by("user__username")
    ):
        heads.setdefault(assignment.unit_id, []).append(assignment.user)
    return heads


def group_is_signed(group: AppraisalGroup) -> bool:
    return Rating.objects.filter(group=group).exists()


def cycles_with_counts(user: User) -> QuerySet[Cycle]:
    """Every cycle, with how many groups and appraisees of the officer's units it holds."""
    in_scope = Q(groups__appraisees__person__unit_id__in=officer_unit_ids(user))
    return Cycle.objects.select_related("opened_by__person").annotate(
        group_count=Count("groups", filter=in_scope, distinct=True),
        appraisee_count=Count("groups__appraisees", filter=in_scope, distinct=True),
    )


def groups_of_cycle(user: User, cycle: Cycle) -> QuerySet[AppraisalGroup]:
    return (
        groups_visible_to(user)
        .filter(cycle=cycle)
        .select_related("leader__person")
        .annotate(
            appraisee_count=Count("appraisees", distinct=True),
            signed=Exists(Rating.objects.filter(group=OuterRef("pk"))),
        )
        .order_by("name")
    )


@dataclass(frozen=True)
class GroupMember:
    appraisee: Appraisee
    unit_heads: list[User]  # who writes the quarterly summary: the unit heads of the person's unit
    leader: User  # who rates: the leader named for a recusal, else the group's leader
    group_leader_recused: bool
    # Signing will refuse: the group's leader must recuse and nobody else is named, or the named one must too.
    unresolved: bool
    editable: bool  # in the officer's units


def group_members(*, group: AppraisalGroup, user: User) -> list[GroupMember]:
    appraisees = list(
        group.appraisees.select_related("person__unit", "rating_leader__person", "group").order_by(
            "person__unit__sort_order", "person__unit_id", "person__name"
        )
    )
    heads = unit_heads_by_unit([a.person.unit_id for a in appraisees])
    units = officer_unit_ids(user)
    members = []
    for appraisee in appraisees:
        recused = is_recused(group.leader, appraisee.person)
        named = appraisee.rating_leader
        members.append(
            GroupMember(
                appraisee=appraisee,
                unit_heads=heads.get(appraisee.person.unit_id, []),
                leader=named or group.leader,
                group_leader_recused=recused,
                unresolved=(recused and named is None) or (named is not None and is_recused(named, appraisee.person)),
                editable=appraisee.person.unit_id in units,
            )
        )
    return members


# ---- Checks ----------------------------------------------------------------------------------------------------


def _require_officer(by: User) -> None:
    if not can_manage_cycles(scope_for(by)):
        raise PermissionDenied


def _names(people: Sequence[Person]) -> str:
    return "、".join(p.name for p in people)


def _check_people(*, cycle: Cycle, people: Sequence[Person], by: User) -> None:
    """Everyone is in the officer's units and in no group of the cycle yet."""
    if not people:
        raise ValidationError({"people": _("请至少选择一名被考核人。")})
    units = officer_unit_ids(by)
    outside = [p for p in people if p.unit_id not in units]
    if outside:
        raise ValidationError(
            {"people": _("%(names)s 不在您负责的范围内，不能列入考核组。") % {"names": _names(outside)}}
        )
    taken = Appraisee.objects.filter(cycle=cycle, person__in=people).select_related("person", "group")
    if taken:
        raise ValidationError(
            {
                "people": [
                    _("%(name)s 已在本周期的“%(group)s”考核组中。") % {"name": a.person.name, "group": a.group.name}
                    for a in taken
                ]
            }
        )


def _check_leader_covers(*, leader: User, people: Sequence[Person], field: str = "leader") -> None:
    covered = leader_coverage([leader.pk]).get(leader.pk)
    if not covered:
        raise ValidationError({field: _("评鉴领导须是分管领导或主要领导。")})
    outside = [p for p in people if p.unit_id not in covered]
    if outside:
        raise ValidationError(
            {field: _("所选领导不分管 %(names)s 所在的部门，不能评鉴。") % {"names": _names(outside)}}
        )


def _require_in_scope(appraisee: Appraisee, by: User) -> None:
    if appraisee.person.unit_id not in officer_unit_ids(by):
        raise PermissionDenied


def _require_unsigned(group: AppraisalGroup) -> None:
    if group_is_signed(group):
        raise ValidationError(_("本考核组已有签署的评鉴，不能再调整人员。"))


# ---- Writes ----------------------------------------------------------------------------------------------------


@transaction.atomic
def cycle_create(*, year: int, name: str, kind: str, by: User) -> Cycle:
    """An organisation officer opens a cycle for a year (quarterly-graded or half-year-scored, §5)."""
    _require_officer(by)
    name = name.strip()
    if Cycle.objects.filter(year=year, name=name).exists():
        raise ValidationError({"name": _("%(year)d 年已有名为“%(name)s”的考核周期。") % {"year": year, "name": name}})
    return cycle_open(year=year, name=name, kind=kind, by=by)


@transaction.atomic
def group_create(*, cycle: Cycle, name: str, leader: User, people: Sequence[Person], by: User) -> AppraisalGroup:
    """An appraisal group of people in the officer's units, signed by a leader who supervises all of them."""
    _require_officer(by)
    name = name.strip()
    if AppraisalGroup.objects.filter(cycle=cycle, name=name).exists():
        raise ValidationError({"name": _("本周期已有名为“%(name)s”的考核组。") % {"name": name}})
    _check_people(cycle=cycle, people=people, by=by)
    _check_leader_covers(leader=leader, people=people)
    return group_add(cycle=cycle, name=name, leader=leader, people=people, by=by)


@transaction.atomic
def group_members_add(*, group: AppraisalGroup, people: Sequence[Person], by: User) -> list[Appraisee]:
    _require_officer(by)
    group = AppraisalGroup.objects.select_for_update(of=("self",)).select_related("cycle", "leader").get(pk=group.pk)
    _require_unsigned(group)
    _check_people(cycle=group.cycle, people=people, by=by)
    _check_leader_covers(leader=group.leader, people=people, field="people")
    added = Appraisee.objects.bulk_create(Appraisee(group=group, cycle=group.cycle, person=p) for p in people)
    audit_record(
        actor=by,
        action="group.members_add",
        obj=group,
        summary=f"{group.name}：{_names(people)}",
        data={"added": [p.pk for p in people]},
    )
    return added


@transaction.atomic
def appraisee_remove(*, appraisee: Appraisee, by: User) -> None:
    _require_officer(by)
    _require_in_scope(appraisee, by)
    group = AppraisalGroup.objects.select_for_update().get(pk=appraisee.group_id)
    _require_unsigned(group)
    if group.appraisees.count() == 1:
        raise ValidationError(_("考核组至少保留一名被考核人。"))
    person = appraisee.person
    appraisee.delete()
    audit_record(
        actor=by,
        action="group.member_remove",
        obj=group,
        summary=f"{group.name}：{person.name}",
        data={"removed": person.pk},
    )


@transaction.atomic
def appraisee_rating_leader_set(*, appraisee: Appraisee, leader: User | None, by: User) -> Appraisee:
    """Name the leader who rates this appraisee instead of the group's leader, who must recuse (回避, §5);
    None goes back to the group's leader."""
    _require_officer(by)
    appraisee = Appraisee.objects.select_for_update(of=("self",)).select_related("person", "group").get(pk=appraisee.pk)
    _require_in_scope(appraisee, by)
    if leader is not None and leader.pk == appraisee.group.leader_id:
        leader = None
    if leader is not None:
        _check_leader_covers(leader=leader, people=[appraisee.person])
        if is_recused(leader, appraisee.person):
            raise ValidationError({"leader": _("所选领导与 %(name)s 也须回避。") % {"name": appraisee.person.name}})
    old = appraisee.rating_leader_id
    appraisee.rating_leader = leader
    appraisee.save(update_fields=["rating_leader"])
    audit_record(
        actor=by,
        action="appraisee.rating_leader",
        obj=appraisee,
        summary=f"{appraisee.group.name}：{appraisee.person.name}",
        data={"old": old, "new": appraisee.rating_leader_id},
    )
    return appraisee


@transaction.atomic
def delegation_add(
    *, leader: User, acting: User, starts_on: datetime.date, ends_on: datetime.date, reason: str, by: User
) -> Delegation:
    """代签: `acting` signs for `leader` from `starts_on` to `ends_on`; each rating records both (§5)."""
    _require_officer(by)
    choices = leader_choices(by)
    errors: dict[str, str] = {}
    if not choices.filter(pk=leader.pk).exists():
        errors["leader"] = _("只能为分管您负责部门的领导登记代签。")
    if acting == leader:
        errors["acting"] = _("代签人不能是评鉴领导本人。")
    elif not leader_coverage([acting.pk]):
        errors["acting"] = _("代签人须是分管领导或主要领导。")
    if ends_on < starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期。")
    if not reason.strip():
        errors["reason"] = _("请填写代签事由。")
    if errors:
        raise ValidationError(errors)
    if Delegation.objects.filter(leader=leader, acting=acting, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ValidationError(_("该领导与代签人在这段时间内已有代签授权。"))
    delegation = Delegation.objects.create(
        leader=leader, acting=acting, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )
    audit_record(
        actor=by,
        action="delegation.add",
        obj=delegation,
        summary=str(delegation),
        data={"leader": leader.pk, "acting": acting.pk, "from": starts_on.isoformat(), "to": ends_on.isoformat()},
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, by: User) -> None:
    """Withdraw a delegation entered by mistake; one under which ratings were signed is the record of that
    authority and stays."""
    _require_officer(by)
    used = Rating.objects.filter(
        signed_by=delegation.acting_id,
        on_behalf_of=delegation.leader_id,
        signed_at__date__gte=delegation.starts_on,
        signed_at__date__lte=delegation.ends_on,
    ).exists()
    if used:
        raise ValidationError(_("已有依据此授权代签的评鉴，不能撤销。"))
    audit_record(
        actor=by,
        action="delegation.revoke",
        obj=delegation,
        summary=str(delegation),
        data={"leader": delegation.leader_id, "acting": delegation.acting_id, "reason": delegation.reason},
    )
    delegation.delete()
