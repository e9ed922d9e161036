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

    class AppliesTo(models.TextChoices):
        ALL = "all", _("全部对象")
        PERSON = "person", _("人员")
        ORGANIZATION = "organization", _("党组织")

    poll = models.ForeignKey(Poll, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("题目"), max_length=200)
    kind = models.CharField(_("题型"), max_length=16, choices=Kind.choices)
    applies_to = models.CharField(_("适用对象"), max_length=16, choices=AppliesTo.choices, default=AppliesTo.ALL)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("测评题目")
        verbose_name_plural = _("测评题目")
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.text

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
    choice = models.CharField(_("评价"), max_length=12, choices=Satisfaction.choices, blank=True)

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
