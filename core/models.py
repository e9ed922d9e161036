from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. The person behind it (name, unit, membership) is members.Person."""

    # When the password was last set, for its maximum age (core/passwords.py). A hash upgraded at login saves the
    # password field only, so it does not count as a change.
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)

    def set_password(self, raw_password) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

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
    "log.save": _("保存月记实"),
    "log.submit": _("提交月记实"),
    "log.return": _("退回月记实"),
    "log.comment": _("填写月评"),
    "summary.save": _("保存季度小结"),
    "development.step": _("记录发展党员步骤"),
    "development.extend": _("延长预备期"),
    "thought_report.record": _("登记思想汇报"),
    "thought_report.review": _("审阅思想汇报"),
    "standing.change": _("党籍变动"),
    "transfer.issue": _("开具组织关系介绍信"),
    "transfer.receipt": _("登记转接回执"),
    "transfer.register_in": _("登记转入介绍信"),
    "transfer.receive_in": _("接收转入党员"),
    "transfer.cancel": _("撤销组织关系转接"),
    "dues.assess": _("核定党费"),
    "dues.payment": _("登记党费缴纳"),
    "dues.base": _("核定党费计算基数"),
    "ledger.floating": _("流动党员登记"),
    "hardship.open": _("登记困难党员"),
    "hardship.help": _("登记帮扶情况"),
    "hardship.close": _("解除困难党员登记"),
    "hardship.view": _("查看困难党员信息"),
    "committee.elect": _("记录换届选举"),
    "rating.sign": _("签署领导评鉴"),
    "rating.revise": _("签署评鉴更正"),
    "rating.acknowledge": _("确认考核结果"),
    "publication.publish": _("公示考核结果"),
    "admonishment.record": _("记录诫勉谈话"),
    "commendation.record": _("录入表彰与处分"),
    "cycle.open": _("开启考核周期"),
    "group.create": _("建立考核组"),
    "group.members_add": _("考核组加入人员"),
    "group.member_remove": _("考核组移出人员"),
    "appraisee.rating_leader": _("指定代为评鉴的领导"),
    "delegation.add": _("登记代签授权"),
    "delegation.revoke": _("撤销代签授权"),
    "reminders.send": _("发送考核提醒"),
    "poll.create": _("建立测评"),
    "poll.update": _("修改测评对象或题目"),
    "poll.codes_issue": _("发放投票码"),
    "poll.codes_void": _("作废未使用的投票码"),
    "poll.open": _("开始投票"),
    "poll.close": _("结束投票"),
    "democratic.create": _("建立民主评议党员"),
    "democratic.self_evaluate": _("填写民主评议自我评价"),
    "democratic.decide": _("评定民主评议党员结果"),
    "democratic.finalise": _("确定民主评议党员结果"),
    "mass.create": _("建立群众评议"),
    "mass.record": _("记录群众评议活动"),
    "mass.close": _("群众评议结果"),
    "rectification.update": _("填写整改措施"),
    "rectification.complete": _("确认整改完成"),
    "rectification.talk": _("记录组织谈话"),
    "commentary.record": _("记录领导点评"),
    "commentary.correct": _("更正领导点评"),
    "commitment.make": _("登记公开承诺"),
    "commitment.update": _("修改公开承诺"),
    "commitment.fulfilment": _("登记承诺兑现情况"),
    "star_rating.set": _("评定党员星级"),
    "star_rating.update": _("修改党员星级"),
    "secretary_report.record": _("登记双述双评"),
    "secretary_report.update": _("修改双述双评"),
    "cadre.exercise_create": _("建立中层干部考核"),
    "cadre.exercise_update": _("修改中层干部考核"),
    "cadre.score_enter": _("录入中层干部考核评分"),
    "cadre.import": _("导入中层干部考核评分"),
    "cadre.file": _("中层干部考核结果备案"),
    "report.request": _("申请生成报表"),
    "report.retry": _("重新生成报表"),
    "report.download": _("下载报表"),
    "auth.login": _("登录"),
    "auth.login_failed": _("登录失败"),
    "auth.lockout": _("账号因多次登录失败被暂时锁定"),
    "auth.logout": _("退出登录"),
    "auth.session_expired": _("会话超时退出"),
    "auth.password_change": _("修改密码"),
    "auth.password_change_failed": _("修改密码时原密码错误"),
    "auth.otp_enrol": _("启用两步验证"),
    "auth.otp_remove": _("停用两步验证"),
    "auth.otp_verify": _("两步验证通过"),
    "auth.otp_failed": _("两步验证失败"),
    "auth.denied": _("越权访问被拒绝"),
    "auth.not_found": _("访问不存在或范围外的记录"),
    "admin.change": _("在后台管理中修改数据"),
    "audit.view": _("查阅审计记录"),
    "audit.verify": _("校验审计记录哈希链"),
    "audit.purge": _("归档并清除过期审计记录"),
    "retention.purge": _("清除超过保存期限的数据"),
}

# Actions that record a refusal or a failure (RELIABILITY.md R22: "whether the event succeeded").
AUDIT_FAILURE_ACTIONS = frozenset(
    {
        "auth.login_failed",
        "auth.lockout",
        "auth.denied",
        "auth.not_found",
        "auth.otp_failed",
        "auth.password_change_failed",
    }
)


class AuditLogAppendOnly(Exception):
    """The audit log is written once and never changed or deleted by the application (RELIABILITY.md R23)."""


class AuditEventQuerySet(models.QuerySet):
    """The application's half of the append-only rule, on every database; PostgreSQL's trigger is the other half."""

    def update(self, **kwargs):
        raise AuditLogAppendOnly("审计记录只能追加，不能修改")

    def delete(self):
        raise AuditLogAppendOnly("审计记录只能追加，不能删除")

    def purge(self) -> int:
        """Delete these rows: for core.retention's audit purge only, after it archived them."""
        return super().delete()[0]


