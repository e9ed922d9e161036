"""Anonymous polls (DOMAIN.md §6 民意测评, §7 评议): subjects, questions, one-time voting codes and ballots.

Anonymity is built into the tables, not promised by the views (RELIABILITY.md R21):
- a voting code is kept only as a keyed hash and a used flag, with no timestamp and no batch or person;
- a ballot cast while the poll is open goes to StagedBallot, never to the results tables; at close the staged
  ballots are moved into Ballot/Answer in one shuffled batch and the staging rows are deleted, so neither the
  transaction ids (xmin) nor the physical order of the result rows follow the order of voting;
- no ballot row has a foreign key to a person, a user or a code, and none has a timestamp.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class MemberGrade(models.TextChoices):
    """The result of the democratic evaluation of a member (民主评议党员, DOMAIN.md §7)."""

    EXCELLENT = "excellent", _("优秀")
    QUALIFIED = "qualified", _("合格")
    BASIC = "basic_qualified", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


class PollQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A poll of a unit is seen by the officers covering that unit; a poll of a party organisation by the
        secretaries and officers covering it (DOMAIN.md §1). Outside that, a poll does not exist (404)."""
        from core.roles import Role
        from members.scopes import scope_for

        scope = scope_for(user)
        return self.filter(
            Q(unit_id__in=scope.units_for(Role.ORG_OFFICER)) | Q(organization_id__in=scope.organization_ids)
        )


