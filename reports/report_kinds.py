"""The report kinds of DOMAIN.md §8 whose data exists, in the order of §8: the routine appraisal forms and lists
(§5), the cadre ranking (§6), the member structure statistics (§3) and the meeting compliance (§4). Each kind
collects its data through the selectors the pages use, so that a report shows what the page shows.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.cadre_selectors import SCORING_RULE, exercise_ranking, exercises_visible_to, ranking_sheets
from appraisal.cadre_services import can_see_ranking
from appraisal.feedback import grade_label, latest_revisions, publication_rows, user_label
from appraisal.models import (
    Appraisee,
    CadreExercise,
    Cycle,
    Grade,
    MonthlyLog,
    QuarterlySummary,
    Rating,
)
from appraisal.year import YearGroup, YearReport, YearRow, year_report, year_sheets
from branches.selectors import meeting_compliance
from core.exports import Sheet
from core.roles import Role
from members.models import Person
from members.scopes import scope_for
from members.selectors import structure_statistics

from .periods import ReportPeriod
from .registry import (
    PARTY_READERS,
    SCOPE_ORGANIZATION,
    SCOPE_PERSON,
    SCOPE_UNIT,
    UNIT_READERS,
    ReportContent,
    ReportError,
    ReportKind,
    ReportRequest,
    register,
)


def _chunk() -> int:
    return settings.ZHIBU_REPORT_PDF_CHUNK


# Rows of the year summary per form of ZHIBU_REPORT_PDF_CHUNK in a part. Measured on bench/report_pack.py's data
# (1,000 people, one process each): one document of 1,000 rows peaks at 443 MB; parts of 100, 200 and 400 rows at
# 291, 308 and 344 MB, against 383 MB for parts of 100 forms; with 200 rows the summary stays well below the forms
# and the pack's peak is theirs (385 MB, from 462 MB with the summary in one document).
YEAR_ROWS_PER_FORM = 2


def _people_unit_ids(request: ReportRequest) -> set[int]:
    return request.target.unit_ids()


def _log_status_label(log: MonthlyLog | None) -> str:
    if log is None:
        return _("未填写")
    label = log.get_status_display()
    return label + _("（逾期）") if log.is_late else label


# ---- 月工作记实表 ----------------------------------------------------------------------------------------------


def collect_monthly_logs(request: ReportRequest) -> ReportContent:
    """One page per person-month (§5 月工作记实): a person's log, or every log of a unit subtree's people."""
    year, month = request.period.year, request.period.month
    if request.target.person is not None:
        people = [request.target.person]
    else:
        people = list(
            Person.objects.filter(unit_id__in=_people_unit_ids(request))
            .select_related("unit")
            .order_by("unit__sort_order", "unit_id", "name", "id")
        )
    logs = {
        log.person_id: log
        for log in MonthlyLog.objects.filter(person__in=people, year=year, month=month)
        .select_related("unit", "person", "commented_by__person")
        .prefetch_related("tasks")
    }
    written = [logs[p.pk] for p in people if p.pk in logs]

    def sheets() -> list[Sheet]:
        summary = [
            [i, p.name, p.unit.name, p.position, _log_status_label(logs.get(p.pk)),
             timezone.localtime(logs[p.pk].submitted_at).date() if p.pk in logs and logs[p.pk].submitted_at else None,
             logs[p.pk].attendance_days if p.pk in logs else None, logs[p.pk].leave_days if p.pk in logs else None,
             len(logs[p.pk].tasks.all()) if p.pk in logs else 0]
            for i, p in enumerate(people, start=1)
        ]  # fmt: skip
        tasks = [
            [log.person.name, log.unit.name, t.position, t.task, t.result, t.completed_on]
            for log in written
            for t in log.tasks.all()
        ]
        return [
            Sheet(_("记实情况"), [_("序号"), _("姓名"), _("部门"), _("职务"), _("状态"), _("提交日期"),
                                  _("出勤天数"), _("请假天数"), _("工作任务数")], summary),
            Sheet(_("工作任务"), [_("姓名"), _("部门"), _("序号"), _("工作任务"), _("完成情况"), _("完成时间")], tasks),
        ]  # fmt: skip

    return ReportContent(
        title=_("月工作记实表"),
        template="reports/pdf/monthly_log.html",
        context={},
        items=written,
        sheets=sheets,
        chunk_size=_chunk(),
    )


MONTHLY_LOG = register(
    ReportKind(
        key="monthly_log",
        label=_("月工作记实表"),
        scopes=(SCOPE_PERSON, SCOPE_UNIT),
        period="month",
        roles=UNIT_READERS,
        own_person=True,
        collect=collect_monthly_logs,
    )
)


# ---- 平时考核登记表 ---------------------------------------------------------------------------------------------


@dataclass
class RegistrationForm:
    number: str
    appraisee: Appraisee
    summary: QuarterlySummary | None
    rating: Rating | None
    log_statuses: list[tuple[int, str]]
    leader_name: str
    grades: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def person(self) -> Person:
        return self.appraisee.person

    @property
    def grade_label(self) -> str:
        return grade_label(self.rating.grade) if self.rating else ""

    @property
    def signed_on(self) -> datetime.date | None:
        return timezone.localdate(self.rating.signed_at) if self.rating else None

    @property
    def summary_sections(self) -> list[tuple[str, str]]:
        if self.summary is None:
            return []
        sections = [
            (_("履行职责情况"), self.summary.duties),
            (_("完成工作任务情况"), self.summary.tasks_completed),
            (_("出勤情况"), self.summary.attendance),
            (_("未完成工作说明"), self.summary.unfinished_explanation),
        ]
        return [(label, text) for label, text in sections if text.strip()]


def registration_forms(request: ReportRequest) -> list[RegistrationForm]:
    """Every appraisee of the year's quarterly-graded cycles in the target, with the quarter's summary, the
    current revision of the signed rating and the three months' log status."""
    year, quarter = request.period.year, request.period.quarter
    appraisees = Appraisee.objects.filter(cycle__year=year, cycle__kind=Cycle.Kind.QUARTERLY_GRADED)
    if request.target.person is not None:
        appraisees = appraisees.filter(person=request.target.person)
    else:
        appraisees = appraisees.filter(person__unit_id__in=_people_unit_ids(request))
    appraisees = list(
        appraisees.select_related("person__unit", "group__leader__person", "rating_leader__person").order_by(
            "person__unit__sort_order", "person__unit_id", "person__name", "person_id"
        )
    )
    person_ids = [a.person_id for a in appraisees]
    ratings = {
        r.appraisee_id: r
        for r in latest_revisions(
            Rating.objects.filter(appraisee__in=appraisees, year=year, period=quarter).select_related(
                "signed_by__person", "on_behalf_of__person"
            )
        ).values()
    }
    summaries = {
        s.person_id: s for s in QuarterlySummary.objects.filter(person_id__in=person_ids, year=year, quarter=quarter)
    }
    months = request.period.months
    logs = {
        (log.person_id, log.month): log
        for log in MonthlyLog.objects.filter(person_id__in=person_ids, year=year, month__in=months).only(
            "person_id", "month", "status", "is_late"
        )
    }
    forms = []
    for index, appraisee in enumerate(appraisees, start=1):
        rating = ratings.get(appraisee.pk)
        if rating is not None:
            leader = user_label(rating.signed_by)
            if rating.on_behalf_of_id:
                leader = _("%(a)s（代%(b)s）") % {"a": leader, "b": user_label(rating.on_behalf_of)}
        else:
            leader = user_label(appraisee.rating_leader or appraisee.group.leader)
        forms.append(
            RegistrationForm(
                number=f"PS-{year}-Q{quarter}-{index:04d}",
                appraisee=appraisee,
                summary=summaries.get(appraisee.person_id),
                rating=rating,
                log_statuses=[(m, _log_status_label(logs.get((appraisee.person_id, m)))) for m in months],
                leader_name=leader,
                grades=[(str(label), rating is not None and rating.grade == value) for value, label in Grade.choices],
            )
        )
    return forms


