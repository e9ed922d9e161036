from django.http import HttpRequest

from members.scopes import scope_for


def navigation(request: HttpRequest) -> dict:
    """What the menu shows depends on the user's roles (DOMAIN.md §1)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    return {
        "nav_scope": scope,
        "nav_sees_members": bool(scope.unit_ids or scope.organization_ids),
        "nav_sees_branches": bool(scope.organization_ids),
        "nav_person": getattr(user, "person", None) if scope.person_id else None,
    }
