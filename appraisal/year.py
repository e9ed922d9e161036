"""Reads of the appraisal year (DOMAIN.md §5): per person the year's grades or half-year scores, the annual-excellent
eligibility under that year's rules with an explanation of how it was reached, the half-year ranking, and the
appraisal archive (考核实绩档案) in time order. Every read is scoped by the user.
"""

import datetime
from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import Sheet
from core.models import User
from members.models import Person
from members.scopes import scope_for

from .feedback import admonishments_visible_to, grade_label, latest_revisions, period_label, user_label
from .models import (
    Acknowledgement,
    AdmonishmentTask,
    AppraisalGroup,
    Appraisee,
    Commendation,
    Cycle,
    Grade,
    LogStatus,
    MonthlyLog,
    Publication,
    QuarterlySummary,
    Rating,
    RuleSet,
)
from .rules import Eligibility, annual_excellent_eligibility, rules_for_year
from .services import log_due_date, rating_verify

K = TypeVar("K", bound=Hashable)

# ---- Scope ---------------------------------------------------------------------------------------------------


def appraisees_visible_to(*, user: User, cycle: Cycle, group: AppraisalGroup | None = None) -> QuerySet[Appraisee]:
    """Appraisees whose year the user may read: themself, the people of the units they cover, and those of the
    groups they lead or rate (the same reach as Rating.objects.visible_to)."""
    scope = scope_for(user)
    appraisees = Appraisee.objects.filter(cycle=cycle).filter(
        Q(person_id=scope.person_id)
        | Q(person__unit_id__in=scope.unit_ids)
        | Q(group__leader=user)
        | Q(rating_leader=user)
        | Q(pk__in=Rating.objects.filter(signed_by=user).values("appraisee_id"))
    )
    if group is not None:
        appraisees = appraisees.filter(group=group)
    return appraisees


def cycles_visible_to(*, user: User) -> QuerySet[Cycle]:
    scope = scope_for(user)
    reach = Appraisee.objects.filter(
        Q(person_id=scope.person_id)
        | Q(person__unit_id__in=scope.unit_ids)
        | Q(group__leader=user)
        | Q(rating_leader=user)
        | Q(pk__in=Rating.objects.filter(signed_by=user).values("appraisee_id"))
    )
    return Cycle.objects.filter(pk__in=reach.values("cycle_id")).order_by("-year", "name")


def groups_visible_to(*, user: User, cycle: Cycle | None = None) -> QuerySet[AppraisalGroup]:
    """Groups with someone the user may read, or led by the user."""
    scope = scope_for(user)
    groups = AppraisalGroup.objects.filter(
        Q(leader=user)
        | Q(appraisees__person_id=scope.person_id)
        | Q(appraisees__person__unit_id__in=scope.unit_ids)
        | Q(appraisees__rating_leader=user)
    ).distinct()
    if cycle is not None:
        groups = groups.filter(cycle=cycle)
    return groups.select_related("cycle").order_by("name")


# ---- Ranking -------------------------------------------------------------------------------------------------


def competition_ranks(scores: Mapping[K, Decimal]) -> dict[K, int]:
    """Rank by score, highest first; equal scores share a rank and the next rank is skipped (1, 2, 2, 4)."""
    ordered = sorted(scores.values(), reverse=True)
    first_place: dict[Decimal, int] = {}
    for place, score in enumerate(ordered, start=1):
        first_place.setdefault(score, place)
    return {key: first_place[score] for key, score in scores.items()}


# ---- The year ------------------------------------------------------------------------------------------------


@dataclass
class PeriodResult:
    period: int
    label: str
    rating: Rating | None
    rank: int | None = None

    @property
    def grade(self) -> str | None:
        return self.rating.grade if self.rating else None

    @property
    def grade_label(self) -> str:
        return grade_label(self.rating.grade) if self.rating else ""

    @property
    def score(self) -> Decimal | None:
        return self.rating.score if self.rating else None


@dataclass
class YearRow:
    appraisee: Appraisee
    periods: list[PeriodResult]
    eligibility: Eligibility
    open_talks: list[str]
    explanation: list[str]
    # The later half-year's rank if ranked, else the earlier one's: the order of the scored tables.
    sort_rank: int | None = None

    @property
    def provisional(self) -> bool:
        return is_provisional(self.periods)

    @property
    def person(self) -> Person:
        return self.appraisee.person