def collect_registration(request: ReportRequest) -> ReportContent:
    """平时考核登记表 (§5): one page per appraisee-quarter, and the unit's Excel summary."""
    forms = registration_forms(request)

    def sheets() -> list[Sheet]:
        months = request.period.months
        headers = [_("序号"), _("编号"), _("姓名"), _("部门"), _("职务"),
                   *(_("%(m)d月记实") % {"m": m} for m in months), _("等次"), _("评鉴领导"), _("签署日期")]  # fmt: skip
        rows = [
            [i, f.number, f.person.name, f.person.unit.name, f.person.position, *(s for _m, s in f.log_statuses),
             f.grade_label or _("未评鉴"), f.leader_name, f.signed_on]
            for i, f in enumerate(forms, start=1)
        ]  # fmt: skip
        counts = Counter(f.rating.grade for f in forms if f.rating)
        totals = [[str(label), counts.get(value, 0)] for value, label in Grade.choices]
        totals.append([_("未评鉴"), sum(1 for f in forms if f.rating is None)])
        totals.append([_("合计"), len(forms)])
        return [
            Sheet(_("登记表汇总"), headers, rows),
            Sheet(_("等次统计"), [_("等次"), _("人数")], totals),
        ]

    return ReportContent(
        title=_("平时考核登记表"),
        template="reports/pdf/registration.html",
        context={},
        items=forms,
        sheets=sheets,
        chunk_size=_chunk(),
    )


