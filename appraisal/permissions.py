"""Yes/no predicates of the appraisal cycle. Object lookups go through Model.objects.visible_to(user) (404 outside
the scope); these decide what a user may do with what they can see (403)."""

from core.roles import Role
from members.scopes import Scope

from .models import AppraisalGroup, MonthlyLog


def can_write_own_log(scope: Scope, log: MonthlyLog) -> bool:
    return log.person_id == scope.person_id


def can_review_logs_of_unit(scope: Scope, unit_id: int) -> bool:
    """Comment (月评), send back, and write quarterly summaries: the unit head of that unit."""
    return unit_id in scope.units_for(Role.UNIT_HEAD)


def can_manage_cycles(scope: Scope) -> bool:
    return scope.has_role(Role.ORG_OFFICER)


def can_sign_for(user, group: AppraisalGroup) -> bool:
    """The group's leader, a leader named for a recused appraisee, or an acting leader by delegation; the
    services decide appraisee by appraisee (appraisal.services.signing_principal)."""
    from django.utils import timezone

    from .models import Delegation

    if group.leader_id == user.pk or group.appraisees.filter(rating_leader=user).exists():
        return True
    today = timezone.localdate()
    return Delegation.objects.filter(
        acting=user, leader_id=group.leader_id, starts_on__lte=today, ends_on__gte=today
    ).exists()