@dataclass
class YearGroup:
    group: AppraisalGroup
    rows: list[YearRow] = field(default_factory=list)


@dataclass
class YearReport:
    cycle: Cycle
    rules: RuleSet
    groups: list[YearGroup]

    @property
    def is_scored(self) -> bool:
        return self.cycle.kind == Cycle.Kind.HALF_YEAR_SCORED

    @property
    def period_labels(self) -> list[str]:
        return [period_label(self.cycle.kind, p) for p in self.cycle.periods]

    @property
    def weight_label(self) -> str:
        return _("平时考核结果占年度考核权重 %(w)s%%") % {"w": _percent(self.rules.routine_weight_percent)}


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}"


def year_report(*, user: User, cycle: Cycle, group: AppraisalGroup | None = None) -> YearReport:
    """Per person the year's current grades (or half-year scores with ranks), the annual-excellent eligibility
    under the year's rules with its reason, and open admonishment talks; grouped by appraisal group."""
    rules = rules_for_year(cycle.year)
    appraisees = list(
        appraisees_visible_to(user=user, cycle=cycle, group=group)
        .select_related("person__unit", "group")
        .order_by("group__name", "person__unit__sort_order", "person__unit_id", "person__name")
    )
    ratings = latest_revisions(
        Rating.objects.filter(appraisee__in=appraisees, group__cycle=cycle, year=cycle.year).select_related(
            "signed_by__person", "on_behalf_of__person"
        )
    )
    current = {(r.appraisee_id, r.period): r for r in ratings.values()}
    tasks: dict[int, list[AdmonishmentTask]] = defaultdict(list)
    for task in AdmonishmentTask.objects.filter(rating__in=list(current.values())).select_related(
        "rating", "talk_by__person"
    ):
        tasks[task.rating.appraisee_id].append(task)
    ranks = _group_ranks(current) if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED else {}

    groups: dict[int, YearGroup] = {}
    for appraisee in appraisees:
        periods = [
            PeriodResult(
                period=p,
                label=period_label(cycle.kind, p),
                rating=current.get((appraisee.pk, p)),
                rank=ranks.get((appraisee.pk, p)),
            )
            for p in cycle.periods
        ]
        eligibility = annual_excellent_eligibility([r.grade for r in periods], rules)
        labels = {r.period: r.label for r in periods}
        open_talks = [labels[t.rating.period] for t in tasks[appraisee.pk] if t.is_open]
        row = YearRow(
            appraisee=appraisee,
            periods=periods,
            eligibility=eligibility,
            open_talks=open_talks,
            explanation=_explain(cycle, rules, periods, eligibility, tasks[appraisee.pk]),
            sort_rank=next((r.rank for r in reversed(periods) if r.rank is not None), None),
        )
        groups.setdefault(appraisee.group_id, YearGroup(appraisee.group)).rows.append(row)
    if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED:
        for year_group in groups.values():
            year_group.rows.sort(key=lambda row: (row.sort_rank is None, row.sort_rank or 0, row.person.name))
    return YearReport(cycle=cycle, rules=rules, groups=list(groups.values()))


def _group_ranks(current: Mapping[tuple[int, int], Rating]) -> dict[tuple[int, int], int]:
    """Each half-year's rank of the scored appraisees within their group."""
    scores: dict[tuple[int, int], dict[tuple[int, int], Decimal]] = defaultdict(dict)
    for (appraisee_id, period), rating in current.items():
        if rating.score is not None:
            scores[(rating.group_id, period)][(appraisee_id, period)] = rating.score
    ranks: dict[tuple[int, int], int] = {}
    for group_scores in scores.values():
        ranks.update(competition_ranks(group_scores))
    return ranks


def is_provisional(periods: list[PeriodResult]) -> bool:
    """Some periods are not rated yet and nothing so far rules annual 优秀 out: the conclusion may still change."""
    return any(r.rating is None for r in periods) and not any(
        r.grade in (Grade.BASIC, Grade.INCOMPETENT) for r in periods
    )