REGISTRATION = register(
    ReportKind(
        key="registration",
        label=_("平时考核登记表"),
        scopes=(SCOPE_PERSON, SCOPE_UNIT),
        period="quarter",
        roles=UNIT_READERS,
        own_person=True,
        collect=collect_registration,
    )
)


# ---- 考核结果公示 ---------------------------------------------------------------------------------------------


def collect_publication(request: ReportRequest) -> ReportContent:
    """The publication list (公示, §5) of the unit's quarter: the current grade of everyone in a published group."""
    year, quarter = request.period.year, request.period.quarter
    rows = []
    for cycle in Cycle.objects.filter(year=year, kind=Cycle.Kind.QUARTERLY_GRADED).order_by("name"):
        rows += publication_rows(cycle=cycle, period=quarter, unit=request.target.unit)
    published_at = max((row.published_at for row in rows), default=None)

    def sheets() -> list[Sheet]:
        data = [
            [i, row.rating.person.name, row.rating.unit.name, row.rating.person.position,
             grade_label(row.rating.grade), _("公示后修订") if row.revised_after else ""]
            for i, row in enumerate(rows, start=1)
        ]  # fmt: skip
        counts = Counter(row.rating.grade for row in rows)
        totals = [[str(label), counts.get(value, 0)] for value, label in Grade.choices] + [[_("合计"), len(rows)]]
        return [
            Sheet(_("考核结果公示"), [_("序号"), _("姓名"), _("部门"), _("职务"), _("等次"), _("备注")], data),
            Sheet(_("等次统计"), [_("等次"), _("人数")], totals),
        ]

    return ReportContent(
        title=_("考核结果公示"),
        template="reports/pdf/publication.html",
        context={"published_on": timezone.localdate(published_at) if published_at else None},
        items=rows,
        sheets=sheets,
    )


PUBLICATION = register(
    ReportKind(
        key="publication",
        label=_("考核结果公示"),
        scopes=(SCOPE_UNIT,),
        period="quarter",
        roles=UNIT_READERS,
        collect=collect_publication,
    )
)


# ---- 年度平时考核汇总 -----------------------------------------------------------------------------------------


@dataclass(eq=False)
class YearSection:
    """A group of a cycle in the year summary. The template regroups a part's lines by their section, which
    compares by identity (eq=False)."""

    report: YearReport
    group: YearGroup
    first_of_report: bool