class AuditEvent(models.Model):
    """One row per state change worth answering for: who did what to which record, from where, with what result
    (RELIABILITY.md R22). Append-only: on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE (R23), and each
    row's chain_hash covers the previous row's hash and this row's content (core.audit)."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        # Accounts are deactivated, never deleted, once they have acted: the trail keeps naming them.
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    summary = models.CharField(_("摘要"), max_length=255, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.CharField(_("来源地址"), max_length=64, blank=True)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, default=Result.SUCCESS)
    # Set by audit_record, not by the database clock, because it is part of the hashed content.
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    chain_hash = models.CharField(_("哈希链"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        # The history of one record: audit_events_for(obj).
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AuditLogAppendOnly("审计记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnly("审计记录只能追加，不能删除")

    @property
    def action_label(self) -> str:
        return str(AUDIT_ACTION_LABELS.get(self.action, self.action))


class AuditArchive(models.Model):
    """One purge of the audit log (RELIABILITY.md R23, R25): the rows up to last_event_id were written to the JSONL
    file before they were deleted, and last_hash is where the chain of the rows still in the table starts."""

    last_event_id = models.BigIntegerField(_("最后归档记录编号"), unique=True)
    last_hash = models.CharField(_("最后归档记录哈希"), max_length=64)
    rows = models.PositiveIntegerField(_("记录数"))
    file_path = models.CharField(_("归档文件"), max_length=255)
    file_sha256 = models.CharField(_("归档文件摘要"), max_length=64)
    created_at = models.DateTimeField(_("归档时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审计归档")
        verbose_name_plural = _("审计归档")
        ordering = ["-last_event_id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d} ≤#{self.last_event_id}"


class LoginThrottle(models.Model):
    """Failed logins counted per account name and per client address (RELIABILITY.md R6). Kept in the database
    so that the limit holds when Redis is down; keys are stored as salted hashes, never as names or addresses."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("账号")
        ADDRESS = "address", _("来源地址")

    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    key_hash = models.CharField(_("摘要"), max_length=64)
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    window_started_at = models.DateTimeField(_("计数开始"))
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数")
        constraints = [models.UniqueConstraint(fields=["kind", "key_hash"], name="login_throttle_once_per_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.failures}"
