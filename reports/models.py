"""Report jobs (DOMAIN.md §8, RELIABILITY.md R17–R20): a request is a row first (the outbox), then a Celery task.

The id is a random UUID, so a download link cannot be guessed; the download view checks the requester's scope
again all the same. While a job is pending or running, a second request with the same parameters gets the same
job: a partial unique constraint on the parameters' hash, so that two requests at once cannot both insert.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "Excel"
        ZIP = "zip", _("压缩包")

    ACTIVE = (Status.PENDING, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="report_jobs"
    )
    kind = models.CharField(_("报表"), max_length=40)
    fmt = models.CharField(_("格式"), max_length=8, choices=Format.choices)
    unit = models.ForeignKey(
        "branches.Unit", verbose_name=_("行政机构"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("党组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        "members.Person", verbose_name=_("人员"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    month = models.PositiveSmallIntegerField(_("月份"), null=True, blank=True)
    params_hash = models.CharField(_("参数摘要"), max_length=64, editable=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    error = models.TextField(_("说明"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # The message that may run the job: a redelivery of the same message after a worker died may take over a
    # running job at once; any other message waits until the lease has expired.
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    dispatched_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("租约到期"), null=True, blank=True)
    file_path = models.CharField(_("文件"), max_length=300, blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    size = models.BigIntegerField(_("大小（字节）"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报表任务")
        verbose_name_plural = _("报表任务")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["params_hash"],
                condition=Q(status__in=["pending", "running"]),
                name="report_job_once_while_active",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_percent"),
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4), name="report_job_quarter_valid"
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12), name="report_job_month_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | (~Q(file_path="") & Q(size__isnull=False) & ~Q(sha256="")),
                name="report_job_done_has_file",
            ),
        ]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="report_job_user_idx"),
            models.Index(fields=["status", "expires_at"], name="report_job_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