@dataclass(frozen=True)
class YearLine:
    section: YearSection
    row: YearRow
    first_of_section: bool


def year_lines(reports: list[YearReport]) -> list[YearLine]:
    """The summary's rows one after the other, each knowing its cycle and group: a part cut anywhere can head its
    first table with them (marked 续 when the cycle or group began in an earlier part)."""
    lines = []
    for report in reports:
        for index, year_group in enumerate(report.groups):
            section = YearSection(report, year_group, first_of_report=index == 0)
            lines += [YearLine(section, row, first_of_section=i == 0) for i, row in enumerate(year_group.rows)]
    return lines


def collect_year(request: ReportRequest) -> ReportContent:
    """Per person Q1–Q4 grades, annual-excellent eligibility and admonishment talks (§5), as on the year page,
    for the people of the unit subtree; one section per cycle of the year. A long summary is one table cut into
    parts of YEAR_ROWS_PER_FORM rows per form of ZHIBU_REPORT_PDF_CHUNK, numbered as one document."""
    unit_ids = _people_unit_ids(request)
    reports: list[YearReport] = []
    for cycle in Cycle.objects.filter(year=request.period.year).order_by("name"):
        report = year_report(user=request.user, cycle=cycle)
        for year_group in report.groups:
            year_group.rows = [row for row in year_group.rows if row.person.unit_id in unit_ids]
        report.groups = [g for g in report.groups if g.rows]
        if report.groups:
            reports.append(report)

    def sheets() -> list[Sheet]:
        result = []
        for report in reports:
            for sheet in year_sheets(report):
                title = sheet.title if len(reports) == 1 else f"{report.cycle.name}"[:31]
                result.append(Sheet(title, sheet.headers, sheet.rows))
        return result or [Sheet(_("年度平时考核汇总"), [_("说明")], [[_("本年度没有考核记录")]])]

    return ReportContent(
        title=_("年度平时考核汇总"),
        template="reports/pdf/year.html",
        context={},
        items=year_lines(reports),
        sheets=sheets,
        chunk_size=_chunk() * YEAR_ROWS_PER_FORM,
        continuous_pages=True,
    )


YEAR = register(
    ReportKind(
        key="year_summary",
        label=_("年度平时考核汇总"),
        scopes=(SCOPE_UNIT,),
        period="year",
        roles=UNIT_READERS,
        collect=collect_year,
    )
)


# ---- 中层干部考核得分排名表 -------------------------------------------------------------------------------------


def cadre_exercises(request: ReportRequest) -> list[CadreExercise]:
    """The year's cadre exercises of the unit subtree whose ranking the requester may see on the ranking page."""
    scope = scope_for(request.user)
    exercises = (
        exercises_visible_to(request.user)
        .filter(year=request.period.year, unit_id__in=request.target.unit_ids())
        .select_related("filed_by__person")
        .order_by("unit__sort_order", "unit_id")
    )
    return [exercise for exercise in exercises if can_see_ranking(scope, exercise)]


def cadre_ranking_in_pack(request: ReportRequest) -> bool:
    """A yearly pack holds the ranking where the year has an exercise; a quarterly pack does not."""
    return request.period.kind == "year" and bool(cadre_exercises(request))


def collect_cadre_ranking(request: ReportRequest) -> ReportContent:
    """中层干部考核得分排名表 (§6, §8 item 5): per cadre the four components, the adjustments, the total and the rank,
    from the selector of the ranking page and its export, one section per exercise of the unit subtree. An exercise
    not yet filed (备案) is built as it stands, marked 暂定，未备案 with what is missing, as on the page."""
    exercises = cadre_exercises(request)
    if not exercises:
        raise ReportError(
            _("%(target)s（含下级单位）没有%(year)d年度的中层干部考核。")
            % {"target": request.target.label, "year": request.period.year}
        )
    rankings = [exercise_ranking(exercise) for exercise in exercises]
    provisional = any(not ranking.filed for ranking in rankings)

    def sheets() -> list[Sheet]:
        if len(rankings) == 1:
            return ranking_sheets(rankings[0])
        # One ranking and one 说明 sheet per exercise, named by its unit.
        return [
            Sheet(ranking.exercise.unit.name[:29] + suffix, sheet.headers, sheet.rows)
            for ranking in rankings
            for suffix, sheet in zip((_("排名"), _("说明")), ranking_sheets(ranking), strict=True)
        ]

    title = _("中层干部考核得分排名表")
    return ReportContent(
        title=title + _("（暂定）") if provisional else title,
        template="reports/pdf/cadre_ranking.html",
        context={"scoring_rule": SCORING_RULE},
        items=rankings,
        sheets=sheets,
    )