class Poll(models.Model):
    class Kind(models.TextChoices):
        CADRE = "cadre", _("中层干部民主测评")
        MEMBER = "member", _("民主评议党员互评")
        MASS = "mass", _("群众评议")

    class Status(models.TextChoices):
        DRAFT = "draft", _("准备中")
        OPEN = "open", _("投票中")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    # Exactly one of the two: whose officers (unit) or whose secretaries and officers (organisation) run the poll.
    unit = models.ForeignKey(
        "branches.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    # Below this share of the codes issued the result is invalid (default two thirds).
    turnout_numerator = models.PositiveSmallIntegerField(_("最低投票率（分子）"), default=2)
    turnout_denominator = models.PositiveSmallIntegerField(_("最低投票率（分母）"), default=3)
    # Drop one highest and one lowest score before the mean (a common practice in 民主测评; §6 says mean).
    trimmed_mean = models.BooleanField(_("去掉一个最高分和一个最低分"), default=False)
    # Frozen at close, when the code rows are deleted: the turnout survives without the codes.
    codes_issued = models.PositiveIntegerField(_("发放投票码数"), default=0)
    ballots_cast = models.PositiveIntegerField(_("收回选票数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("建立人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立时间"), auto_now_add=True)
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = PollQuerySet.as_manager()

    class Meta:
        verbose_name = _("测评")
        verbose_name_plural = _("测评")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(organization__isnull=True))
                | (Q(unit__isnull=True) & Q(organization__isnull=False)),
                name="poll_belongs_to_a_unit_or_an_organization",
            ),
            models.CheckConstraint(
                condition=Q(turnout_denominator__gt=0) & Q(turnout_numerator__lte=models.F("turnout_denominator")),
                name="poll_turnout_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner(self):
        """The unit or the party organisation that runs the poll."""
        return self.unit or self.organization


class PollSubject(models.Model):
    """Who or what is evaluated: a person (a cadre, a member) or a party organisation (a branch)."""

    poll = models.ForeignKey(Poll, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="subjects")
    label = models.CharField(_("名称"), max_length=200)
    person = models.ForeignKey(
        "members.Person", verbose_name=_("人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("测评对象")
        verbose_name_plural = _("测评对象")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "person"], condition=Q(person__isnull=False), name="poll_subject_person_once"
            ),
            models.UniqueConstraint(
                fields=["poll", "organization"],
                condition=Q(organization__isnull=False),
                name="poll_subject_organization_once",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(organization__isnull=True),
                name="poll_subject_is_a_person_or_an_organization",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def subject_kind(self) -> str | None:
        """ "person" or "organization" for a linked subject; None for one known by its label only."""
        if self.person_id is not None:
            return PollQuestion.AppliesTo.PERSON
        if self.organization_id is not None:
            return PollQuestion.AppliesTo.ORGANIZATION
        return None


class PollQuestion(models.Model):
    """Asked about every subject it applies to: a score 0–100 or 满意 / 基本满意 / 不满意."""

    class Kind(models.TextChoices):
        SCORE = "score", _("评分（0–100）")
        SATISFACTION = "satisfaction", _("满意度")
        GRADE = "grade", _("评定等次（优秀/合格/基本合格/不合格）")

    class AppliesTo(models.TextChoices):
        ALL = "all", _("全部对象")
        PERSON = "person", _("人员")
        ORGANIZATION = "organization", _("党组织")

    poll = models.ForeignKey(Poll, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("题目"), max_length=200)
    kind = models.CharField(_("题型"), max_length=16, choices=Kind.choices)
    applies_to = models.CharField(_("适用对象"), max_length=16, choices=AppliesTo.choices, default=AppliesTo.ALL)
    # The overall question (总体评价) of a satisfaction poll decides the subject's result (§7: 满意 ballots at least
    # half ...); the aspect questions beside it are shown aspect by aspect but do not enter the verdict.
    is_overall = models.BooleanField(_("总体评价"), default=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("测评题目")
        verbose_name_plural = _("测评题目")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def choices(self) -> list[tuple[str, str]]:
        """The possible marks of a choice question; empty for a score."""
        if self.kind == self.Kind.SATISFACTION:
            return Satisfaction.choices
        if self.kind == self.Kind.GRADE:
            return MemberGrade.choices
        return []

    def applies_to_subject(self, subject: PollSubject) -> bool:
        """A question for persons is not asked about a branch, and the reverse; a label-only subject gets only the
        questions for all subjects."""
        return self.applies_to == self.AppliesTo.ALL or self.applies_to == subject.subject_kind


class VotingCode(models.Model):
    """A one-time code, kept only as far as needed to refuse reuse: a keyed hash and a used flag (§7).
    The plain code exists only on the printed slip. Deleted when the poll closes."""

    poll = models.ForeignKey(Poll, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(_("投票码摘要"), max_length=64, unique=True)
    used = models.BooleanField(_("已使用"), default=False)

    class Meta:
        verbose_name = _("投票码")
        verbose_name_plural = _("投票码")

    def __str__(self) -> str:
        return str(_("投票码（已使用）") if self.used else _("投票码（未使用）"))


class StagedBallot(models.Model):
    """A ballot cast while the poll is open, waiting for the shuffled move at close (R21). Random key, no
    timestamp, no link to a code; `answers` maps "subject_id:question_id" to a score or a Satisfaction value."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="+")
    answers = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("待归集选票")
        verbose_name_plural = _("待归集选票")

    def __str__(self) -> str:
        return str(self.id)


class Ballot(models.Model):
    """A counted ballot, written only at close, in shuffled order. Random key, no timestamp, no voter, no code."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="ballots")

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        # Listed by the random key: no order that reveals the sequence of voting.
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.id)


class Answer(models.Model):
    """One mark on a ballot: a score or a satisfaction level for one subject and question. A subject left
    unmarked has no Answer rows on that ballot (blank for that subject)."""

    ballot = models.ForeignKey(Ballot, verbose_name=_("选票"), on_delete=models.CASCADE, related_name="answers")
    subject = models.ForeignKey(PollSubject, verbose_name=_("测评对象"), on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(PollQuestion, verbose_name=_("题目"), on_delete=models.CASCADE, related_name="+")
    score = models.DecimalField(
        _("分数"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # A Satisfaction or a MemberGrade value, by the question's kind.
    choice = models.CharField(_("评价"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "subject", "question"], name="answer_once_per_ballot"),
            models.CheckConstraint(
                condition=(Q(score__isnull=False) & Q(choice="")) | (Q(score__isnull=True) & ~Q(choice="")),
                name="answer_is_a_score_or_a_choice",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="answer_score_between_0_and_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}/{self.question_id}: {self.score if self.score is not None else self.choice}"


# ---- Party reviews (DOMAIN.md §7) --------------------------------------------------------------------------------


class BranchScopedQuerySet(models.QuerySet):
    """Records of a party organisation are seen by the secretaries and officers covering it (§1); elsewhere 404."""

    field = "branch_id"

    def visible_to(self, user):
        from members.scopes import scope_for

        return self.filter(**{f"{self.field}__in": scope_for(user).organization_ids})


class RoundScopedQuerySet(BranchScopedQuerySet):
    field = "organization_id"


class DemocraticEvaluation(models.Model):
    """民主评议党员 of one branch for one year (§7): self-evaluation, mutual evaluation by anonymous ballots (a
    poll of kind MEMBER with one GRADE question), and the branch's decision per member with the reason."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        FINALISED = "finalised", _("已确定结果")

    branch = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    mutual_poll = models.OneToOneField(
        Poll,
        verbose_name=_("党员互评"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="democratic_evaluation",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("建立人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立时间"), auto_now_add=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确定人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    finalised_at = models.DateTimeField(_("确定时间"), null=True, blank=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("民主评议党员")
        verbose_name_plural = _("民主评议党员")
        ordering = ["-year", "branch"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year"], name="democratic_evaluation_once_per_branch_year"),
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.year}"


class MemberEvaluation(models.Model):
    """One member in a democratic evaluation: the self-evaluation and the branch's decision with its reason."""

    evaluation = models.ForeignKey(
        DemocraticEvaluation, verbose_name=_("民主评议"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey("members.Person", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    self_evaluation = models.TextField(_("自我评价"), blank=True)
    self_evaluated_at = models.DateTimeField(_("自评时间"), null=True, blank=True)
    result = models.CharField(_("评议结果"), max_length=20, choices=MemberGrade.choices, blank=True)
    reason = models.TextField(_("评定理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评定人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("评定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("党员评议")
        verbose_name_plural = _("党员评议")
        ordering = ["evaluation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "person"], name="member_evaluation_once_per_person"),
            models.CheckConstraint(condition=Q(result="") | ~Q(reason=""), name="member_evaluation_result_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_result_display() or '—'}"


class MassRoundKind(models.TextChoices):
    """一季一评议、半年一小结、年终一总评 (§7), and the re-evaluation three months after a rectification."""

    QUARTER = "quarter", _("季度评议")
    HALF_YEAR = "half_year", _("半年小结")
    YEAR_END = "year_end", _("年终总评")
    REEVALUATION = "reevaluation", _("整改复评")


class MassEvaluationRound(models.Model):
    """群众评议 round of a party organisation and its subtree: branches on six aspects, members on five (§7), in
    one anonymous poll of kind MASS whose subjects and questions the round's services set up."""

    organization = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("评议类别"), max_length=16, choices=MassRoundKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    # The quarter (1–4) or half (1–2); 0 for the year-end total and re-evaluations.
    period = models.PositiveSmallIntegerField(_("期次"), default=0)
    poll = models.OneToOneField(Poll, verbose_name=_("测评"), on_delete=models.PROTECT, related_name="mass_round")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("建立人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("建立时间"), auto_now_add=True)

    objects = RoundScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("群众评议")
        verbose_name_plural = _("群众评议")
        ordering = ["-year", "-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "kind", "period"],
                condition=~Q(kind="reevaluation"),
                name="mass_round_once_per_period",
            ),
            models.CheckConstraint(
                condition=(Q(kind="quarter") & Q(period__gte=1) & Q(period__lte=4))
                | (Q(kind="half_year") & Q(period__gte=1) & Q(period__lte=2))
                | (Q(kind__in=["year_end", "reevaluation"]) & Q(period=0)),
                name="mass_round_period_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.poll.title


class MassActivity(models.Model):
    """What a branch did in a round besides the ballots, with counts (§7 statistics sheet items 2–4)."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("群众评议会议")
        VISIT = "visit", _("走访调研")
        TALK = "talk", _("个别谈话")
        FORUM = "forum", _("座谈交流")
        OPINION_FORM = "opinion_form", _("发放征求意见表")
        LEADER_REPORT = "leader_report", _("主要负责人通报活动开展情况")
        UPPER_ATTENDANCE = "upper_attendance", _("上级党组织指派人参加评议")

    round = models.ForeignKey(
        MassEvaluationRound, verbose_name=_("群众评议"), on_delete=models.CASCADE, related_name="activities"
    )
    organization = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    # Times, persons, forms or person-times, by kind (场、次、个、张、人、人次).
    count = models.PositiveIntegerField(_("数量"), validators=[MinValueValidator(1)])
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评议方式记录")
        verbose_name_plural = _("评议方式记录")
        ordering = ["round", "held_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(count__gte=1), name="mass_activity_count_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.count}"


class SelfIntroduction(models.Model):
    """A member who introduced their part in the activity at the evaluation (§7 statistics sheet item 5)."""

    round = models.ForeignKey(
        MassEvaluationRound, verbose_name=_("群众评议"), on_delete=models.CASCADE, related_name="self_introductions"
    )
    person = models.ForeignKey("members.Person", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("党员自我介绍")
        verbose_name_plural = _("党员自我介绍")
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="self_introduction_once_per_round")]

    def __str__(self) -> str:
        return str(self.person)


class PublicServiceItem(models.Model):
    """A thing done for the public (为群众办实事、做好事、解难事, §7 statistics sheet item 6)."""

    round = models.ForeignKey(
        MassEvaluationRound, verbose_name=_("群众评议"), on_delete=models.CASCADE, related_name="public_services"
    )
    organization = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("事项"), max_length=200)
    done_on = models.DateField(_("完成日期"))
    description = models.TextField(_("情况说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("为群众办实事")
        verbose_name_plural = _("为群众办实事")
        ordering = ["round", "done_on", "id"]

    def __str__(self) -> str:
        return self.title


class RectificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Seen and handled by the secretaries and officers of the round's organisation, and by those of the subject:
        the branch itself, or the member's branch (a round run by a committee reaches its branches' secretaries)."""
        from members.scopes import scope_for

        scope = scope_for(user).organization_ids
        return self.filter(
            Q(round__organization_id__in=scope)
            | Q(organization_id__in=scope)
            | Q(person__membership__branch_id__in=scope)
        )


class Rectification(models.Model):
    """整改 opened by a 不满意 result (§7): a deadline, measures and evidence, and a re-evaluation three months after
    the round closed. A 不满意 again at the re-evaluation opens a new rectification that needs an organisational talk
    (组织谈话) before it can be completed."""

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        DONE = "done", _("整改完成，待复评")
        PASSED = "passed", _("复评通过")
        FAILED = "failed", _("复评仍不满意")

    round = models.ForeignKey(
        MassEvaluationRound, verbose_name=_("群众评议"), on_delete=models.PROTECT, related_name="rectifications"
    )
    person = models.ForeignKey(
        "members.Person", verbose_name=_("党员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "branches.PartyOrganization",
        verbose_name=_("党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_label = models.CharField(_("整改对象"), max_length=200)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateField(_("整改期限"))
    measures = models.TextField(_("整改措施"), blank=True)
    evidence = models.TextField(_("整改佐证"), blank=True)
    reevaluation_due = models.DateField(_("复评日期"))
    reevaluation_round = models.ForeignKey(
        MassEvaluationRound,
        verbose_name=_("复评"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reevaluation_result = models.CharField(_("复评结果"), max_length=12, choices=Satisfaction.choices, blank=True)
    # The rectification whose re-evaluation failed again: this one is the second failure and needs a talk.
    previous = models.OneToOneField(
        "self", verbose_name=_("上一次整改"), null=True, blank=True, on_delete=models.PROTECT, related_name="next"
    )
    created_at = models.DateTimeField(_("建立时间"), auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("完成确认人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(organization__isnull=True))
                | (Q(person__isnull=True) & Q(organization__isnull=False)),
                name="rectification_for_a_person_or_an_organization",
            ),
            models.UniqueConstraint(
                fields=["round", "person"], condition=Q(person__isnull=False), name="rectification_person_per_round"
            ),
            models.UniqueConstraint(
                fields=["round", "organization"],
                condition=Q(organization__isnull=False),
                name="rectification_organization_per_round",
            ),
            models.CheckConstraint(
                condition=Q(reevaluation_due__gte=models.F("deadline")),
                name="rectification_reevaluation_not_before_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label} {self.get_status_display()}"

    @property
    def talk_required(self) -> bool:
        """A second failure (§7: failing again requires an organisational talk)."""
        return self.previous_id is not None


class OrganisationalTalk(models.Model):
    """组织谈话 held with the subject of a second failure (§7)."""

    rectification = models.OneToOneField(
        Rectification, verbose_name=_("整改"), on_delete=models.PROTECT, related_name="talk"
    )
    talked_on = models.DateField(_("谈话日期"))
    talked_by = models.CharField(_("谈话人"), max_length=100)
    content = models.TextField(_("谈话内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织谈话")
        verbose_name_plural = _("组织谈话")

    def __str__(self) -> str:
        return f"{self.rectification.subject_label} {self.talked_on}"


class CommentaryLevel(models.TextChoices):
    """领导点评 on three levels (§7, the fifth document of 003_…)."""

    UPPER_ON_BRANCH = "upper_on_branch", _("上级领导点评支部")
    SECRETARY_ON_COMMITTEE = "secretary_on_committee", _("支部书记点评支委委员")
    COMMITTEE_ON_MEMBER = "committee_on_member", _("支委委员点评党员")


class LeaderCommentary(models.Model):
    """One commentary: on a branch by a leader of the upper level, or on a person by the secretary or a committee
    member. `items` holds the text for each listed content of the level (reviews.commentary.ITEMS)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("点评层级"), max_length=24, choices=CommentaryLevel.choices)
    branch = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "members.Person",
        verbose_name=_("被点评人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commentator = models.ForeignKey(
        "members.Person",
        verbose_name=_("点评人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Upper-level leaders are often not in this system: their name and post as written.
    commentator_name = models.CharField(_("点评人姓名"), max_length=100)
    commentator_post = models.CharField(_("点评人职务"), max_length=100, blank=True)
    commented_on = models.DateField(_("点评日期"))
    items = models.JSONField(_("点评内容"), default=dict)
    strengths = models.TextField(_("主要优点"), blank=True)
    improvements = models.TextField(_("需要改进的地方"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导点评")
        verbose_name_plural = _("领导点评")
        ordering = ["-year", "branch", "level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="upper_on_branch") & Q(person__isnull=True))
                | (~Q(level="upper_on_branch") & Q(person__isnull=False) & Q(commentator__isnull=False)),
                name="commentary_subject_fits_level",
            ),
            models.UniqueConstraint(
                fields=["year", "branch"],
                condition=Q(level="upper_on_branch"),
                name="commentary_branch_once_a_year",
            ),
            models.UniqueConstraint(
                fields=["year", "level", "person"],
                condition=Q(person__isnull=False),
                name="commentary_person_once_a_year_per_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.year}"


class PublicCommitment(models.Model):
    """公开承诺 of a branch (no person) or of a member, at the start of the year, with fulfilment and evidence (§7).
    The evaluations show it next to the subject."""

    class Fulfilment(models.TextChoices):
        PENDING = "pending", _("未开始")
        IN_PROGRESS = "in_progress", _("推进中")
        FULFILLED = "fulfilled", _("已兑现")
        UNFULFILLED = "unfulfilled", _("未兑现")

    year = models.PositiveSmallIntegerField(_("年度"))
    branch = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "members.Person",
        verbose_name=_("承诺党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("不填为支部的承诺"),
    )
    content = models.TextField(_("承诺内容"))
    made_on = models.DateField(_("承诺日期"))
    fulfilment = models.CharField(_("兑现情况"), max_length=12, choices=Fulfilment.choices, default=Fulfilment.PENDING)
    fulfilment_note = models.TextField(_("兑现说明"), blank=True)
    evidence = models.TextField(_("佐证材料"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公开承诺")
        verbose_name_plural = _("公开承诺")
        ordering = ["-year", "branch", "person", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "branch"], condition=Q(person__isnull=True), name="commitment_branch_once_a_year"
            ),
            models.UniqueConstraint(
                fields=["year", "person"], condition=Q(person__isnull=False), name="commitment_person_once_a_year"
            ),
            # Fulfilled needs its evidence: a claim without it is what the rules warn against.
            models.CheckConstraint(
                condition=~Q(fulfilment="fulfilled") | ~Q(evidence=""), name="commitment_fulfilled_has_evidence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.person or self.branch}"


class StarRating(models.Model):
    """党员评星定级 (§7, from 004_…): one to five stars for a member for a year, with the reasons."""

    year = models.PositiveSmallIntegerField(_("年度"))
    branch = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey("members.Person", verbose_name=_("党员"), on_delete=models.PROTECT, related_name="+")
    stars = models.PositiveSmallIntegerField(_("星级"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    reasons = models.TextField(_("评定理由"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评定人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(_("评定时间"), auto_now=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员评星定级")
        verbose_name_plural = _("党员评星定级")
        ordering = ["-year", "branch", "-stars", "id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "person"], name="star_rating_once_a_year"),
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="star_rating_one_to_five"),
            models.CheckConstraint(condition=~Q(reasons=""), name="star_rating_has_reasons"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {'★' * self.stars}"


class SecretaryReport(models.Model):
    """双述双评 (§7, from 004_…): the branch secretary reports at year end to the members and to the upper level,
    and is assessed by both."""

    class UpperAssessment(models.TextChoices):
        GOOD = "good", _("好")
        FAIRLY_GOOD = "fairly_good", _("较好")
        AVERAGE = "average", _("一般")
        POOR = "poor", _("差")

    year = models.PositiveSmallIntegerField(_("年度"))
    branch = models.ForeignKey(
        "branches.PartyOrganization", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="+"
    )
    secretary = models.ForeignKey(
        "members.Person", verbose_name=_("支部书记"), on_delete=models.PROTECT, related_name="+"
    )
    report = models.TextField(_("述职内容"))
    reported_to_members_on = models.DateField(_("向党员群众述职日期"), null=True, blank=True)
    members_assessment = models.CharField(_("党员群众评议"), max_length=12, choices=Satisfaction.choices, blank=True)
    reported_to_upper_on = models.DateField(_("向上级党组织述职日期"), null=True, blank=True)
    upper_assessment = models.CharField(_("上级党组织考评"), max_length=12, choices=UpperAssessment.choices, blank=True)
    upper_comment = models.TextField(_("上级党组织评语"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = BranchScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("双述双评")
        verbose_name_plural = _("双述双评")
        ordering = ["-year", "branch"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year"], name="secretary_report_once_a_year"),
            # An assessment follows the report it assesses.
            models.CheckConstraint(
                condition=Q(members_assessment="") | Q(reported_to_members_on__isnull=False),
                name="secretary_report_members_assessed_after_report",
            ),
            models.CheckConstraint(
                condition=Q(upper_assessment="") | Q(reported_to_upper_on__isnull=False),
                name="secretary_report_upper_assessed_after_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch} {self.year}"
