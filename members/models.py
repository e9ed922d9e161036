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
