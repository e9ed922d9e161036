"""People, their party membership (DOMAIN.md §3) and the role assignments that give each user a scope (§1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from core.roles import Role


def name_initials(name: str) -> str:
    """Pinyin initials for search: 张三丰 → zsf."""
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    UNDERGRADUATE = "undergraduate", _("大学本科")
    JUNIOR_COLLEGE = "junior_college", _("大专")
    SECONDARY_OR_BELOW = "secondary", _("中专及以下")


class ServiceStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("在职")
    RETIRED = "retired", _("离退休")


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PersonQuerySet":
        """Oneself; the units a unit head, leader or officer looks after; the branches of a secretary or officer."""
        from .scopes import scope_for

        scope = scope_for(user)
        return self.filter(
            Q(pk=scope.person_id) | Q(unit_id__in=scope.unit_ids) | Q(membership__branch_id__in=scope.organization_ids)
        )


class Person(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, editable=False, db_index=True)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_("出生日期"))
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices)
    id_number = models.CharField(_("身份证号"), max_length=18, null=True, blank=True, unique=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    unit = models.ForeignKey("branches.Unit", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="people")
    position = models.CharField(_("职务"), max_length=100, blank=True)
    rank = models.CharField(_("职级"), max_length=50, blank=True)
    service_status = models.CharField(
        _("在职状态"), max_length=16, choices=ServiceStatus.choices, default=ServiceStatus.IN_SERVICE
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "id"]
        # The member list is ordered by name within a unit.
        indexes = [models.Index(fields=["unit", "name"], name="person_unit_name_idx")]
        # Statistics count every person into exactly one gender and one education band (§3): no other values.
        constraints = [
            models.CheckConstraint(condition=Q(gender__in=["male", "female"]), name="person_gender_known"),
            models.CheckConstraint(
                condition=Q(education__in=["postgraduate", "undergraduate", "junior_college", "secondary"]),
                name="person_education_known",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="person_has_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # A derived search key: kept in step with the name wherever the row is written (forms, admin, import).
        self.name_initials = name_initials(self.name)
        super().save(*args, **kwargs)


class MembershipStage(models.TextChoices):
    APPLICANT = "applicant", _("入党申请人")
    ACTIVIST = "activist", _("入党积极分子")
    DEVELOPMENT_TARGET = "development_target", _("发展对象")
    PROBATIONARY = "probationary", _("预备党员")
    FULL = "full", _("正式党员")


PARTY_MEMBER_STAGES = (MembershipStage.PROBATIONARY, MembershipStage.FULL)


class Standing(models.TextChoices):
    NORMAL = "normal", _("正常")
    KEPT = "kept", _("保留党籍")
    SUSPENDED = "suspended", _("停止党籍")
    LOST_CONTACT = "lost_contact", _("失去联系")


class DuesCategoryChoice(models.TextChoices):
    BY_STATUS = "by_status", _("按在职 / 离退休标准")
    FLAT = "flat", _("学生、失业、领取最低生活保障金")


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MembershipQuerySet":
        """Party records (development, dues, transfers, ledgers) are kept by the branch secretary and the
        organisation officer: the memberships of the party organisations in their scope (§1)."""
        from .scopes import scope_for

        return self.filter(branch_id__in=scope_for(user).organization_ids)


class Membership(models.Model):
    """A person's place in the party: stage, branch and group, and the dates of each stage (§3)."""

    person = models.OneToOneField(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="membership")
    stage = models.CharField(_("政治面貌"), max_length=24, choices=MembershipStage.choices)
    branch = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("所在支部"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    group = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("党小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_memberships",
    )
    applied_on = models.DateField(_("申请入党日期"), null=True, blank=True)
    activist_on = models.DateField(_("确定积极分子日期"), null=True, blank=True)
    target_on = models.DateField(_("确定发展对象日期"), null=True, blank=True)
    admitted_on = models.DateField(_("入党日期"), null=True, blank=True)
    full_on = models.DateField(_("转正日期"), null=True, blank=True)
    left_on = models.DateField(
        _("转出日期"), null=True, blank=True, help_text=_("组织关系转出之日起不再计入本组织统计")
    )
    # Party standing (§3): follows the latest StandingChange; kept here so lists and ledgers filter on it.
    standing = models.CharField(_("党籍状态"), max_length=16, choices=Standing.choices, default=Standing.NORMAL)
    # Ledger flags (§3): floating members (流动党员).
    is_floating = models.BooleanField(_("流动党员"), default=False)
    floating_destination = models.CharField(_("外出流向"), max_length=200, blank=True)
    floating_since = models.DateField(_("外出日期"), null=True, blank=True)
    # Party dues (§3): the base is the monthly income after tax, in fen; a flat category pays a fixed amount.
    dues_category = models.CharField(
        _("党费类别"), max_length=16, choices=DuesCategoryChoice.choices, default=DuesCategoryChoice.BY_STATUS
    )
    dues_base_fen = models.PositiveIntegerField(_("党费计算基数（分）"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员信息")
        verbose_name_plural = _("党员信息")
        constraints = [
            models.CheckConstraint(
                condition=~Q(stage__in=["probationary", "full"]) | Q(admitted_on__isnull=False),
                name="membership_member_has_admission_date",
            ),
            models.CheckConstraint(
                condition=~Q(stage="full") | Q(full_on__isnull=False), name="membership_full_has_full_date"
            ),
            models.CheckConstraint(
                condition=Q(full_on__isnull=True) | Q(full_on__gte=models.F("admitted_on")),
                name="membership_full_after_admission",
            ),
            models.CheckConstraint(
                condition=Q(is_floating=False) | (Q(floating_since__isnull=False) & ~Q(floating_destination="")),
                name="membership_floating_has_destination",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_stage_display()}"


class RoleAssignment(models.Model):
    """A role held by a user, with what it covers: a unit for unit heads and leaders, a party organisation for
    branch secretaries, and either or both for organisation officers. Subtrees are included."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    unit = models.ForeignKey(
        "branches.Unit",
        verbose_name=_("负责机构"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    organization = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("负责党组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["unit_head", "leader", "principal_leader"]) | Q(unit__isnull=False),
                name="roleassignment_unit_roles_name_unit",
            ),
            models.CheckConstraint(
                condition=~Q(role="branch_secretary") | Q(organization__isnull=False),
                name="roleassignment_secretary_names_organization",
            ),
            models.CheckConstraint(
                condition=~Q(role="org_officer") | Q(organization__isnull=False) | Q(unit__isnull=False),
                name="roleassignment_officer_names_scope",
            ),
            models.UniqueConstraint(fields=["user", "role", "unit", "organization"], name="roleassignment_unique"),
        ]

    def __str__(self) -> str:
        target = self.unit or self.organization or ""
        return f"{self.user} · {self.get_role_display()} {target}"


# ---- The life of a party member (DOMAIN.md §3): development, thought reports, standing, transfers, dues, ledgers.
# History tables are append-only: services create rows and never update or delete them (receipts and reviews
# fill in fields that were empty); the admin shows them read-only.


class BranchScopedQuerySet(models.QuerySet):
    """Rows that belong to a membership: visible to the secretary and the officer of its branch (§1)."""

    branch_lookup = "membership__branch_id"

    def visible_to(self, user) -> "BranchScopedQuerySet":
        from .scopes import scope_for

        return self.filter(**{f"{self.branch_lookup}__in": scope_for(user).organization_ids})


class DuesMonthQuerySet(BranchScopedQuerySet):
    # A month belongs to the branch the member was in when it was assessed.
    branch_lookup = "branch_id"


class DuesPaymentQuerySet(BranchScopedQuerySet):
    branch_lookup = "dues_month__branch_id"


class HardshipHelpQuerySet(BranchScopedQuerySet):
    branch_lookup = "case__membership__branch_id"


class DevelopmentStepKind(models.TextChoices):
    APPLY = "apply", _("递交入党申请书")
    ACTIVIST = "activist", _("确定为入党积极分子")
    TARGET = "target", _("列为发展对象")
    ADMIT = "admit", _("接收为预备党员")
    EXTEND = "extend", _("延长预备期")
    CONVERT = "convert", _("预备党员转正")


class DevelopmentStep(models.Model):
    """One step of the development pipeline with its date, responsible people and opinions (§3)."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("党员信息"), on_delete=models.PROTECT, related_name="development_steps"
    )
    step = models.CharField(_("步骤"), max_length=16, choices=DevelopmentStepKind.choices)
    taken_on = models.DateField(_("日期"))
    responsible = models.ManyToManyField(
        Person,
        verbose_name=_("培养联系人 / 入党介绍人"),
        blank=True,
        related_name="development_responsibilities",
    )
    opinion = models.TextField(_("党支部意见"), blank=True)
    higher_opinion = models.TextField(_("上级党组织意见"), blank=True)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("延长期限（月）"), null=True, blank=True)
    late_reason = models.CharField(_("逾期说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("发展党员步骤")
        verbose_name_plural = _("发展党员步骤")
        ordering = ["taken_on", "id"]
        constraints = [
            # Each step happens once; probation is extended at most once (by up to a year).
            models.UniqueConstraint(fields=["membership", "step"], name="devstep_once_per_step"),
            models.CheckConstraint(
                condition=(Q(step="extend") & Q(extension_months__gte=1, extension_months__lte=12) & ~Q(opinion=""))
                | (~Q(step="extend") & Q(extension_months__isnull=True)),
                name="devstep_extension_has_months_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.person} {self.get_step_display()} {self.taken_on}"


class TimingRule(models.Model):
    """A timing rule between two steps (§3): the earliest date after the previous step (min_months) and the
    validity period within which the step is due (max_months). Defaults come from a data migration."""

    step = models.CharField(_("步骤"), max_length=16, choices=DevelopmentStepKind.choices)
    previous_step = models.CharField(_("前一步骤"), max_length=16, choices=DevelopmentStepKind.choices)
    min_months = models.PositiveSmallIntegerField(_("最短间隔（月）"), default=0)
    max_months = models.PositiveSmallIntegerField(
        _("有效期（月）"), null=True, blank=True, help_text=_("留空表示不限；超过有效期的须填写逾期说明")
    )
    name = models.CharField(_("规则"), max_length=200)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("发展党员时限规则")
        verbose_name_plural = _("发展党员时限规则")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["step", "previous_step"], name="timingrule_once_per_step_pair"),
            models.CheckConstraint(condition=~Q(step=models.F("previous_step")), name="timingrule_two_steps"),
            models.CheckConstraint(
                condition=Q(max_months__isnull=True) | Q(max_months__gte=models.F("min_months")),
                name="timingrule_validity_after_minimum",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ThoughtReport(models.Model):
    """A quarterly thought report (思想汇报) of an activist or development target, with the review (§3)."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("党员信息"), on_delete=models.PROTECT, related_name="thought_reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    received_on = models.DateField(_("收到日期"))
    summary = models.TextField(_("内容摘要"), blank=True)
    reviewer = models.ForeignKey(
        Person, verbose_name=_("审阅人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(_("审阅意见"), blank=True)
    reviewed_on = models.DateField(_("审阅日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("思想汇报")
        verbose_name_plural = _("思想汇报")
        ordering = ["year", "quarter", "id"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "year", "quarter"], name="thoughtreport_once_per_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="thoughtreport_quarter_1_4"),
            models.CheckConstraint(
                condition=Q(reviewed_on__isnull=True, review_comment="")
                | (Q(reviewed_on__gte=models.F("received_on")) & ~Q(review_comment="")),
                name="thoughtreport_review_complete_and_after_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.person} {self.year}年第{self.quarter}季度思想汇报"


class StandingChangeKind(models.TextChoices):
    KEPT = "kept", _("保留党籍")
    SUSPENDED = "suspended", _("停止党籍")
    RESTORED = "restored", _("恢复党籍")
    LOST_CONTACT = "lost_contact", _("失去联系")
    CONTACT_RESTORED = "contact_restored", _("恢复联系")


# Changes decided by a party organisation carry the number of its document (文号).
STANDING_KINDS_WITH_DOCUMENT = (StandingChangeKind.KEPT, StandingChangeKind.SUSPENDED, StandingChangeKind.RESTORED)


class StandingChange(models.Model):
    """A change of party standing (党籍, §3). Rows are never changed: the history is the list of changes."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("党员信息"), on_delete=models.PROTECT, related_name="standing_changes"
    )
    kind = models.CharField(_("变动类型"), max_length=20, choices=StandingChangeKind.choices)
    effective_on = models.DateField(_("日期"))
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    reason = models.TextField(_("原因"))
    standing_before = models.CharField(_("变动前"), max_length=16, choices=Standing.choices)
    standing_after = models.CharField(_("变动后"), max_length=16, choices=Standing.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党籍变动")
        verbose_name_plural = _("党籍变动")
        ordering = ["effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["kept", "suspended", "restored"]) | ~Q(document_number=""),
                name="standingchange_decision_has_document",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="standingchange_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.membership.person} {self.get_kind_display()} {self.effective_on}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("办理中")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已撤销")


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TransferQuerySet":
        """Transfers are for the secretaries and officers of the branch on either end (§0, §1)."""
        from .scopes import scope_for

        organization_ids = scope_for(user).organization_ids
        return self.filter(Q(from_branch_id__in=organization_ids) | Q(to_branch_id__in=organization_ids))


class Transfer(models.Model):
    """An organisational relation transfer (组织关系转接, §3) with the introduction letter's data as issued.

    Out of the organ: from_branch only; the member leaves the counts on transferred_on. Into the organ:
    to_branch only; the person is linked when they report. Within the organ: both; the member moves to the
    receiving branch when it receives them."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    from_branch = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("转出支部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_branch = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("接收支部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    from_name = models.CharField(_("转出党组织"), max_length=200)
    to_name = models.CharField(_("接收党组织"), max_length=200)
    letter_number = models.CharField(_("介绍信编号"), max_length=50, blank=True)
    transferred_on = models.DateField(_("转接日期"))
    valid_until = models.DateField(_("有效期至"))
    reason = models.CharField(_("转接原因"), max_length=200, blank=True)
    # The introduction letter (介绍信) as issued (§3).
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices)
    age = models.PositiveSmallIntegerField(_("年龄"))
    ethnicity = models.CharField(_("民族"), max_length=20)
    party_status = models.CharField(_("党员身份"), max_length=24, choices=MembershipStage.choices)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    dues_paid_until = models.DateField(_("党费缴至"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    receipt_on = models.DateField(
        _("回执 / 报到日期"), null=True, blank=True, help_text=_("转出：收到回执之日；转入：党员报到之日")
    )
    receipt_note = models.CharField(_("回执说明"), max_length=200, blank=True)
    cancelled_on = models.DateField(_("撤销日期"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-transferred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_branch__isnull=False) | Q(to_branch__isnull=False), name="transfer_touches_organ"
            ),
            models.CheckConstraint(condition=~Q(from_branch=models.F("to_branch")), name="transfer_two_branches"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("transferred_on")), name="transfer_valid_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(receipt_on__isnull=True) | Q(receipt_on__gte=models.F("transferred_on")),
                name="transfer_receipt_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(party_status__in=["probationary", "full"]), name="transfer_of_party_members"
            ),
            models.CheckConstraint(
                condition=(Q(status="pending") & Q(receipt_on__isnull=True, cancelled_on__isnull=True))
                | (Q(status="completed") & Q(receipt_on__isnull=False, cancelled_on__isnull=True))
                | (Q(status="cancelled") & Q(cancelled_on__isnull=False) & ~Q(cancel_reason="")),
                name="transfer_status_matches_dates",
            ),
            # A member has at most one transfer under way.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="pending", person__isnull=False),
                name="transfer_one_pending_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.from_name} → {self.to_name} {self.transferred_on}"

    @property
    def direction(self) -> str:
        if self.to_branch_id is None:
            return "out"
        if self.from_branch_id is None:
            return "in"
        return "internal"

    @property
    def direction_label(self) -> str:
        return {"out": _("转出机关"), "in": _("转入机关"), "internal": _("机关内转接")}[self.direction]


class DuesRateCategory(models.TextChoices):
    IN_SERVICE = "in_service", _("在职")
    RETIRED = "retired", _("离退休")
    FLAT = "flat", _("学生、失业、领取最低生活保障金")


class DuesRate(models.Model):
    """A band of the dues rate table (§3): a base up to and including up_to_fen pays `rate` of it, or a fixed
    amount. The open band (no upper bound) takes every higher base. Defaults come from a data migration."""

    category = models.CharField(_("类别"), max_length=16, choices=DuesRateCategory.choices)
    up_to_fen = models.PositiveIntegerField(
        _("基数上限（分，含）"), null=True, blank=True, help_text=_("留空表示以上不限")
    )
    rate = models.DecimalField(
        _("比例"), max_digits=6, decimal_places=4, null=True, blank=True, help_text=_("例如 0.0050 即 0.5%")
    )
    fixed_fen = models.PositiveIntegerField(_("固定金额（分/月）"), null=True, blank=True)

    class Meta:
        verbose_name = _("党费比例")
        verbose_name_plural = _("党费比例")
        ordering = ["category", models.F("up_to_fen").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["category", "up_to_fen"], name="duesrate_one_band_per_bound"),
            models.UniqueConstraint(
                fields=["category"], condition=Q(up_to_fen__isnull=True), name="duesrate_one_open_band"
            ),
            models.CheckConstraint(
                condition=(Q(rate__isnull=False) & Q(fixed_fen__isnull=True))
                | (Q(rate__isnull=True) & Q(fixed_fen__isnull=False)),
                name="duesrate_rate_or_fixed",
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | Q(rate__gte=0, rate__lte=1), name="duesrate_rate_is_a_fraction"
            ),
        ]

    def __str__(self) -> str:
        bound = f"≤{self.up_to_fen / 100:.2f}元" if self.up_to_fen is not None else "以上"
        amount = f"{self.rate * 100:.1f}%" if self.rate is not None else f"{(self.fixed_fen or 0) / 100:.2f}元/月"
        return f"{self.get_category_display()} {bound} {amount}"


class DuesMonth(models.Model):
    """One member's dues for one month (§3): base, rate and amount due as assessed, and what has been paid."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("党员信息"), on_delete=models.PROTECT, related_name="dues_months"
    )
    branch = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("支部"), on_delete=models.PROTECT, related_name="dues_months"
    )
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    category = models.CharField(_("类别"), max_length=16, choices=DuesRateCategory.choices)
    base_fen = models.PositiveIntegerField(_("基数（分）"), null=True, blank=True)
    rate = models.DecimalField(_("比例"), max_digits=6, decimal_places=4, null=True, blank=True)
    due_fen = models.PositiveIntegerField(_("应缴（分）"))
    paid_fen = models.PositiveIntegerField(_("实缴（分）"), default=0)
    last_paid_on = models.DateField(_("缴纳日期"), null=True, blank=True)
    assessed_at = models.DateTimeField(_("核定时间"), auto_now_add=True)

    objects = DuesMonthQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费月账")
        verbose_name_plural = _("党费月账")
        ordering = ["month", "id"]
        # The month ledger and the arrears list of a branch.
        indexes = [models.Index(fields=["branch", "month"], name="duesmonth_branch_month_idx")]
        constraints = [
            models.UniqueConstraint(fields=["membership", "month"], name="duesmonth_once_per_member_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="duesmonth_first_of_month"),
            models.CheckConstraint(condition=Q(due_fen__gte=0, paid_fen__gte=0), name="duesmonth_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(paid_fen=0) | Q(last_paid_on__isnull=False), name="duesmonth_paid_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.person} {self.month:%Y-%m}"

    @property
    def outstanding_fen(self) -> int:
        return max(0, self.due_fen - self.paid_fen)


class DuesPayment(models.Model):
    """One payment towards one month's dues. Payments are never changed or removed."""

    dues_month = models.ForeignKey(DuesMonth, verbose_name=_("月账"), on_delete=models.PROTECT, related_name="payments")
    amount_fen = models.PositiveIntegerField(_("金额（分）"))
    paid_on = models.DateField(_("缴纳日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = DuesPaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("党费缴纳记录")
        verbose_name_plural = _("党费缴纳记录")
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="duespayment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.dues_month} {self.amount_fen / 100:.2f}"


class HardshipCategory(models.TextChoices):
    LIVING = "living", _("生活困难")
    ILLNESS = "illness", _("因病致困")
    DISASTER = "disaster", _("因灾致困")
    OTHER = "other", _("其他")


class HardshipCase(models.Model):
    """A member in difficulty (困难党员, §3). Visible only to the branch secretary and the officer (§0)."""

    membership = models.ForeignKey(
        Membership, verbose_name=_("党员信息"), on_delete=models.PROTECT, related_name="hardship_cases"
    )
    category = models.CharField(_("困难类型"), max_length=16, choices=HardshipCategory.choices)
    situation = models.TextField(_("困难情况"))
    since = models.DateField(_("登记日期"))
    closed_on = models.DateField(_("解除日期"), null=True, blank=True)
    close_reason = models.CharField(_("解除原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("困难党员")
        verbose_name_plural = _("困难党员")
        ordering = ["-since", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(closed_on__isnull=True), name="hardship_one_open_case"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | (Q(closed_on__gte=models.F("since")) & ~Q(close_reason="")),
                name="hardship_closed_after_opened_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.person} {self.get_category_display()}"


class HardshipHelpKind(models.TextChoices):
    MONEY = "money", _("慰问金")
    GOODS = "goods", _("慰问品")
    PAIRING = "pairing", _("结对帮扶")
    OTHER = "other", _("其他帮扶")


class HardshipHelp(models.Model):
    """Help given to a member in difficulty. Never changed or removed."""

    case = models.ForeignKey(HardshipCase, verbose_name=_("困难登记"), on_delete=models.PROTECT, related_name="helps")
    given_on = models.DateField(_("日期"))
    kind = models.CharField(_("帮扶方式"), max_length=16, choices=HardshipHelpKind.choices)
    amount_fen = models.PositiveIntegerField(_("金额（分）"), default=0)
    description = models.CharField(_("帮扶内容"), max_length=300)
    given_by = models.CharField(_("帮扶人 / 单位"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = HardshipHelpQuerySet.as_manager()

    class Meta:
        verbose_name = _("帮扶记录")
        verbose_name_plural = _("帮扶记录")
        ordering = ["given_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="hardshiphelp_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.given_on} {self.get_kind_display()}"
