"""Who may organise a poll (DOMAIN.md §1): an organisation officer for a unit in their unit scope; a branch secretary
or an officer for a party organisation in their organisation scope. Seeing a poll is Poll.objects.visible_to."""

from core.roles import Role
from members.scopes import scope_for


def may_organise_polls(user) -> bool:
    """Whether the poll pages (list, create) are for this user at all."""
    scope = scope_for(user)
    return bool(scope.units_for(Role.ORG_OFFICER) or scope.organization_ids)


def may_organise(user, *, unit_id: int | None = None, organization_id: int | None = None) -> bool:
    """Whether the user may run a poll of this unit or this party organisation."""
    scope = scope_for(user)
    if unit_id is not None:
        return unit_id in scope.units_for(Role.ORG_OFFICER)
    if organization_id is not None:
        return organization_id in scope.organization_ids
    return False
