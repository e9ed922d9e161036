from django.http import HttpRequest

from core.roles import Role
from members.scopes import person_of, scope_for

# Who organises or scores polls and evaluations, and who reads reports (DOMAIN.md §1, §6–§8).
REVIEW_ROLES = frozenset({Role.ORG_OFFICER, Role.BRANCH_SECRETARY, Role.PRINCIPAL_LEADER, Role.LEADER})
REPORT_ROLES = frozenset({Role.ORG_OFFICER, Role.BRANCH_SECRETARY, Role.UNIT_HEAD, Role.LEADER, Role.PRINCIPAL_LEADER})
# Who is offered two-factor sign-in (RELIABILITY.md R8); anyone may use it at /accounts/two-factor/.
OTP_ROLES = frozenset({Role.LEADER, Role.PRINCIPAL_LEADER, Role.ORG_OFFICER, Role.SYSTEM_ADMIN})


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
        "nav_sees_reviews": bool(scope.roles & REVIEW_ROLES),
        "nav_sees_reports": bool(scope.roles & REPORT_ROLES),
        "nav_person": person_of(user),
        "nav_offers_otp": bool(scope.roles & OTP_ROLES) or user.is_staff,
    }
