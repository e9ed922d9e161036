"""Reads of the democratic evaluation of members (民主评议党员, DOMAIN.md §7): one evaluation's members table, and the
counts per result with the pass rate for a branch or an organisation subtree and a year.

Figures are exact (integers and Fractions); the pass rate is shown as a percentage with two decimals, half up
(reviews.rules.percent). The page's Excel export and the report 民主评议党员结果 are made by `statistics_sheets`,
so both hold the same figures.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from branches.models import PartyOrganization
from core.exports import Sheet

from .models import DemocraticEvaluation, MemberEvaluation, MemberGrade, Poll, PollQuestion
from .results import PollResults, poll_results
from .rules import percent

GRADES = MemberGrade.values


def pass_rate(counts: dict[str, int]) -> Fraction | None:
    """合格率 (§7, "the share not 不合格"): (优秀 + 合格 + 基本合格) ÷ the members whose result has been decided.
    Everyone decided and not 不合格 passes, 基本合格 included. Members not yet decided are in neither the numerator
    nor the denominator (they are shown apart as 未评定); None when nobody has been decided."""
    decided = sum(counts.get(grade, 0) for grade in GRADES)
    if decided == 0:
        return None
    return Fraction(decided - counts.get(MemberGrade.UNQUALIFIED, 0), decided)


@dataclass(frozen=True)
class ResultCounts:
    """Members per result (every MemberGrade value present, zeros included) and those not yet decided."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    undecided: int = 0

    @classmethod
    def of(cls, results: Iterable[str]) -> "ResultCounts":
        """From the stored results of members ("" for undecided)."""
        tally = Counter(results)
        return cls(counts={grade: tally[grade] for grade in GRADES}, undecided=tally[""])

    def __add__(self, other: "ResultCounts") -> "ResultCounts":
        return ResultCounts(
            counts={grade: self.counts[grade] + other.counts[grade] for grade in GRADES},
            undecided=self.undecided + other.undecided,
        )

    @property
    def decided(self) -> int:
        return sum(self.counts.values())

    @property
    def total(self) -> int:
        return self.decided + self.undecided

    @property
    def passed(self) -> int:
        return self.decided - self.counts[MemberGrade.UNQUALIFIED]

    @property
    def pass_rate(self) -> Fraction | None:
        return pass_rate(self.counts)

    @property
    def pass_percent(self) -> Decimal | None:
        return percent(self.pass_rate)

    def in_order(self) -> list[tuple[str, str, int]]:
        """(value, label, count) in the order 优秀, 合格, 基本合格, 不合格."""
        return [(value, str(label), self.counts[value]) for value, label in MemberGrade.choices]


# ---- One evaluation ----------------------------------------------------------------------------------------------


@dataclass
class MemberRow:
    member: MemberEvaluation
    # Ballots of the mutual evaluation per MemberGrade value; None while the vote has not closed (§7: results appear
    # only after the round closes).
    mutual: dict[str, int] | None = None
    mutual_valid: int | None = None

    @property
    def has_self_evaluation(self) -> bool:
        return bool(self.member.self_evaluation)

    @property
    def mutual_in_order(self) -> list[int]:
        return [self.mutual.get(grade, 0) for grade in GRADES] if self.mutual is not None else []


@dataclass
class EvaluationTable:
    evaluation: DemocraticEvaluation
    rows: list[MemberRow]
    counts: ResultCounts
    # The closed mutual poll's results (turnout and validity); None while it has not closed.
    mutual_results: PollResults | None

    @property
    def self_evaluated(self) -> int:
        return sum(1 for row in self.rows if row.has_self_evaluation)


def _grade_counts(results: PollResults, person_id: int) -> tuple[dict[str, int], int] | None:
    subject = results.subject_for_person(person_id)
    if subject is None:
        return None
    grade = next((q for q in subject.questions if q.question.kind == PollQuestion.Kind.GRADE), None)
    if grade is None:
        return None
    return grade.counts, subject.valid


