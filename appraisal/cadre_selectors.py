"""Reads of the mid-level cadre appraisal (中层干部考核, DOMAIN.md §6): the exercises a user may open, the entry
rows of each scorer, the ranking (computed live until filing, read from the filed results after), its export, and
the filed results in the appraisal archive (考核实绩档案).

The live ranking and the filing are one computation: appraisal.cadre_services.cadre_exercise_file writes exactly
the rows this module computes, so the page before filing, the filed result and the export cannot disagree.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.exports import Sheet
from core.models import User
from core.roles import Role
from members.models import Person
from members.scopes import scope_for
from reviews.models import Poll
from reviews.results import PollResults, poll_results

from . import cadre_rules
from .models import CadreAppraisee, CadreExercise, CadreResult, CadreTeamScore, Commendation
from .year import ArchiveEntry

SCORING_RULE = _lazy(
    "总分 = 工作实绩（含表彰加分、处分减分）×40% + 主要领导评分×30% + 班子成员评分均值×10% + 民主测评均值×20%；"
    "按精确值排名，总分相同的名次并列；显示保留两位小数（四舍五入）。"
)


def exercises_visible_to(user: User) -> QuerySet[CadreExercise]:
    return CadreExercise.objects.visible_to(user).select_related("unit", "principal_leader", "poll")


def year_commendations(exercise: CadreExercise) -> dict[int, list[Commendation]]:
    """Each cadre's commendations and penalties dated in the exercise's year, oldest first (§6)."""
    found: dict[int, list[Commendation]] = {}
    for commendation in Commendation.objects.filter(
        person__cadre_appraisals__exercise=exercise, awarded_on__year=exercise.year
    ).order_by("awarded_on", "pk"):
        found.setdefault(commendation.person_id, []).append(commendation)
    return found


def _appraisees(exercise: CadreExercise) -> list[CadreAppraisee]:
    return list(
        exercise.appraisees.select_related("person__unit").order_by(
            "person__unit__sort_order", "person__unit_id", "person__name", "pk"
        )
    )


def _names(people: list[Person]) -> str:
    return "、".join(p.name for p in people)


# ---- The ranking ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdjustmentLine:
    """A commendation or penalty of the year as the ranking shows it, with the points it contributes."""

    commendation_id: int
    kind: str
    level: str
    title: str
    work_item: str
    document_number: str
    awarded_on: datetime.date
    points: int

    @property
    def is_penalty(self) -> bool:
        return self.kind == Commendation.Kind.PENALTY

    @property
    def kind_label(self) -> str:
        return str(dict(Commendation.Kind.choices).get(self.kind, self.kind))

    @property
    def level_label(self) -> str:
        return str(dict(Commendation.Level.choices).get(self.level, self.level))

    @property
    def counted(self) -> bool:
        return self.points != 0

    @property
    def points_label(self) -> str:
        return signed(self.points) if self.counted else _("同一事项按最高级别计分，不重复计")

    @property
    def description(self) -> str:
        return _("%(level)s%(kind)s“%(title)s”（%(item)s）%(points)s") % {
            "level": self.level_label,
            "kind": self.kind_label,
            "title": self.title,
            "item": self.work_item,
            "points": self.points_label,
        }

    def as_json(self) -> dict:
        return {
            "id": self.commendation_id,
            "kind": self.kind,
            "level": self.level,
            "title": self.title,
            "work_item": self.work_item,
            "document_number": self.document_number,
            "awarded_on": self.awarded_on.isoformat(),
            "points": self.points,
        }

    @classmethod
    def from_json(cls, data: dict) -> "AdjustmentLine":
        return cls(
            commendation_id=data["id"],
            kind=data["kind"],
            level=data["level"],
            title=data["title"],
            work_item=data["work_item"],
            document_number=data["document_number"],
            awarded_on=datetime.date.fromisoformat(data["awarded_on"]),
            points=data["points"],
        )


def signed(points: int) -> str:
    """+5, −3, 0: the sign shown with an adjustment."""
    if points > 0:
        return f"+{points}"
    return f"−{-points}" if points < 0 else "0"


def adjustment_lines(items: list[Commendation]) -> list[AdjustmentLine]:
    return [
        AdjustmentLine(
            commendation_id=c.item.pk,
            kind=c.item.kind,
            level=c.item.level,
            title=c.item.title,
            work_item=c.item.work_item,
            document_number=c.item.document_number,
            awarded_on=c.item.awarded_on,
            points=c.points,
        )
        for c in cadre_rules.adjustment_breakdown(items)
    ]


@dataclass
class RankingRow:
    appraisee: CadreAppraisee
    work_base: Decimal | None
    adjustments: list[AdjustmentLine]
    adjustment: int
    principal: Decimal | None
    team_scores: dict[int, Decimal]
    team_expected: int
    team_mean: Fraction | None
    poll_mean: Fraction | None
    poll_valid: int | None
    missing: list[str] = field(default_factory=list)
    total: Fraction | None = None
    rank: int | None = None

    @property
    def person(self) -> Person:
        return self.appraisee.person

    @property
    def work_adjusted(self) -> Decimal | None:
        return None if self.work_base is None else self.work_base + self.adjustment

    @property
    def adjustment_label(self) -> str:
        return signed(self.adjustment)

    @property
    def team_mean_shown(self) -> Decimal | None:
        return None if self.team_mean is None else cadre_rules.two_places(self.team_mean)

    @property
    def poll_mean_shown(self) -> Decimal | None:
        return None if self.poll_mean is None else cadre_rules.two_places(self.poll_mean)

    @property
    def total_shown(self) -> Decimal | None:
        return None if self.total is None else cadre_rules.two_places(self.total)


@dataclass
class Ranking:
    exercise: CadreExercise
    rows: list[RankingRow]
    team: list[Person]
    filed: bool
    # Why the exercise cannot be filed yet (empty when it can, and once filed).
    missing: list[str]
    poll_status: str
    codes_issued: int | None = None
    ballots_cast: int | None = None
    turnout_reached: bool | None = None

    @property
    def complete(self) -> bool:
        return not self.missing


def exercise_ranking(exercise: CadreExercise) -> Ranking:
    """The ranking of the exercise (§6): the filed results once filed; until then computed from what has been
    entered, with each cadre's missing components and the exercise-level reasons it cannot be filed yet. Totals
    and ranks exist only for cadres whose four components are complete."""
    if exercise.is_filed:
        return _filed_ranking(exercise)
    return _live_ranking(exercise)


def _live_ranking(exercise: CadreExercise) -> Ranking:
    appraisees = _appraisees(exercise)
    team = list(exercise.team_members.order_by("name", "pk"))
    team_ids = {p.pk for p in team}
    team_scores: dict[int, dict[int, Decimal]] = {a.pk: {} for a in appraisees}
    for row in CadreTeamScore.objects.filter(appraisee__exercise=exercise, scorer_id__in=team_ids):
        team_scores[row.appraisee_id][row.scorer_id] = row.score
    commendations = year_commendations(exercise)
    poll = exercise.poll
    results = poll_results(poll) if poll is not None and poll.status == Poll.Status.CLOSED else None

    rows = []
    for appraisee in appraisees:
        lines = adjustment_lines(commendations.get(appraisee.person_id, []))
        scores = team_scores[appraisee.pk]
        subject = results.subject_for_person(appraisee.person_id) if results is not None else None
        row = RankingRow(
            appraisee=appraisee,
            work_base=appraisee.work_score,
            adjustments=lines,
            adjustment=sum(line.points for line in lines),
            principal=appraisee.principal_score,
            team_scores=scores,
            team_expected=len(team),
            team_mean=cadre_rules.mean(list(scores.values())),
            poll_mean=subject.score if subject is not None else None,
            poll_valid=subject.valid if subject is not None else None,
        )
        if row.work_base is None:
            row.missing.append(_("工作实绩得分未录入"))
        if row.principal is None:
            row.missing.append(_("主要领导未评分"))
        if not team or len(scores) < len(team):
            row.missing.append(_("班子成员评分 %(n)d/%(m)d") % {"n": len(scores), "m": len(team)})
        if results is None:
            row.missing.append(_("民主测评未结束"))
        elif row.poll_mean is None:
            row.missing.append(_("民主测评无有效选票"))
        if not row.missing:
            row.total = cadre_rules.weighted_total(row.work_adjusted, row.principal, row.team_mean, row.poll_mean)
        rows.append(row)
    ranks = cadre_rules.ranks({row.appraisee.pk: row.total for row in rows if row.total is not None})
    for row in rows:
        row.rank = ranks.get(row.appraisee.pk)
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0))

    ranking = Ranking(
        exercise=exercise,
        rows=rows,
        team=team,
        filed=False,
        missing=_missing(exercise, rows, team, results),
        poll_status=poll.get_status_display() if poll is not None else _("未建立"),
    )
    if results is not None:
        ranking.codes_issued, ranking.ballots_cast = results.codes_issued, results.ballots_cast
        ranking.turnout_reached = results.turnout_reached
    return ranking


def _missing(
    exercise: CadreExercise, rows: list[RankingRow], team: list[Person], results: PollResults | None
) -> list[str]:
    """What stops the filing, in words the officer can act on."""
    missing: list[str] = []
    if not rows:
        missing.append(_("没有被考核干部。"))
    if not team:
        missing.append(_("没有设置班子成员。"))
    no_work = [row.person for row in rows if row.work_base is None]
    if no_work:
        missing.append(_("以下干部尚未录入工作实绩得分：%(names)s。") % {"names": _names(no_work)})
    no_principal = [row.person for row in rows if row.principal is None]
    if no_principal:
        missing.append(
            _("主要领导%(leader)s尚未给以下干部评分：%(names)s。")
            % {"leader": exercise.principal_leader.name, "names": _names(no_principal)}
        )
    for member in team:
        unscored = [row.person for row in rows if member.pk not in row.team_scores]
        if unscored:
            missing.append(
                _("班子成员%(member)s尚未给以下干部评分：%(names)s。")
                % {"member": member.name, "names": _names(unscored)}
            )
    poll = exercise.poll
    if results is None:
        missing.append(_("民主测评尚未结束：请在投票结束后再备案。"))
    else:
        if not results.turnout_reached:
            missing.append(
                _("民主测评投票率未达到 %(num)d/%(den)d：发放投票码 %(issued)d 个，收回选票 %(cast)d 张。")
                % {
                    "num": poll.turnout_numerator,
                    "den": poll.turnout_denominator,
                    "issued": results.codes_issued,
                    "cast": results.ballots_cast,
                }
            )
        no_ballots = [row.person for row in rows if row.poll_mean is None]
        if no_ballots:
            missing.append(_("民主测评中以下干部没有有效选票：%(names)s。") % {"names": _names(no_ballots)})
    return missing


def _filed_ranking(exercise: CadreExercise) -> Ranking:
    results = {
        r.appraisee_id: r
        for r in CadreResult.objects.filter(appraisee__exercise=exercise).select_related("appraisee__person__unit")
    }
    team = list(exercise.team_members.order_by("name", "pk"))
    rows = []
    for appraisee in _appraisees(exercise):
        result = results[appraisee.pk]
        rows.append(_filed_row(result, appraisee, len(team)))
    rows.sort(key=lambda row: (row.rank, row.person.name))
    poll = exercise.poll
    return Ranking(
        exercise=exercise,
        rows=rows,
        team=team,
        filed=True,
        missing=[],
        poll_status=poll.get_status_display() if poll is not None else "",
        codes_issued=poll.codes_issued if poll is not None else None,
        ballots_cast=poll.ballots_cast if poll is not None else None,
        turnout_reached=True,
    )


def _filed_row(result: CadreResult, appraisee: CadreAppraisee, team_size: int) -> RankingRow:
    inputs = result.inputs
    return RankingRow(
        appraisee=appraisee,
        work_base=result.work_base,
        adjustments=[AdjustmentLine.from_json(c) for c in inputs["commendations"]],
        adjustment=result.adjustment,
        principal=result.principal,
        team_scores={int(k): Decimal(v) for k, v in inputs["team_scores"].items()},
        team_expected=team_size,
        team_mean=Fraction(inputs["team_mean"]),
        poll_mean=Fraction(inputs["poll"]["mean"]),
        poll_valid=inputs["poll"]["valid"],
        total=Fraction(inputs["total"]),
        rank=result.rank,
    )


def result_inputs(row: RankingRow, exercise: CadreExercise) -> dict:
    """What a filed result was computed from, exact fractions as "p/q": enough to recompute it (RELIABILITY R16)."""
    return {
        "work_base": str(row.work_base),
        "commendations": [line.as_json() for line in row.adjustments],
        "principal": str(row.principal),
        "team_scores": {str(k): str(v) for k, v in row.team_scores.items()},
        "team_mean": fraction_text(row.team_mean),
        "poll": {"poll": exercise.poll_id, "valid": row.poll_valid, "mean": fraction_text(row.poll_mean)},
        "total": fraction_text(row.total),
    }


def fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def ranking_sheets(ranking: Ranking) -> list[Sheet]:
    """The ranking as the page shows it: two-place figures, the rank, and what is missing while provisional."""
    exercise = ranking.exercise
    headers = [
        _("名次"), _("姓名"), _("部门"), _("职务"), _("工作实绩得分"), _("表彰加分/处分减分"), _("调整后工作实绩"),
        _("主要领导评分"), _("班子成员评分（均值）"), _("民主测评（均值）"), _("总分"), _("表彰与处分明细"), _("备注"),
    ]  # fmt: skip
    rows = []
    for row in ranking.rows:
        details = "；".join(line.description for line in row.adjustments)
        rows.append(
            [
                row.rank,
                row.person.name,
                row.person.unit.name,
                row.appraisee.position,
                row.work_base,
                row.adjustment,
                row.work_adjusted,
                row.principal,
                row.team_mean_shown,
                row.poll_mean_shown,
                row.total_shown,
                details,
                "；".join(row.missing),
            ]
        )
    state = _("已备案") if ranking.filed else _("暂定，未备案")
    title = _("%(year)d年度中层干部考核排名") % {"year": exercise.year}
    info = [
        [_("考核"), exercise.title],
        [_("单位"), exercise.unit.name],
        [_("状态"), state],
        [_("计分办法"), str(SCORING_RULE)],
    ]  # fmt: skip
    if ranking.filed:
        info.append([_("备案时间"), exercise.filed_at])
    return [Sheet(title, headers, rows), Sheet(_("说明"), [_("项目"), _("内容")], info)]


# ---- Entry pages ---------------------------------------------------------------------------------------------


@dataclass
class EntryRow:
    appraisee: CadreAppraisee
    current: Decimal | None
    adjustments: list[AdjustmentLine] = field(default_factory=list)

    @property
    def person(self) -> Person:
        return self.appraisee.person

    @property
    def adjustment(self) -> int:
        return sum(line.points for line in self.adjustments)

    @property
    def adjustment_label(self) -> str:
        return signed(self.adjustment)

    @property
    def adjusted(self) -> Decimal | None:
        return None if self.current is None else self.current + self.adjustment


def work_entry_rows(exercise: CadreExercise) -> list[EntryRow]:
    """Each cadre's work-performance score with the year's commendations and penalties and what they add."""
    commendations = year_commendations(exercise)
    return [
        EntryRow(a, a.work_score, adjustment_lines(commendations.get(a.person_id, []))) for a in _appraisees(exercise)
    ]


def principal_entry_rows(exercise: CadreExercise) -> list[EntryRow]:
    return [EntryRow(a, a.principal_score) for a in _appraisees(exercise)]


def team_entry_rows(exercise: CadreExercise, scorer_id: int) -> list[EntryRow]:
    """Only the scorer's own scores: a team member never sees another member's."""
    own = dict(
        CadreTeamScore.objects.filter(appraisee__exercise=exercise, scorer_id=scorer_id).values_list(
            "appraisee_id", "score"
        )
    )
    return [EntryRow(a, own.get(a.pk)) for a in _appraisees(exercise)]


def team_score_counts(exercise: CadreExercise) -> dict[int, int]:
    """How many of the current team members have scored each cadre."""
    counts: dict[int, int] = {}
    for appraisee_id in CadreTeamScore.objects.filter(
        appraisee__exercise=exercise, scorer__in=exercise.team_members.all()
    ).values_list("appraisee_id", flat=True):
        counts[appraisee_id] = counts.get(appraisee_id, 0) + 1
    return counts


@dataclass(frozen=True)
class Progress:
    cadres: int
    work: int
    principal: int
    team_members: int
    team_scores: int

    @property
    def team_expected(self) -> int:
        return self.cadres * self.team_members


def exercise_progress(exercise: CadreExercise) -> Progress:
    appraisees = exercise.appraisees.all()
    return Progress(
        cadres=appraisees.count(),
        work=appraisees.filter(work_score__isnull=False).count(),
        principal=appraisees.filter(principal_score__isnull=False).count(),
        team_members=exercise.team_members.count(),
        team_scores=CadreTeamScore.objects.filter(
            appraisee__exercise=exercise, scorer__in=exercise.team_members.all()
        ).count(),
    )


# ---- The appraisal archive (考核实绩档案) -----------------------------------------------------------------------


def cadre_archive_entries(*, user: User, person: Person) -> list[ArchiveEntry]:
    """The person's filed cadre results the user may read: their own, and those of the people of the units the user
    covers (as in the rest of the archive) or of the exercises they run as an officer."""
    scope = scope_for(user)
    results = (
        CadreResult.objects.filter(appraisee__person=person)
        .filter(
            Q(appraisee__person_id=scope.person_id)
            | Q(appraisee__person__unit_id__in=scope.unit_ids)
            | Q(appraisee__exercise__unit_id__in=scope.units_for(Role.ORG_OFFICER))
        )
        .select_related("appraisee__exercise__filed_by__person")
    )
    entries = []
    for result in results:
        exercise = result.appraisee.exercise
        filed_by = exercise.filed_by
        filer = getattr(filed_by, "person", None)
        inputs = result.inputs
        entries.append(
            ArchiveEntry(
                at=exercise.filed_at,
                kind="cadre",
                kind_label=_("中层干部考核"),
                title=_("%(year)d年度中层干部考核：总分 %(total)s，第 %(rank)d 名（共 %(n)d 人）")
                % {
                    "year": exercise.year,
                    "total": result.total_display,
                    "rank": result.rank,
                    "n": exercise.appraisees.count(),
                },
                details=[
                    _("工作实绩 %(base)s，表彰加分/处分减分 %(adj)s，调整后 %(work)s")
                    % {"base": result.work_base, "adj": signed(result.adjustment), "work": result.work_adjusted},
                    _("主要领导评分 %(s)s") % {"s": result.principal},
                    _("班子成员评分均值 %(s)s") % {"s": cadre_rules.two_places(Fraction(inputs["team_mean"]))},
                    _("民主测评均值 %(s)s（有效票 %(n)d 张）")
                    % {"s": cadre_rules.two_places(Fraction(inputs["poll"]["mean"])), "n": inputs["poll"]["valid"]},
                    _("备案人：%(who)s") % {"who": filer.name if filer else filed_by.get_username()},
                ],
                flag=_("已备案"),
                flag_level="success",
            )
        )
    return entries