CADRE_RANKING = register(
    ReportKind(
        key="cadre_ranking",
        label=_("中层干部考核得分排名表"),
        scopes=(SCOPE_UNIT,),
        period="year",
        roles=frozenset({Role.ORG_OFFICER}),
        collect=collect_cadre_ranking,
        in_pack_when=cadre_ranking_in_pack,
    )
)


# ---- 党员队伍结构统计表 ----------------------------------------------------------------------------------------


def statistics_date(period: ReportPeriod) -> datetime.date:
    """The end of the period, or today while the period is still running."""
    return min(period.end, timezone.localdate())


def collect_structure(request: ReportRequest) -> ReportContent:
    """党员队伍结构 (§3) of the organisation subtree at the end of the period; the figures always add up."""
    on_date = statistics_date(request.period)
    statistics = structure_statistics(organization_ids=request.target.organization_ids(), on_date=on_date)

    def sheets() -> list[Sheet]:
        rows = [[_("党员总数"), "", statistics.total, Decimal("100.00") if statistics.total else Decimal("0.00")]]
        rows += [[r.section or r.label, r.label if r.section else "", r.count, r.percent] for r in statistics.rows]
        return [Sheet(_("党员队伍结构"), [_("项目"), _("分项"), _("人数"), _("占比（%）")], rows)]

    return ReportContent(
        title=_("党员队伍结构统计表"),
        template="reports/pdf/structure.html",
        context={"statistics": statistics, "on_date": on_date},
        items=statistics.rows,
        sheets=sheets,
    )


STRUCTURE = register(
    ReportKind(
        key="structure",
        label=_("党员队伍结构统计表"),
        scopes=(SCOPE_ORGANIZATION,),
        period="year_or_quarter",
        roles=PARTY_READERS,
        collect=collect_structure,
    )
)


# ---- 三会一课落实情况 -----------------------------------------------------------------------------------------


def collect_compliance(request: ReportRequest) -> ReportContent:
    """Required against held per branch, meeting kind and period of the year (§4), as on the compliance page."""
    today = timezone.localdate()
    rows = meeting_compliance(
        user=request.user, year=request.period.year, today=today, organization_id=request.target.organization.pk
    )

    def sheets() -> list[Sheet]:
        data = [
            [row.branch.name, row.kind_label, row.rule_label, cell.period.label, cell.required, cell.held,
             cell.status_label, cell.note]
            for row in rows
            for cell in row.cells
        ]  # fmt: skip
        short = Counter(cell.status_label for row in rows for cell in row.cells)
        totals = [[label, count] for label, count in sorted(short.items())] + [[_("合计"), sum(short.values())]]
        return [
            Sheet(_("落实情况"), [_("支部"), _("会议类型"), _("要求"), _("期间"), _("应开"), _("已开"),
                                  _("情况"), _("说明")], data),
            Sheet(_("情况统计"), [_("情况"), _("期数")], totals),
        ]  # fmt: skip

    return ReportContent(
        title=_("三会一课落实情况"),
        template="reports/pdf/compliance.html",
        context={"today": today},
        items=rows,
        sheets=sheets,
    )


COMPLIANCE = register(
    ReportKind(
        key="compliance",
        label=_("三会一课落实情况"),
        scopes=(SCOPE_ORGANIZATION,),
        period="year",
        roles=PARTY_READERS,
        collect=collect_compliance,
    )
)
