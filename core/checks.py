"""Deployment checks of our own (run by `manage.py check --deploy`)."""

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.security, deploy=True)
def no_everyday_superuser(app_configs=None, **kwargs) -> list[Warning]:
    """RELIABILITY.md R5 (MLPS 三权分立): the system, security and audit administrators work through their roles; a
    superuser holds all three at once and is only for installation. Before the first migrate there is nothing to
    check."""
    from .models import User

    try:
        names = list(User.objects.filter(is_superuser=True, is_active=True).values_list("username", flat=True)[:5])
    except DatabaseError:
        return []
    if not names:
        return []
    return [
        Warning(
            f"有启用的超级用户：{'、'.join(names)}。日常管理应使用系统、安全、审计管理员角色；安装完成后请停用超级用户。",
            hint="在后台取消其“超级用户状态”或停用账号，并通过角色分配授予三类管理员角色。",
            id="core.W001",
        )
    ]