def _explain(
    cycle: Cycle,
    rules: RuleSet,
    periods: list[PeriodResult],
    eligibility: Eligibility,
    tasks: list[AdmonishmentTask],
) -> list[str]:
    """How the annual result was reached: which year's rules, which grades of which periods, and what is pending."""
    stored = "" if rules.pk else _("（本年度规则尚未单独保存，沿用此前规则）")
    weight = _percent(rules.routine_weight_percent)
    if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED:
        lines = [
            _(
                "依据%(year)d年度考核规则%(stored)s：得分 %(e)s 分及以上为“优秀”，%(c)s 分及以上为“称职”，"
                "%(b)s 分及以上为“基本称职”，低于 %(b)s 分为“不称职”；任一半年被评为“基本称职”或“不称职”的，"
                "不能确定为年度优秀；年度优秀候选须至少获评 %(need)d 次“优秀”；平时考核结果占年度考核权重 %(w)s%%。"
            )
            % {
                "year": cycle.year,
                "stored": stored,
                "e": _percent(rules.excellent_min_score),
                "c": _percent(rules.competent_min_score),
                "b": _percent(rules.basic_min_score),
                "need": rules.annual_excellent_min_quarters,
                "w": weight,
            }
        ]
    else:
        lines = [
            _(
                "依据%(year)d年度考核规则%(stored)s：任一季度被评为“基本称职”或“不称职”的，不能确定为年度优秀；"
                "年度优秀候选须全年至少获评 %(need)d 次“优秀”；平时考核结果占年度考核权重 %(w)s%%。"
            )
            % {"year": cycle.year, "stored": stored, "need": rules.annual_excellent_min_quarters, "w": weight}
        ]
    parts = [_period_explanation(cycle, result) for result in periods]
    lines.append(_("各期结果：%(parts)s。") % {"parts": "；".join(parts)})
    lines.append(eligibility.reason)
    if is_provisional(periods):
        unrated = sum(1 for result in periods if result.rating is None)
        lines.append(_("尚有 %(n)d 期未评鉴，以上为截至目前的结论。") % {"n": unrated})
    labels = {result.period: result.label for result in periods}
    for task in sorted(tasks, key=lambda t: t.rating.period):
        label = labels[task.rating.period]
        if task.is_open:
            lines.append(_("%(p)s评为“不称职”，诫勉谈话尚未记录。") % {"p": label})
        else:
            lines.append(
                _("%(p)s评为“不称职”，%(who)s已于 %(d)s 进行诫勉谈话。")
                % {"p": label, "who": user_label(task.talk_by), "d": task.talk_on.isoformat()}
            )
    return lines


def _period_explanation(cycle: Cycle, result: PeriodResult) -> str:
    rating = result.rating
    if rating is None:
        return _("%(p)s 尚未评鉴") % {"p": result.label}
    signer = user_label(rating.signed_by)
    if rating.on_behalf_of_id:
        signer = _("%(a)s代%(b)s") % {"a": signer, "b": user_label(rating.on_behalf_of)}
    signed = _("%(who)s %(d)s 签署") % {"who": signer, "d": timezone.localdate(rating.signed_at).isoformat()}
    if rating.revision > 1:
        signed += _("，第 %(n)d 次修订：%(why)s") % {"n": rating.revision - 1, "why": rating.revision_reason}
    if cycle.kind == Cycle.Kind.HALF_YEAR_SCORED and rating.score is not None:
        rank = _("，组内第 %(r)d 名") % {"r": result.rank} if result.rank else ""
        return _("%(p)s %(s)s 分，按分数线为“%(g)s”%(rank)s（%(signed)s）") % {
            "p": result.label,
            "s": f"{rating.score:.2f}",
            "g": result.grade_label,
            "rank": rank,
            "signed": signed,
        }
    return _("%(p)s“%(g)s”（%(signed)s）") % {"p": result.label, "g": result.grade_label, "signed": signed}


def year_sheets(report: YearReport) -> list[Sheet]:
    """The year as one sheet: the same rows as the page (the explanation names the routine-result weight)."""
    period_headers: list[str] = []
    for label in report.period_labels:
        if report.is_scored:
            period_headers += [_("%(p)s得分") % {"p": label}, _("%(p)s等次") % {"p": label},
                               _("%(p)s排名") % {"p": label}]  # fmt: skip
        else:
            period_headers.append(label)
    headers = [
        _("考核组"), _("姓名"), _("部门"), _("职务"), *period_headers,
        _("年度优秀资格"), _("原因"), _("待办诫勉谈话"), _("结果说明"),
    ]  # fmt: skip
    rows = []
    for year_group in report.groups:
        for row in year_group.rows:
            cells: list = []
            for result in row.periods:
                cells += [result.score, result.grade_label, result.rank] if report.is_scored else [result.grade_label]
            rows.append(
                [
                    year_group.group.name,
                    row.person.name,
                    row.person.unit.name,
                    row.person.position,
                    *cells,
                    (_("有") if row.eligibility.eligible else _("无")) + (_("（暂定）") if row.provisional else ""),
                    row.eligibility.reason,
                    "、".join(row.open_talks),
                    "\n".join(row.explanation),
                ]
            )
    return [Sheet(_("%(year)d年度平时考核汇总") % {"year": report.cycle.year}, headers, rows)]


