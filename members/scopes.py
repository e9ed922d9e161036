"""The one scoping layer (DOMAIN.md §1): what part of the organisation a user's records reach.

Every list and every object lookup goes through `Model.objects.visible_to(user)`, which reads the Scope below.
A scope is computed once per request (cached on the user object), so a changed assignment applies on the
next request.
"""

from dataclasses import dataclass, field

from branches.models import PartyOrganization, Unit
from core.models import User
from core.roles import Role

from .models import Person, RoleAssignment


@dataclass(frozen=True)
class Scope:
    person_id: int | None
    roles: frozenset[str]
    # Units whose staff are visible: unit heads, leaders, principal leaders and officers, with subtrees.
    unit_ids: frozenset[int]
    # Party organisations whose members, meetings and records are visible: secretaries and officers.
    organization_ids: frozenset[int]
    # Where ID and phone numbers are shown unmasked (§0): the secretary's and the officer's scope only.
    identifier_organization_ids: frozenset[int]
    identifier_unit_ids: frozenset[int]
    # The units (with subtrees) each unit-scoped role covers: e.g. only a unit head comments on its unit's logs.
    unit_ids_by_role: dict[str, frozenset[int]] = field(default_factory=dict)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def units_for(self, role: str) -> frozenset[int]:
        return self.unit_ids_by_role.get(role, frozenset())


EMPTY_SCOPE = Scope(None, frozenset(), frozenset(), frozenset(), frozenset(), frozenset())


def person_of(user) -> Person | None:
    """The user's own person record with its unit and party membership, loaded once per request and kept as
    `user.person` (None kept too), so scope, menu, views and services do not each ask for it again."""
    if not user.is_authenticated:
        return None
    descriptor = User.person  # the class's: `user` may be the request's lazy object
    if descriptor.is_cached(user):
        return descriptor.related.get_cached_value(user)
    person = Person.objects.select_related("unit", "membership").filter(user=user).first()
    descriptor.related.set_cached_value(user, person)
    if person is not None:
        descriptor.related.field.set_cached_value(person, user)
    return person


def scope_for(user) -> Scope:
    if not user.is_authenticated:
        return EMPTY_SCOPE
    cached = getattr(user, "_zhibu_scope", None)
    if cached is not None:
        return cached
    person = person_of(user)
    person_id = person.pk if person is not None else None
    assignments = list(RoleAssignment.objects.filter(user=user).values_list("role", "unit_id", "organization_id"))
    roles = {Role.STAFF.value} if person_id else set()
    unit_roots: set[int] = set()
    unit_roots_by_role: dict[str, set[int]] = {}
    organization_roots: set[int] = set()
    for role, unit_id, organization_id in assignments:
        roles.add(role)
        if unit_id is not None:
            unit_roots.add(unit_id)
            unit_roots_by_role.setdefault(role, set()).add(unit_id)
        if organization_id is not None and role in (Role.BRANCH_SECRETARY, Role.ORG_OFFICER):
            organization_roots.add(organization_id)
    unit_ids: frozenset[int] = frozenset()
    unit_ids_by_role: dict[str, frozenset[int]] = {}
    if unit_roots:
        # One query for the unit tree, however many unit-scoped roles the user holds.
        by_role = list(unit_roots_by_role.items())
        all_units, *role_units = Unit.objects.subtrees(unit_roots, *(roots for _, roots in by_role))
        unit_ids = frozenset(all_units)
        unit_ids_by_role = {role: frozenset(ids) for (role, _), ids in zip(by_role, role_units, strict=True)}
    organization_ids = (
        frozenset(PartyOrganization.objects.subtree_ids(organization_roots)) if organization_roots else frozenset()
    )
    scope = Scope(
        person_id=person_id,
        roles=frozenset(roles),
        unit_ids=unit_ids,
        organization_ids=organization_ids,
        identifier_organization_ids=organization_ids,
        identifier_unit_ids=unit_ids_by_role.get(Role.ORG_OFFICER, frozenset()),
        unit_ids_by_role=unit_ids_by_role,
    )
    user._zhibu_scope = scope
    return scope
