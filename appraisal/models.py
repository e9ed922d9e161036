"""Routine appraisal (平时考核, DOMAIN.md §5): monthly log → quarterly summary → signed leader rating → feedback,
publication and the year. Signed ratings are never updated: a correction is a new signed revision."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basic", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")


class RuleSet(models.Model):
    """The rules of §5 in force for one year, so that last year's results keep last year's rules."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    excellent_quota_percent = models.DecimalField(
        _("优秀比例上限（%）"), max_digits=5, decimal_places=2, default=Decimal("15")
    )
    routine_weight_percent = models.DecimalField(
        _("平时考核结果在年度考核中的权重（%）"), max_digits=5, decimal_places=2, default=Decimal("40")
    )
    excellent_min_score = models.DecimalField(_("优秀最低分"), max_digits=5, decimal_places=2, default=Decimal("90"))
    competent_min_score = models.DecimalField(_("称职最低分"), max_digits=5, decimal_places=2, default=Decimal("80"))
    basic_min_score = models.DecimalField(_("基本称职最低分"), max_digits=5, decimal_places=2, default=Decimal("60"))
    annual_excellent_min_quarters = models.PositiveSmallIntegerField(_("年度优秀候选须获季度优秀次数"), default=1)

    class Meta:
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(routine_weight_percent__gte=40, routine_weight_percent__lte=100),
                                   name="ruleset_routine_weight_at_least_40"),
            models.CheckConstraint(condition=Q(excellent_quota_percent__gte=0, excellent_quota_percent__lte=100),
                                   name="ruleset_quota_is_a_percentage"),
            models.CheckConstraint(
                condition=Q(excellent_min_score__gt=F("competent_min_score"))
                & Q(competent_min_score__gt=F("basic_min_score")),
                name="ruleset_score_thresholds_ordered",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.year}"


class Cycle(models.Model):
    class Kind(models.TextChoices):
        QUARTERLY_GRADED = "quarterly", _("按季度评定等次")
        HALF_YEAR_SCORED = "half_year", _("按半年量化计分")

    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("方式"), max_length=16, choices=Kind.choices, default=Kind.QUARTERLY_GRADED)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核周期")
        verbose_name_plural = _("考核周期")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="cycle_unique_name_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"

    @property
    def periods(self) -> list[int]:
        return [1, 2] if self.kind == self.Kind.HALF_YEAR_SCORED else [1, 2, 3, 4]


class AppraisalGroup(models.Model):
    """Who is appraised together under one quota, and the leader who signs their ratings (§5)."""

    cycle = models.ForeignKey(Cycle, verbose_name=_("考核周期"), on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("名称"), max_length=100)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评鉴领导"), on_delete=models.PROTECT, related_name="led_groups"
    )

    class Meta:
        verbose_name = _("考核组")
        verbose_name_plural = _("考核组")
        ordering = ["cycle", "name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "name"], name="group_unique_name_per_cycle")]

    def __str__(self) -> str:
        return self.name


class Appraisee(models.Model):
    group = models.ForeignKey(
        AppraisalGroup, verbose_name=_("考核组"), on_delete=models.CASCADE, related_name="appraisees"
    )
    # Repeats group.cycle so the database can hold a person to one group per cycle.
    cycle = models.ForeignKey(Cycle, verbose_name=_("考核周期"), on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "members.Person", verbose_name=_("被考核人"), on_delete=models.PROTECT, related_name="appraisals"
    )
    rating_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代为评鉴的领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("评鉴领导须回避（本人或亲属）时，由此领导评鉴"),
    )

    class Meta:
        verbose_name = _("被考核人")
        verbose_name_plural = _("被考核人")
        constraints = [models.UniqueConstraint(fields=["cycle", "person"], name="appraisee_once_per_cycle")]

    def __str__(self) -> str:
        return str(self.person)


class ScopedByUnitQuerySet(models.QuerySet):
    """Records of a person in a unit: the person sees their own; a unit head, leader, principal leader or
    officer sees those of the units they cover (DOMAIN.md §1). Outside that, a record does not exist (404)."""

    def visible_to(self, user):
        from members.scopes import scope_for

        scope = scope_for(user)
        return self.filter(Q(person_id=scope.person_id) | Q(unit_id__in=scope.unit_ids))


