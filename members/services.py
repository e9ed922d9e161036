"""Writes about people and their roles. Roles are Django groups (DOMAIN.md §1); scope comes from assignments."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from branches.models import PartyOrganization, Unit
from core.audit import audit_record
from core.models import User
from core.roles import ADMIN_ROLES, Role

from .models import RoleAssignment

# What each administrator manages in Django admin (DOMAIN.md §1; RELIABILITY.md R5, MLPS 三权分立), granted to the
# role's group. System: the organisation trees, people and accounts. Security: who holds which role, and lockouts.
# Audit: the audit log, read-only. None of them edits appraisal data or polls, and only the audit admin reads the log.
ADMIN_ROLE_PERMISSIONS = {
    Role.SYSTEM_ADMIN: (
        (Q(content_type__app_label__in=["branches", "members"]) & ~Q(content_type__model="roleassignment"))
        | Q(content_type__app_label="core", content_type__model="user")
        | Q(content_type__app_label="auth", content_type__model="group", codename="view_group")
    ),
    Role.SECURITY_ADMIN: (
        Q(content_type__app_label="members", content_type__model="roleassignment")
        | Q(content_type__app_label="core", codename__in=["view_user", "view_loginthrottle", "delete_loginthrottle"])
        | Q(content_type__app_label="auth", content_type__model="group", codename="view_group")
    ),
    Role.AUDIT_ADMIN: Q(content_type__app_label="core", codename__in=["view_auditevent", "view_auditarchive"]),
}


def role_groups_ensure() -> dict[str, Group]:
    return {role.value: Group.objects.get_or_create(name=role.value)[0] for role in Role}


def role_group_permissions_grant() -> None:
    """Run after every migrate, so that new models' permissions reach the system admin's group."""
    groups = role_groups_ensure()
    for role, permissions in ADMIN_ROLE_PERMISSIONS.items():
        groups[role].permissions.set(Permission.objects.filter(permissions))


def role_assignment_sync_groups(*, user: User) -> None:
    """A user is in the group of each role they hold (staff when a person is linked), and in no other."""
    groups = role_groups_ensure()
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if hasattr(user, "person"):
        held.add(Role.STAFF.value)
    user.groups.remove(*[g for code, g in groups.items() if code not in held])
    user.groups.add(*[g for code, g in groups.items() if code in held])
    if not user.is_staff and held & {role.value for role in ADMIN_ROLES}:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


@transaction.atomic
def role_assign(
    *,
    user: User,
    role: str,
    unit: Unit | None = None,
    organization: PartyOrganization | None = None,
    by: User | None = None,
) -> RoleAssignment:
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, unit=unit, organization=organization
    )
    role_assignment_sync_groups(user=user)
    if created:
        audit_record(
            actor=by,
            action="role.assign",
            obj=assignment,
            summary=f"{user.get_username()} {assignment.get_role_display()} {unit or organization or ''}",
        )
    return assignment
