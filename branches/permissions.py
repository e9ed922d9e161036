"""Yes/no predicates for party organisations and meetings."""

from core.roles import Role
from members.scopes import Scope

from .models import Meeting, PartyOrganization


def can_record_meetings(scope: Scope, organization: PartyOrganization) -> bool:
    """The branch secretary and the organisation officer record the meetings of organisations in their scope."""
    if not (scope.has_role(Role.BRANCH_SECRETARY) or scope.has_role(Role.ORG_OFFICER)):
        return False
    return organization.pk in scope.organization_ids


def can_edit_meeting(scope: Scope, meeting: Meeting) -> bool:
    return can_record_meetings(scope, meeting.organization)