class RatingQuerySet(ScopedByUnitQuerySet):
    def visible_to(self, user):
        """Also the leader of the group and whoever signed: they rated people of units they may not cover."""
        return (super().visible_to(user) | self.filter(Q(group__leader=user) | Q(signed_by=user))).distinct()


class LogStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")


class MonthlyLog(models.Model):
    """月工作记实 (§5). One per person and month; it belongs to the person's unit of that month."""

    person = models.ForeignKey(
        "members.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="monthly_logs"
    )
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    unit = models.ForeignKey("branches.Unit", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=LogStatus.choices, default=LogStatus.DRAFT)
    duties = models.TextField(_("履行职责情况"), blank=True)
    attendance_days = models.DecimalField(_("出勤天数"), max_digits=4, decimal_places=1, null=True, blank=True)
    leave_days = models.DecimalField(_("请假天数"), max_digits=4, decimal_places=1, null=True, blank=True)
    leave_note = models.CharField(_("请假说明"), max_length=200, blank=True)
    study_training = models.TextField(_("学习培训"), blank=True)
    integrity = models.TextField(_("廉洁自律"), blank=True)
    next_month_plan = models.TextField(_("下月工作计划"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    is_late = models.BooleanField(_("逾期提交"), default=False)
    return_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("退回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit_head_comment = models.TextField(_("月评"), blank=True)
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评语人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    commented_at = models.DateTimeField(_("评语时间"), null=True, blank=True)
    # Optimistic locking: a save names the version it started from; a newer one in between is a conflict.
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ScopedByUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("月工作记实")
        verbose_name_plural = _("月工作记实")
        ordering = ["-year", "-month", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "month"], name="monthly_log_once_per_person_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="monthly_log_month_valid"),
            models.CheckConstraint(condition=Q(status="submitted") | Q(is_late=False) | Q(status="returned"),
                                   name="monthly_log_only_submitted_is_late"),
        ]  # fmt: skip
        # The unit head's inbox: logs of a unit for a month.
        indexes = [models.Index(fields=["unit", "year", "month"], name="log_unit_month_idx")]

    def __str__(self) -> str:
        return f"{self.person} {self.year}-{self.month:02d}"

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1


class LogTask(models.Model):
    log = models.ForeignKey(MonthlyLog, verbose_name=_("月记实"), on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveSmallIntegerField(_("序号"))
    task = models.CharField(_("工作任务"), max_length=300)
    result = models.CharField(_("完成情况"), max_length=300, blank=True)
    completed_on = models.DateField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作任务")
        verbose_name_plural = _("工作任务")
        ordering = ["log", "position"]
        constraints = [models.UniqueConstraint(fields=["log", "position"], name="log_task_position_unique")]

    def __str__(self) -> str:
        return self.task


class QuarterlySummary(models.Model):
    """季度小结 on the 平时考核登记表 (§5), written by the unit for each appraisee from the three monthly logs.
    It belongs to the unit of the quarter's end."""

    person = models.ForeignKey(
        "members.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="quarterly_summaries"
    )
    year = models.PositiveSmallIntegerField(_("年"))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    unit = models.ForeignKey("branches.Unit", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    duties = models.TextField(_("履行职责情况"))
    tasks_completed = models.TextField(_("完成工作任务情况"))
    attendance = models.TextField(_("出勤情况"), blank=True)
    unfinished_explanation = models.TextField(_("未完成工作说明"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填写人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ScopedByUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("季度小结")
        verbose_name_plural = _("季度小结")
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "quarter"], name="summary_once_per_person_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="summary_quarter_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year}Q{self.quarter}"


class Delegation(models.Model):
    """代签: an acting leader signs for a leader during a period; ratings record both."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评鉴领导"), on_delete=models.CASCADE, related_name="delegations_given"
    )
    acting = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代签人"),
        on_delete=models.CASCADE,
        related_name="delegations_received",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200)

    class Meta:
        verbose_name = _("代签授权")
        verbose_name_plural = _("代签授权")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="delegation_dates_ordered"),
            models.CheckConstraint(condition=~Q(leader=F("acting")), name="delegation_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.acting} 代 {self.leader}"


class Kinship(models.Model):
    """A family relation that requires recusal (回避) from rating each other."""

    person = models.ForeignKey("members.Person", verbose_name=_("人员"), on_delete=models.CASCADE, related_name="+")
    relative = models.ForeignKey("members.Person", verbose_name=_("亲属"), on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(_("关系"), max_length=50)

    class Meta:
        verbose_name = _("亲属关系（回避）")
        verbose_name_plural = _("亲属关系（回避）")
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"], name="kinship_unique"),
            models.CheckConstraint(condition=~Q(person=F("relative")), name="kinship_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.person}–{self.relative}（{self.relation}）"


class Rating(models.Model):
    """A signed leader rating (领导评鉴) of one appraisee for one period: a quarter, or a half-year in the
    scored variant. Rows are only ever inserted; a correction is revision n+1 with its reason."""

    appraisee = models.ForeignKey(
        Appraisee, verbose_name=_("被考核人"), on_delete=models.PROTECT, related_name="ratings"
    )
    person = models.ForeignKey(
        "members.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="ratings"
    )
    group = models.ForeignKey(
        AppraisalGroup, verbose_name=_("考核组"), on_delete=models.PROTECT, related_name="ratings"
    )
    year = models.PositiveSmallIntegerField(_("年"))
    period = models.PositiveSmallIntegerField(_("季度/半年"))
    revision = models.PositiveSmallIntegerField(_("修订次数"), default=1)
    grade = models.CharField(_("等次"), max_length=12, choices=Grade.choices)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    opinion = models.TextField(_("评鉴意见"))
    unit = models.ForeignKey("branches.Unit", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签署人"), on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代签对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签署时间"))
    signed_content = models.JSONField(_("签署内容"))
    content_hash = models.CharField(_("签名摘要"), max_length=64)
    revision_reason = models.TextField(_("修订原因"), blank=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导评鉴")
        verbose_name_plural = _("领导评鉴")
        ordering = ["year", "period", "person", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "period", "revision"], name="rating_revision_unique"),
            models.CheckConstraint(condition=Q(revision=1) | ~Q(revision_reason=""), name="rating_revision_has_reason"),
            models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                                   name="rating_score_in_range"),
        ]  # fmt: skip
        # The current rating of a group for a period: ratings by group, year and period.
        indexes = [models.Index(fields=["group", "year", "period"], name="rating_group_period_idx")]

    def __str__(self) -> str:
        return f"{self.person} {self.year}-{self.period} {self.get_grade_display()} (r{self.revision})"

    def save(self, *args, **kwargs) -> None:
        # Immutable once written: the admin, a view or a script cannot change a signed rating, only revise it.
        if self.pk is not None:
            raise ValueError("A signed rating cannot be changed; sign a revision instead.")
        super().save(*args, **kwargs)


class Acknowledgement(models.Model):
    """The appraisee has seen this rating (反馈)."""

    rating = models.OneToOneField(
        Rating, verbose_name=_("评鉴"), on_delete=models.PROTECT, related_name="acknowledgement"
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结果确认")
        verbose_name_plural = _("结果确认")

    def __str__(self) -> str:
        return f"{self.rating} ✓"


class Publication(models.Model):
    """公示: a group's ratings for a period made visible to the unit."""

    group = models.ForeignKey(
        AppraisalGroup, verbose_name=_("考核组"), on_delete=models.CASCADE, related_name="publications"
    )
    year = models.PositiveSmallIntegerField(_("年"))
    period = models.PositiveSmallIntegerField(_("季度/半年"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("结果公示")
        verbose_name_plural = _("结果公示")
        constraints = [models.UniqueConstraint(fields=["group", "year", "period"], name="publication_once_per_period")]

    def __str__(self) -> str:
        return f"{self.group} {self.year}-{self.period}"


class AdmonishmentTask(models.Model):
    """A 不称职 rating requires an admonishment talk (诫勉谈话, §5); the task stays open until it is recorded."""

    rating = models.OneToOneField(Rating, verbose_name=_("评鉴"), on_delete=models.PROTECT, related_name="admonishment")
    person = models.ForeignKey(
        "members.Person", verbose_name=_("谈话对象"), on_delete=models.PROTECT, related_name="admonishments"
    )
    opened_at = models.DateTimeField(_("产生时间"), auto_now_add=True)
    talk_on = models.DateField(_("谈话日期"), null=True, blank=True)
    talk_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("谈话人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("谈话记录"), blank=True)
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("诫勉谈话")
        verbose_name_plural = _("诫勉谈话")
        constraints = [
            models.CheckConstraint(
                condition=Q(recorded_at__isnull=True)
                | (Q(talk_on__isnull=False) & Q(talk_by__isnull=False) & ~Q(notes="")),
                name="admonishment_recorded_talk_is_complete",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.person} {self.rating.year}-{self.rating.period}"

    @property
    def is_open(self) -> bool:
        return self.recorded_at is None


class Commendation(models.Model):
    """A commendation or a penalty (§5, §6): level, work item, date, document number."""

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", _("表彰奖励")
        PENALTY = "penalty", _("处分问责")

    class Level(models.TextChoices):
        DISTRICT = "district", _("区级")
        CITY = "city", _("市级")
        PROVINCE = "province", _("省级")
        NATIONAL = "national", _("国家级")

    person = models.ForeignKey(
        "members.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="commendations"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    title = models.CharField(_("名称"), max_length=200)
    work_item = models.CharField(_("对应工作事项"), max_length=200)
    awarded_on = models.DateField(_("日期"))
    document_number = models.CharField(_("文号"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("表彰与处分")
        verbose_name_plural = _("表彰与处分")
        ordering = ["-awarded_on"]

    def __str__(self) -> str:
        return f"{self.person} {self.get_level_display()}{self.get_kind_display()} {self.title}"


class Notification(models.Model):
    """An in-app reminder (§ issue 4 item 7). `key` makes each reminder once per user and day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(_("标识"), max_length=100)
    message = models.CharField(_("内容"), max_length=300)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")]

    def __str__(self) -> str:
        return self.message


# ---- Mid-level cadre appraisal (中层干部考核, DOMAIN.md §6) ------------------------------------------------------


class CadreExerciseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An exercise is seen by the organisation officers covering its unit, and by its scorers (the principal
        leader and the team members). Outside that, it does not exist (404)."""
        from core.roles import Role
        from members.scopes import scope_for

        scope = scope_for(user)
        mine = Q(unit_id__in=scope.units_for(Role.ORG_OFFICER))
        if scope.person_id is not None:
            mine |= Q(principal_leader_id=scope.person_id) | Q(team_members__id=scope.person_id)
        return self.filter(pk__in=self.model.objects.filter(mine).values("pk"))


class CadreExercise(models.Model):
    """One year's appraisal of the mid-level cadres of a unit (§6): four components, a ranking, and filing
    (备案) with the organisation department, after which nothing of it changes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("进行中")
        FILED = "filed", _("已备案")

    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey("branches.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=200)
    principal_leader = models.ForeignKey(
        "members.Person", verbose_name=_("主要领导"), on_delete=models.PROTECT, related_name="+"
    )
    team_members = models.ManyToManyField(
        "members.Person", verbose_name=_("班子成员"), related_name="cadre_exercises_scored", blank=True
    )
    poll = models.OneToOneField(
        "reviews.Poll",
        verbose_name=_("民主测评"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cadre_exercise",
    )
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("建立人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立时间"), auto_now_add=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("备案人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)

    objects = CadreExerciseQuerySet.as_manager()

    class Meta:
        verbose_name = _("中层干部考核")
        verbose_name_plural = _("中层干部考核")
        ordering = ["-year", "unit__sort_order", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="cadre_exercise_once_per_unit_year"),
            models.CheckConstraint(
                condition=Q(status="draft", filed_by__isnull=True, filed_at__isnull=True)
                | Q(status="filed", filed_by__isnull=False, filed_at__isnull=False),
                name="cadre_exercise_filed_is_stamped",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # Filed (备案) is final: the admin, a view or a script cannot change a filed exercise.
        if self.pk is not None and CadreExercise.objects.filter(pk=self.pk, status=self.Status.FILED).exists():
            raise ValueError("A filed cadre appraisal cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def is_filed(self) -> bool:
        return self.status == self.Status.FILED


class CadreAppraisee(models.Model):
    """A cadre in an exercise, with the two scores entered once each: work performance (by the organisation
    officer) and the principal leader's score. Their post is kept as it was at the appraisal."""

    exercise = models.ForeignKey(
        CadreExercise, verbose_name=_("中层干部考核"), on_delete=models.CASCADE, related_name="appraisees"
    )
    person = models.ForeignKey(
        "members.Person", verbose_name=_("被考核干部"), on_delete=models.PROTECT, related_name="cadre_appraisals"
    )
    position = models.CharField(_("职务"), max_length=100, blank=True)
    work_score = models.DecimalField(_("工作实绩得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    principal_score = models.DecimalField(_("主要领导评分"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("被考核干部")
        verbose_name_plural = _("被考核干部")
        ordering = ["exercise", "person__unit__sort_order", "person__unit_id", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "person"], name="cadre_appraisee_once_per_exercise"),
            models.CheckConstraint(condition=Q(work_score__isnull=True) | Q(work_score__gte=0, work_score__lte=100),
                                   name="cadre_work_score_in_range"),
            models.CheckConstraint(
                condition=Q(principal_score__isnull=True) | Q(principal_score__gte=0, principal_score__lte=100),
                name="cadre_principal_score_in_range",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return str(self.person)


class CadreTeamScore(models.Model):
    """One leadership-team member's score of one cadre (§6: the component is the mean of these)."""

    appraisee = models.ForeignKey(
        CadreAppraisee, verbose_name=_("被考核干部"), on_delete=models.CASCADE, related_name="team_scores"
    )
    scorer = models.ForeignKey("members.Person", verbose_name=_("班子成员"), on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("评分"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("班子成员评分")
        verbose_name_plural = _("班子成员评分")
        constraints = [
            models.UniqueConstraint(fields=["appraisee", "scorer"], name="cadre_team_score_once_per_scorer"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="cadre_team_score_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.scorer} → {self.appraisee}: {self.score}"


class CadreResult(models.Model):
    """A cadre's filed result (§6), written once at filing and never updated. The components and the total are
    kept to six decimals for reading; the two-place total and the rank were computed from the exact values, whose
    fractions are kept in `inputs` with everything else the result was computed from."""

    appraisee = models.OneToOneField(
        CadreAppraisee, verbose_name=_("被考核干部"), on_delete=models.PROTECT, related_name="result"
    )
    work_base = models.DecimalField(_("工作实绩得分"), max_digits=5, decimal_places=2)
    adjustment = models.SmallIntegerField(_("表彰加分与处分减分"))
    work_adjusted = models.DecimalField(_("调整后工作实绩得分"), max_digits=6, decimal_places=2)
    principal = models.DecimalField(_("主要领导评分"), max_digits=5, decimal_places=2)
    team_mean = models.DecimalField(_("班子成员评分均值"), max_digits=12, decimal_places=6)
    poll_mean = models.DecimalField(_("民主测评均值"), max_digits=12, decimal_places=6)
    total = models.DecimalField(_("总分（精确值）"), max_digits=12, decimal_places=6)
    total_display = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("名次"))
    inputs = models.JSONField(_("计算依据"))
    # SHA-256 over the result, its inputs and who filed it when (cadre_services.result_content); recomputed by
    # `manage.py verify_signatures` to find a row changed behind the application's back (RELIABILITY R12).
    digest = models.CharField(_("备案摘要"), max_length=64)

    class Meta:
        verbose_name = _("中层干部考核结果")
        verbose_name_plural = _("中层干部考核结果")
        constraints = [models.CheckConstraint(condition=Q(rank__gte=1), name="cadre_result_rank_positive")]

    def __str__(self) -> str:
        return f"{self.appraisee} {self.total_display}（{self.rank}）"

    def save(self, *args, **kwargs) -> None:
        # Written once at filing: a filed result is never changed.
        if self.pk is not None:
            raise ValueError("A filed cadre result cannot be changed.")
        super().save(*args, **kwargs)
