"""The roles of DOMAIN.md §1. Each role is a Django group of the same code; scope comes from RoleAssignment."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("工作人员")
    UNIT_HEAD = "unit_head", _("内设机构负责人")
    LEADER = "leader", _("分管领导")
    PRINCIPAL_LEADER = "principal_leader", _("主要领导")
    ORG_OFFICER = "org_officer", _("组织部干部")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    # MLPS 三权分立 (RELIABILITY.md R5): the security administrator grants roles and lifts lockouts, the audit
    # administrator reads the audit log; neither touches appraisal data, and the system administrator reads neither.
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# Roles whose assignment names an administrative unit, and those that name a party organisation.
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.LEADER, Role.PRINCIPAL_LEADER})
ORGANIZATION_ROLES = frozenset({Role.BRANCH_SECRETARY})

# The three administrators work in the Django admin (is_staff), each limited to its own models.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
