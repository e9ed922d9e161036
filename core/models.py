from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. The person behind it (name, unit, membership) is members.Person."""

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")


# How each audited action reads to users; the codes are what services write.
AUDIT_ACTION_LABELS = {
    "meeting.record": _("记录会议"),
    "meeting.update": _("修改会议记录"),
    "attachment.upload": _("上传附件"),
    "attachment.download": _("下载附件"),
    "attachment.delete": _("删除附件"),
    "roster.import": _("导入名册"),
    "role.assign": _("分配角色"),
}


class AuditEvent(models.Model):
    """One row per state change worth answering for: who did what to which record, with old and new values."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        # The history of one record: audit_events_for(obj).
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    @property
    def action_label(self) -> str:
        return str(AUDIT_ACTION_LABELS.get(self.action, self.action))