def evaluation_table(evaluation: DemocraticEvaluation) -> EvaluationTable:
    """Each member with their self-evaluation, the mutual evaluation's ballots per grade once the vote has closed,
    and the branch's decision."""
    members = list(
        evaluation.members.select_related("person__unit", "decided_by__person").order_by(
            "person__name_initials", "person__name", "pk"
        )
    )
    poll = evaluation.mutual_poll
    results = poll_results(poll) if poll is not None and poll.status == Poll.Status.CLOSED else None
    rows = []
    for member in members:
        row = MemberRow(member=member)
        if results is not None and (found := _grade_counts(results, member.person_id)) is not None:
            row.mutual, row.mutual_valid = found
        rows.append(row)
    return EvaluationTable(
        evaluation=evaluation,
        rows=rows,
        counts=ResultCounts.of(m.result for m in members),
        mutual_results=results,
    )


# ---- A branch or a subtree and a year ----------------------------------------------------------------------------


@dataclass
class BranchStatistics:
    branch: PartyOrganization
    # None when the branch has not opened the year's evaluation (未开展).
    evaluation: DemocraticEvaluation | None
    members: list[MemberEvaluation]
    counts: ResultCounts

    @property
    def status_label(self) -> str:
        if self.evaluation is None:
            return _("未开展")
        return str(self.evaluation.get_status_display())


@dataclass
class DemocraticStatistics:
    organization: PartyOrganization
    year: int
    branches: list[BranchStatistics]
    total: ResultCounts

    @property
    def evaluated(self) -> int:
        return sum(1 for b in self.branches if b.evaluation is not None)

    @property
    def finalised(self) -> int:
        return sum(
            1 for b in self.branches if b.evaluation and b.evaluation.status == DemocraticEvaluation.Status.FINALISED
        )


def democratic_statistics(*, organization: PartyOrganization, year: int) -> DemocraticStatistics:
    """Per branch of the organisation's subtree (the organisation itself when it is a branch) the year's counts per
    result, undecided, total and pass rate, and the same over the whole subtree. A branch that has not opened the
    year's evaluation is listed as 未开展 with no members. Decisions of an evaluation not yet finalised count as they
    stand; the branch's status says whether they are final."""
    branches = list(
        PartyOrganization.objects.filter(pk__in=PartyOrganization.objects.subtree_ids([organization.pk]))
        .branches()
        .order_by("sort_order", "id")
    )
    evaluations = {e.branch_id: e for e in DemocraticEvaluation.objects.filter(branch__in=branches, year=year)}
    members_by_evaluation: dict[int, list[MemberEvaluation]] = {e.pk: [] for e in evaluations.values()}
    for member in (
        MemberEvaluation.objects.filter(evaluation__in=evaluations.values())
        .select_related("person")
        .order_by("person__name_initials", "person__name", "pk")
    ):
        members_by_evaluation[member.evaluation_id].append(member)
    rows = []
    for branch in branches:
        evaluation = evaluations.get(branch.pk)
        members = members_by_evaluation[evaluation.pk] if evaluation else []
        rows.append(BranchStatistics(branch, evaluation, members, ResultCounts.of(m.result for m in members)))
    return DemocraticStatistics(
        organization=organization, year=year, branches=rows, total=sum((r.counts for r in rows), ResultCounts())
    )


def result_label(member: MemberEvaluation) -> str:
    return str(member.get_result_display()) if member.result else _("未评定")


def statistics_sheets(statistics: DemocraticStatistics) -> list[Sheet]:
    """The statistics per branch with the subtree's total, and every member's result and reason."""
    grade_labels = [str(label) for label in MemberGrade.labels]
    headers = [_("党支部"), _("状态"), _("党员数"), *grade_labels, _("未评定"), _("合格率（%）")]

    def figures(counts: ResultCounts) -> list:
        return [counts.total, *(count for _v, _l, count in counts.in_order()), counts.undecided, counts.pass_percent]

    rows = [[b.branch.name, b.status_label, *figures(b.counts)] for b in statistics.branches]
    rows.append([_("合计"), _("%(n)d个支部开展") % {"n": statistics.evaluated}, *figures(statistics.total)])
    members = [
        [b.branch.name, m.person.name, _("已填写") if m.self_evaluation else _("未填写"), result_label(m), m.reason]
        for b in statistics.branches
        for m in b.members
    ]
    return [
        Sheet(_("结果统计"), headers, rows),
        Sheet(_("评议结果"), [_("党支部"), _("姓名"), _("自我评价"), _("评议结果"), _("评定理由")], members),
    ]
