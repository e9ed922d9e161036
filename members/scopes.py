"""The one scoping layer (DOMAIN.md §1): what part of the organisation a user's records reach.

Every list and every object lookup goes through `Model.objects.visible_to(user)`, which reads the Scope below.
A scope is computed once per request (cached on the user object), so a changed assignment applies on the
next request.
"""

from dataclasses import dataclass, field

from branches.models import PartyOrganization, Unit
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


def scope_for(user) -> Scope:
    if not user.is_authenticated:
        return EMPTY_SCOPE
    cached = getattr(user, "_zhibu_scope", None)
    if cached is not None:
        return cached
    person_id = Person.objects.filter(user=user).values_list("id", flat=True).first()
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
    unit_ids = frozenset(Unit.objects.subtree_ids(unit_roots)) if unit_roots else frozenset()
    organization_ids = (
        frozenset(PartyOrganization.objects.subtree_ids(organization_roots)) if organization_roots else frozenset()
    )
    unit_ids_by_role = {role: frozenset(Unit.objects.subtree_ids(roots)) for role, roots in unit_roots_by_role.items()}
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