# ---- The archive (考核实绩档案) --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveEntry:
    at: datetime.datetime
    kind: str
    kind_label: str
    title: str
    details: list[str]
    flag: str = ""
    # Bootstrap colour of the flag: success, warning, danger, secondary.
    flag_level: str = ""
    date_only: bool = False

    @property
    def year(self) -> int:
        return timezone.localtime(self.at).year


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period_title(rating: Rating) -> str:
    return _("%(year)d年%(p)s") % {"year": rating.year, "p": period_label(rating.group.cycle.kind, rating.period)}


def archive_timeline(*, user: User, person: Person) -> list[ArchiveEntry]:
    """Everything of the person's routine appraisal the user may read, oldest first: monthly logs, quarterly
    summaries, every signed revision with its signature check, acknowledgements, publications, commendations and
    penalties, admonishment tasks and talks (§5 考核实绩档案), and filed mid-level cadre results (§6)."""
    entries: list[ArchiveEntry] = []
    statuses = dict(LogStatus.choices)
    for log in MonthlyLog.objects.visible_to(user).filter(person=person).prefetch_related("tasks"):
        details = [
            _("状态：%(s)s") % {"s": statuses[log.status]},
            _("截止日期：%(d)s") % {"d": log_due_date(log.year, log.month).day.isoformat()},
            _("工作任务 %(n)d 项") % {"n": len(log.tasks.all())},
        ]
        if log.status == LogStatus.RETURNED and log.return_reason:
            details.append(_("退回原因：%(r)s") % {"r": log.return_reason})
        if log.unit_head_comment:
            details.append(_("月评：%(c)s") % {"c": log.unit_head_comment})
        entries.append(
            ArchiveEntry(
                at=log.submitted_at or log.created_at,
                kind="log",
                kind_label=_("月工作记实"),
                title=_("%(y)d年%(m)d月月工作记实") % {"y": log.year, "m": log.month},
                details=details,
                flag=_("逾期提交")
                if log.is_late
                else (statuses[log.status] if log.status != LogStatus.SUBMITTED else ""),
                flag_level="warning" if log.is_late or log.status != LogStatus.SUBMITTED else "",
            )
        )
    for summary in QuarterlySummary.objects.visible_to(user).filter(person=person).select_related("written_by__person"):
        details = [_("填写人：%(w)s") % {"w": user_label(summary.written_by)}]
        if summary.unfinished_explanation:
            details.append(_("未完成工作说明：%(t)s") % {"t": summary.unfinished_explanation})
        entries.append(
            ArchiveEntry(
                at=summary.updated_at,
                kind="summary",
                kind_label=_("季度小结"),
                title=_("%(y)d年%(q)s小结")
                % {"y": summary.year, "q": period_label(Cycle.Kind.QUARTERLY_GRADED, summary.quarter)},
                details=details,
            )
        )
    ratings = list(
        Rating.objects.visible_to(user)
        .filter(person=person)
        .select_related("group__cycle", "signed_by__person", "on_behalf_of__person")
    )
    acknowledgements = {a.rating_id: a for a in Acknowledgement.objects.filter(rating__in=ratings)}
    for rating in ratings:
        entries.append(_rating_entry(rating))
        acknowledgement = acknowledgements.get(rating.pk)
        if acknowledgement is not None:
            entries.append(
                ArchiveEntry(
                    at=acknowledgement.acknowledged_at,
                    kind="acknowledgement",
                    kind_label=_("结果确认"),
                    title=_("本人确认%(p)s考核结果（%(g)s）")
                    % {"p": _period_title(rating), "g": grade_label(rating.grade)},
                    details=[],
                )
            )
    published = {(r.group_id, r.year, r.period): r for r in ratings}
    publication_filter = Q(pk__in=[])
    for group_id, year, period in published:
        publication_filter |= Q(group_id=group_id, year=year, period=period)
    for publication in Publication.objects.filter(publication_filter).select_related("published_by__person", "group"):
        rating = published[(publication.group_id, publication.year, publication.period)]
        entries.append(
            ArchiveEntry(
                at=publication.published_at,
                kind="publication",
                kind_label=_("结果公示"),
                title=_("%(p)s考核结果公示") % {"p": _period_title(rating)},
                details=[
                    _("考核组：%(g)s") % {"g": publication.group.name},
                    _("发布人：%(w)s") % {"w": user_label(publication.published_by)},
                ],
            )
        )
    for commendation in Commendation.objects.filter(person=person):
        penalty = commendation.kind == Commendation.Kind.PENALTY
        entries.append(
            ArchiveEntry(
                at=_midnight(commendation.awarded_on),
                kind="penalty" if penalty else "commendation",
                kind_label=commendation.get_kind_display(),
                title=commendation.title,
                details=[
                    _("级别：%(l)s") % {"l": commendation.get_level_display()},
                    _("对应工作事项：%(w)s") % {"w": commendation.work_item},
                    _("文号：%(n)s") % {"n": commendation.document_number},
                ],
                date_only=True,
            )
        )
    for task in admonishments_visible_to(user).filter(person=person):
        entries.extend(_admonishment_entries(task))
    # The filed mid-level cadre results (§6); that module builds on this one, so it is imported here.
    from .cadre_selectors import cadre_archive_entries

    entries.extend(cadre_archive_entries(user=user, person=person))
    entries.sort(key=lambda entry: entry.at)
    return entries


