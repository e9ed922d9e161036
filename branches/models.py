"""The two organisation trees (DOMAIN.md §2) and meeting records (三会一课, §4)."""

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TreeQuerySet(models.QuerySet):
    def subtree_ids(self, root_ids: Iterable[int]) -> set[int]:
        """The ids of the given nodes and all their descendants.

        The trees hold tens to a few hundred nodes, so one query for all edges and a walk in Python is
        simpler and faster than a recursive query or a denormalised path.
        """
        return self.subtrees(root_ids)[0]

    def subtrees(self, *root_sets: Iterable[int]) -> list[set[int]]:
        """subtree_ids of each set of roots, from one query for the edges."""
        children: dict[int | None, list[int]] = defaultdict(list)
        for node_id, parent_id in self.model.objects.values_list("id", "parent_id"):
            children[parent_id].append(node_id)
        return [_walk(children, roots) for roots in root_sets]


def _walk(children: dict[int | None, list[int]], root_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    stack = list(root_ids)
    while stack:
        node_id = stack.pop()
        if node_id in found:
            continue
        found.add(node_id)
        stack.extend(children.get(node_id, ()))
    return found


class UnitQuerySet(TreeQuerySet):
    def visible_to(self, user) -> "UnitQuerySet":
        from members.scopes import scope_for

        return self.filter(pk__in=scope_for(user).unit_ids)


class PartyOrganizationQuerySet(TreeQuerySet):
    def visible_to(self, user) -> "PartyOrganizationQuerySet":
        from members.scopes import scope_for

        return self.filter(pk__in=scope_for(user).organization_ids)

    def branches(self) -> "PartyOrganizationQuerySet":
        return self.filter(kind=PartyOrganization.Kind.BRANCH)


class Unit(models.Model):
    """Administrative tree: the organ (机关) and its departments (内设机构)."""

    class Kind(models.TextChoices):
        ORGAN = "organ", _("机关")
        DEPARTMENT = "department", _("内设机构")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政机构")
        verbose_name_plural = _("行政机构")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unit_unique_name_under_parent"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class PartyOrganization(models.Model):
    """Party tree: 机关工委 → 党委 / 党总支 → 党支部 → 党小组."""

    class Kind(models.TextChoices):
        WORKING_COMMITTEE = "working_committee", _("机关工委")
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        GROUP = "group", _("党小组")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = PartyOrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="partyorg_unique_name_under_parent"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="partyorg_not_own_parent"),
            # A group always sits under a branch; only the top of the tree has no parent.
            models.CheckConstraint(
                condition=Q(kind="working_committee") | Q(kind="committee") | Q(parent__isnull=False),
                name="partyorg_lower_levels_have_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_branch(self) -> bool:
        return self.kind == self.Kind.BRANCH

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP


class MeetingKind(models.TextChoices):
    COMMITTEE_MEETING = "committee_meeting", _("支委会")
    GENERAL_MEETING = "general_meeting", _("支部党员大会")
    GROUP_MEETING = "group_meeting", _("党小组会")
    PARTY_LECTURE = "party_lecture", _("党课")
    THEMED_PARTY_DAY = "themed_party_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MeetingQuerySet":
        """Meetings of the organisations in the user's scope, and those the user attended or missed."""
        from members.scopes import scope_for

        scope = scope_for(user)
        own = Q(pk__in=MeetingAttendance.objects.filter(person_id=scope.person_id).values("meeting_id"))
        return self.filter(Q(organization_id__in=scope.organization_ids) | own)


class Meeting(models.Model):
    organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("会议类型"), max_length=24, choices=MeetingKind.choices)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=200)
    topic = models.CharField(_("主题"), max_length=300)
    host = models.ForeignKey(
        "members.Person",
        verbose_name=_("主持人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorder = models.ForeignKey(
        "members.Person",
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    minutes = models.TextField(_("会议记录"), blank=True)
    resolutions = models.TextField(_("决议事项"), blank=True)
    is_late_entry = models.BooleanField(_("补录"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("会议记录")
        verbose_name_plural = _("会议记录")
        ordering = ["-held_on", "-id"]
        # Compliance and silence checks count meetings per organisation and date range.
        indexes = [models.Index(fields=["organization", "held_on"], name="meeting_org_date_idx")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()} {self.topic}"


class MeetingAttendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        ABSENT = "absent", _("缺席")

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(
        "members.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="meeting_attendances"
    )
    status = models.CharField(_("出席情况"), max_length=8, choices=Status.choices)
    absence_reason = models.CharField(_("缺席原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="attendance_once_per_meeting"),
            models.CheckConstraint(
                condition=Q(status="present") | ~Q(absence_reason=""), name="attendance_absence_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_status_display()}"


def attachment_upload_path(instance: "MeetingAttachment", filename: str) -> str:
    # The stored name is random: the original name is kept in the row, never in the path.
    return f"meetings/{instance.meeting_id}/{uuid.uuid4().hex}"


class MeetingAttachment(models.Model):
    token = models.UUIDField(_("下载标识"), default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_upload_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("校验值"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class MeetingFrequencyRule(models.Model):
    """Minimum frequency of a meeting kind (DOMAIN.md §4). A rule with no organisation is the default;
    a rule on an organisation applies to it and its subtree, the nearest one winning."""

    class Period(models.TextChoices):
        MONTH = "month", _("每月")
        QUARTER = "quarter", _("每季度")
        HALF_YEAR = "half_year", _("每半年")
        YEAR = "year", _("每年")

    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("适用组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="frequency_rules",
        help_text=_("留空表示全系统默认"),
    )
    kind = models.CharField(_("会议类型"), max_length=24, choices=MeetingKind.choices)
    period = models.CharField(_("周期"), max_length=16, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField(_("最少次数"), default=1)

    class Meta:
        verbose_name = _("会议频次要求")
        verbose_name_plural = _("会议频次要求")
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="frequency_rule_once_per_org_kind"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(organization__isnull=True),
                name="frequency_rule_one_default_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_period_display()} ≥{self.min_count}"


class ComplianceExemption(models.Model):
    """A period in which an organisation is not held to the minimum frequency (e.g. formed mid-period)."""

    organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="exemptions"
    )
    kind = models.CharField(
        _("会议类型"), max_length=24, choices=MeetingKind.choices, blank=True, help_text=_("留空表示全部类型")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("频次豁免")
        verbose_name_plural = _("频次豁免")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="exemption_dates_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.starts_on}–{self.ends_on}"


class CommitteePost(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
    ORGANIZATION = "organization", _("组织委员")
    PUBLICITY = "publicity", _("宣传委员")
    DISCIPLINE = "discipline", _("纪检委员")
    MEMBER = "member", _("委员")


class CommitteeTermQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CommitteeTermQuerySet":
        from members.scopes import scope_for

        return self.filter(organization_id__in=scope_for(user).organization_ids)


class CommitteeTerm(models.Model):
    """One elected committee of a party organisation (换届, DOMAIN.md §2). A new election adds a term; earlier
    terms are kept unchanged as the committee's history."""

    organization = models.ForeignKey(
        PartyOrganization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="committee_terms"
    )
    elected_on = models.DateField(_("选举日期"))
    term_years = models.PositiveSmallIntegerField(_("任期（年）"), default=3)
    ends_on = models.DateField(_("任期届满"))
    document_number = models.CharField(_("批复文号"), max_length=100, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = CommitteeTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("支部委员会任期")
        verbose_name_plural = _("支部委员会任期")
        ordering = ["organization", "-elected_on"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "elected_on"], name="committeeterm_one_per_date"),
            models.CheckConstraint(condition=Q(term_years__gte=1, term_years__lte=5), name="committeeterm_years_1_5"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("elected_on")), name="committeeterm_ends_after"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.elected_on:%Y-%m-%d}—{self.ends_on:%Y-%m-%d}"


class CommitteeMember(models.Model):
    term = models.ForeignKey(CommitteeTerm, verbose_name=_("任期"), on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("members.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("职务"), max_length=20, choices=CommitteePost.choices)

    class Meta:
        verbose_name = _("支部委员")
        verbose_name_plural = _("支部委员")
        ordering = ["term", "id"]
        constraints = [
            models.UniqueConstraint(fields=["term", "person"], name="committeemember_once_per_term"),
            # One secretary, deputy and each named 委员 per committee; plain 委员 any number.
            models.UniqueConstraint(
                fields=["term", "post"], condition=~Q(post="member"), name="committeemember_one_per_post"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_post_display()}"