def _rating_entry(rating: Rating) -> ArchiveEntry:
    signer = user_label(rating.signed_by)
    if rating.on_behalf_of_id:
        signer = _("%(a)s（代%(b)s签署）") % {"a": signer, "b": user_label(rating.on_behalf_of)}
    details = [_("签署人：%(s)s") % {"s": signer}, _("评鉴意见：%(o)s") % {"o": rating.opinion}]
    if rating.score is not None:
        details.insert(0, _("得分：%(s)s") % {"s": f"{rating.score:.2f}"})
    if rating.revision > 1:
        details.append(_("修订原因：%(r)s") % {"r": rating.revision_reason})
        title = _("%(p)s评鉴修订（第 %(n)d 次）：%(g)s") % {
            "p": _period_title(rating), "n": rating.revision - 1, "g": grade_label(rating.grade)}  # fmt: skip
    else:
        title = _("%(p)s领导评鉴：%(g)s") % {"p": _period_title(rating), "g": grade_label(rating.grade)}
    valid = rating_verify(rating)
    return ArchiveEntry(
        at=rating.signed_at,
        kind="revision" if rating.revision > 1 else "rating",
        kind_label=_("评鉴修订") if rating.revision > 1 else _("领导评鉴"),
        title=title,
        details=details,
        flag=_("签名有效") if valid else _("签名校验失败：签署后的内容被改动"),
        flag_level="success" if valid else "danger",
    )


def _admonishment_entries(task: AdmonishmentTask) -> list[ArchiveEntry]:
    period = _period_title(task.rating)
    if not task.is_open:
        flag, level = _("已谈话"), "success"
    elif task.superseded:
        flag, level = _("评鉴已修订，无需谈话"), "secondary"
    else:
        flag, level = _("待谈话"), "danger"
    entries = [
        ArchiveEntry(
            at=task.opened_at,
            kind="admonishment",
            kind_label=_("诫勉谈话"),
            title=_("%(p)s评为“不称职”，须进行诫勉谈话") % {"p": period},
            details=[],
            flag=flag,
            flag_level=level,
        )
    ]
    if not task.is_open:
        entries.append(
            ArchiveEntry(
                at=task.recorded_at,
                kind="talk",
                kind_label=_("诫勉谈话"),
                title=_("诫勉谈话记录（%(p)s）") % {"p": period},
                details=[
                    _("谈话日期：%(d)s") % {"d": task.talk_on.isoformat()},
                    _("谈话人：%(w)s") % {"w": user_label(task.talk_by)},
                    _("谈话记录：%(n)s") % {"n": task.notes},
                ],
            )
        )
    return entries
