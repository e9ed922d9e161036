"""The Excel import of a cadre appraisal's scores and commendations (DOMAIN.md §6), read and checked like the roster
import (core/xlsx_import.py): every row of both sheets is checked first, a single bad row refuses the whole file, and
each error names its sheet, row, column and reason.

Sheet 评分: 姓名, 身份证号, 工作实绩得分, 主要领导评分, and one column per team member, 班子成员评分（name）. Sheet
表彰与处分: 姓名, 身份证号, 类别, 级别, 名称, 对应工作事项, 日期, 文号. The import is how the organisation officer
enters scores collected on paper score sheets: it writes the principal leader's and the team members' scores as
well as the work scores, in one audited event. An empty score cell leaves the stored score as it is; a commendation
already recorded with the same content is not recorded twice, so the same file can be imported again.
"""

import datetime
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.exports import Sheet
from core.models import User
from core.xlsx_import import (
    MAX_DATA_ROWS,
    ImportFileError,
    RowChecker,
    RowError,
    SheetRows,
    SheetSpec,
    file_name,
    is_blank,
    labels,
    read_sheets,
)
from members.models import Person
from members.scopes import scope_for

from .cadre_selectors import year_commendations
from .cadre_services import _locked, _set_field_scores, _set_team_scores, can_manage
from .models import CadreAppraisee, CadreExercise, CadreTeamScore, Commendation

SCORE_SHEET = "评分"
COMMENDATION_SHEET = "表彰与处分"
NAME, ID_NUMBER = "姓名", "身份证号"
WORK, PRINCIPAL = "工作实绩得分", "主要领导评分"
TEAM_PREFIX = "班子成员评分"
SCORE_HEADERS = [NAME, ID_NUMBER, WORK, PRINCIPAL]
COMMENDATION_HEADERS = [NAME, ID_NUMBER, "类别", "级别", "名称", "对应工作事项", "日期", "文号"]
COMMENDATION_REQUIRED = (NAME, "类别", "级别", "名称", "对应工作事项", "日期", "文号")


def team_columns(team: list[Person]) -> dict[str, Person]:
    """The column header of each team member, 班子成员评分（name）; when two share a name, their post (or unit) is
    added, and failing that their number, so that every column names one person."""
    same_name = Counter(p.name for p in team)
    columns: dict[str, Person] = {}
    for person in team:
        label = person.name
        if same_name[person.name] > 1:
            label = f"{person.name}·{person.position or person.unit.name}"
        header = f"{TEAM_PREFIX}（{label}）"
        if header in columns:
            header = f"{TEAM_PREFIX}（{person.name}·{person.pk}）"
        columns[header] = person
    return columns


@dataclass
class CadreImportResult:
    errors: list[RowError] = field(default_factory=list)
    scores_changed: int = 0
    commendations_created: int = 0
    commendations_existing: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Cadres:
    """The exercise's cadres as a row may name them."""

    by_name: dict[str, list[CadreAppraisee]]
    by_id_number: dict[str, CadreAppraisee]

    @classmethod
    def load(cls, exercise: CadreExercise) -> "_Cadres":
        by_name: dict[str, list[CadreAppraisee]] = defaultdict(list)
        by_id_number = {}
        for appraisee in exercise.appraisees.select_related("person"):
            by_name[appraisee.person.name].append(appraisee)
            if appraisee.person.id_number:
                by_id_number[appraisee.person.id_number.upper()] = appraisee
        return cls(by_name=by_name, by_id_number=by_id_number)

    def find(self, check: RowChecker) -> CadreAppraisee | None:
        name = check.text(NAME)
        if isinstance(check.raw(ID_NUMBER), float):
            # Excel keeps 15 significant digits: an ID number typed into a number cell has already lost its end.
            check.error(ID_NUMBER, _("身份证号被存成了数字，末尾几位已丢失：请把该列设为文本格式后重新填写。"))
            return None
        id_number = check.text(ID_NUMBER).upper()
        if not name:
            check.error(NAME, _("姓名不能为空。"))
            return None
        if id_number:
            appraisee = self.by_id_number.get(id_number)
            if appraisee is None:
                check.error(ID_NUMBER, _("本次考核的干部中没有这个身份证号。"))
                return None
            if appraisee.person.name != name:
                check.error(
                    NAME, _("姓名“%(name)s”与身份证号对应的干部“%(other)s”不一致。") % {
                        "name": name, "other": appraisee.person.name}
                )  # fmt: skip
                return None
            return appraisee
        candidates = self.by_name.get(name, [])
        if not candidates:
            check.error(NAME, _("“%(name)s”不是本次考核的干部。") % {"name": name})
            return None
        if len(candidates) > 1:
            check.error(ID_NUMBER, _("本次考核有多位干部名为“%(name)s”，请填写身份证号区分。") % {"name": name})
            return None
        return candidates[0]


@dataclass
class _Parsed:
    work: dict[int, Decimal] = field(default_factory=dict)
    principal: dict[int, Decimal] = field(default_factory=dict)
    team: dict[int, dict[int, Decimal]] = field(default_factory=lambda: defaultdict(dict))
    commendations: list[Commendation] = field(default_factory=list)


def _check_scores(
    sheet: SheetRows, exercise: CadreExercise, cadres: _Cadres, today: datetime.date, parsed: _Parsed
) -> list[RowError]:
    team = team_columns(list(exercise.team_members.select_related("unit").order_by("name", "pk")))
    errors = [
        RowError(
            1, header, _("“%(h)s”不是本次考核班子成员的列：请使用本次考核的导入模板。") % {"h": header}, SCORE_SHEET
        )
        for header in sheet.columns
        if header.startswith(TEAM_PREFIX) and header not in team
    ]
    team_headers = [header for header in team if header in sheet.columns]
    first_row: dict[int, int] = {}
    for number, values in sheet.rows:
        check = RowChecker(number, values, sheet.columns, today, SCORE_SHEET)
        appraisee = cadres.find(check)
        work, principal = check.score(WORK), check.score(PRINCIPAL)
        team_scores = {team[header].pk: check.score(header) for header in team_headers}
        if appraisee is not None:
            if appraisee.pk in first_row:
                check.error(NAME, _("与第 %(row)d 行是同一位干部。") % {"row": first_row[appraisee.pk]})
            first_row.setdefault(appraisee.pk, number)
        if check.errors:
            errors.extend(check.errors)
            continue
        if work is not None:
            parsed.work[appraisee.pk] = work
        if principal is not None:
            parsed.principal[appraisee.pk] = principal
        for scorer_id, score in team_scores.items():
            if score is not None:
                parsed.team[scorer_id][appraisee.pk] = score
    return errors


def _commendation_key(c: Commendation) -> tuple:
    return (c.person_id, c.kind, c.level, c.title, c.work_item, c.awarded_on, c.document_number)


def _check_commendations(
    sheet: SheetRows, exercise: CadreExercise, cadres: _Cadres, today: datetime.date, parsed: _Parsed, by: User | None
) -> list[RowError]:
    errors: list[RowError] = []
    first_row: dict[tuple, int] = {}
    for number, values in sheet.rows:
        check = RowChecker(number, values, sheet.columns, today, COMMENDATION_SHEET)
        appraisee = cadres.find(check)
        kind = check.choice("类别", labels(Commendation.Kind.choices))
        level = check.choice("级别", labels(Commendation.Level.choices))
        title = check.text("名称", max_length=Commendation._meta.get_field("title").max_length)
        work_item = check.text("对应工作事项", max_length=Commendation._meta.get_field("work_item").max_length)
        awarded_on = check.date("日期")
        document_number = check.text("文号", max_length=Commendation._meta.get_field("document_number").max_length)
        for column, value in (("类别", kind), ("级别", level), ("名称", title), ("对应工作事项", work_item),
                              ("文号", document_number)):  # fmt: skip
            if not value and not check.text(column):
                check.error(column, _("%(column)s不能为空。") % {"column": column})
        if awarded_on is None and is_blank(check.raw("日期")):
            check.error("日期", _("日期不能为空。"))
        elif awarded_on is not None and awarded_on.year != exercise.year:
            check.error("日期", _("日期须在 %(year)d 年内：只计本年度的表彰和处分。") % {"year": exercise.year})
        if check.errors:
            errors.extend(check.errors)
            continue
        commendation = Commendation(
            person=appraisee.person,
            kind=kind,
            level=level,
            title=title,
            work_item=work_item,
            awarded_on=awarded_on,
            document_number=document_number,
            recorded_by=by,
        )
        key = _commendation_key(commendation)
        if key in first_row:
            check.error(NAME, _("与第 %(row)d 行重复。") % {"row": first_row[key]})
            errors.extend(check.errors)
            continue
        first_row[key] = number
        parsed.commendations.append(commendation)
    return errors


def cadre_scores_import(
    *,
    exercise: CadreExercise,
    file: str | os.PathLike | IO[bytes],
    by: User | None,
    dry_run: bool = False,
) -> CadreImportResult:
    """Import scores and commendations of one exercise from the template xlsx (§6). `by` None is the command line,
    without a permission check; otherwise an organisation officer who manages the exercise. Every row is checked
    first; if any is bad, nothing is written. A dry run checks and counts but writes nothing."""
    if by is not None and not can_manage(scope_for(by), exercise):
        raise PermissionDenied
    result = CadreImportResult(dry_run=dry_run)
    try:
        score_sheet, commendation_sheet = read_sheets(
            file,
            [
                SheetSpec(headers=SCORE_HEADERS, required=(NAME,), name=SCORE_SHEET, prefixes=(TEAM_PREFIX,)),
                SheetSpec(headers=COMMENDATION_HEADERS, required=COMMENDATION_REQUIRED, name=COMMENDATION_SHEET),
            ],
            unreadable=_("无法读取文件：请上传 Excel（.xlsx）格式的评分表，可先下载本次考核的导入模板。"),
            sheet_names_in_errors=True,
        )
    except ImportFileError as exc:
        result.errors = exc.errors
        return result
    if score_sheet is None and commendation_sheet is None:
        result.errors = [RowError(None, "", _("文件中没有“评分”或“表彰与处分”工作表：请使用本次考核的导入模板。"))]
        return result
    if not (score_sheet and score_sheet.rows) and not (commendation_sheet and commendation_sheet.rows):
        result.errors = [RowError(None, "", _("文件中没有数据行：请在表头下方逐行填写。"))]
        return result

    cadres = _Cadres.load(exercise)
    today = timezone.localdate()
    parsed = _Parsed()
    if score_sheet is not None:
        result.errors += _check_scores(score_sheet, exercise, cadres, today, parsed)
    if commendation_sheet is not None:
        result.errors += _check_commendations(commendation_sheet, exercise, cadres, today, parsed, by)
    if result.errors:
        return result

    with transaction.atomic():
        try:
            locked = _locked(exercise)
        except ValidationError as exc:
            result.errors = [RowError(None, "", message) for message in exc.messages]
            return result
        _write(locked, parsed, result, by=by, source=file_name(file))
        if dry_run:
            transaction.set_rollback(True)
    return result


def _write(
    exercise: CadreExercise, parsed: _Parsed, result: CadreImportResult, *, by: User | None, source: str
) -> None:
    work = _set_field_scores(exercise, "work_score", parsed.work)
    principal = _set_field_scores(exercise, "principal_score", parsed.principal)
    team = {}
    scorers = {p.pk: p for p in exercise.team_members.all()}
    for scorer_id, scores in parsed.team.items():
        changes = _set_team_scores(exercise, scorers[scorer_id], scores)
        if changes:
            team[str(scorer_id)] = changes
    existing = {_commendation_key(c) for items in year_commendations(exercise).values() for c in items}
    created = []
    for commendation in parsed.commendations:
        if _commendation_key(commendation) in existing:
            result.commendations_existing += 1
            continue
        commendation.full_clean(exclude=["recorded_by"])  # None from the command line
        commendation.save()
        created.append(commendation.pk)
    result.scores_changed = len(work) + len(principal) + sum(len(c) for c in team.values())
    result.commendations_created = len(created)
    if result.dry_run or not (result.scores_changed or created):
        return
    audit_record(
        actor=by,
        action="cadre.import",
        obj=exercise,
        summary=_("%(title)s：导入评分 %(n)d 项，表彰与处分 %(c)d 条")
        % {"title": exercise.title, "n": result.scores_changed, "c": len(created)},
        data={"file": source, "work": work, "principal": principal, "team": team, "commendations": created},
    )


# ---- The template --------------------------------------------------------------------------------------------


def cadre_import_template(exercise: CadreExercise) -> list[Sheet]:
    """The download for one exercise: its cadres with the scores stored so far (an empty cell stays as it is), one
    column per team member, an empty 表彰与处分 sheet, and the rules of each column (填写说明)."""
    team = team_columns(list(exercise.team_members.select_related("unit").order_by("name", "pk")))
    own = defaultdict(dict)
    for row in CadreTeamScore.objects.filter(appraisee__exercise=exercise):
        own[row.appraisee_id][row.scorer_id] = row.score
    rows = [
        [
            a.person.name,
            a.person.id_number,
            a.work_score,
            a.principal_score,
            *(own[a.pk].get(person.pk) for person in team.values()),
        ]
        for a in exercise.appraisees.select_related("person__unit").order_by(
            "person__unit__sort_order", "person__unit_id", "person__name", "pk"
        )
    ]
    required, optional = _("必填"), _("选填")
    score_rule = _("0–100 的数字，最多两位小数。留空表示不改动已录入的分数。")
    cadre_rule = _("本次考核的干部：姓名须与系统一致；填写身份证号时须与姓名相符（同名时须填写）。")
    max_mb = settings.ZHIBU_IMPORT_MAX_BYTES // (1024 * 1024)
    explanations = [
        [SCORE_SHEET, NAME, required, cadre_rule],
        [SCORE_SHEET, ID_NUMBER, optional, _("18 位，末位可为 X；请把该列设为文本格式。")],
        [SCORE_SHEET, WORK, optional, _("按单位目标考核的工作实绩得分（表彰加分和处分减分由系统按“表彰与处分”自动计算，"
                                        "不要算入）。") + score_rule],
        [SCORE_SHEET, PRINCIPAL, optional, _("主要领导%(name)s的评分。") % {"name": exercise.principal_leader.name}
         + score_rule],
        *[[SCORE_SHEET, header, optional, _("班子成员%(name)s的评分。") % {"name": person.name} + score_rule]
          for header, person in team.items()],
        [COMMENDATION_SHEET, NAME, required, cadre_rule],
        [COMMENDATION_SHEET, ID_NUMBER, optional, _("同上。")],
        [COMMENDATION_SHEET, "类别", required, "、".join(str(label) for _v, label in Commendation.Kind.choices)],
        [COMMENDATION_SHEET, "级别", required, _("%(levels)s：分别计 1、3、5、10 分；同一工作事项多个级别的，"
                                                 "只按最高级别计一次。")
         % {"levels": "、".join(str(label) for _v, label in Commendation.Level.choices)}],
        [COMMENDATION_SHEET, "名称", required, _("表彰或处分的名称，不超过 200 个字。")],
        [COMMENDATION_SHEET, "对应工作事项", required, _("同一工作事项须填写完全相同的文字，才能按最高级别只计一次。")],
        [COMMENDATION_SHEET, "日期", required, _("须在 %(year)d 年内，不晚于今天。Excel 日期，或文本 YYYY-MM-DD。")
         % {"year": exercise.year}],
        [COMMENDATION_SHEET, "文号", required, _("不超过 100 个字。")],
        ["", "", "", ""],
        [_("通用规则"), "", "", _("纸质评分表汇总后，由组织部门通过本模板导入；导入记入操作日志。")],
        [_("通用规则"), "", "", _("第一行为表头，按列名识别：列的顺序可以调整，其他列会被忽略。空行会被跳过。")],
        [_("通用规则"), "", "", _("导入前检查全部行：任何一行有错误，整个文件都不会导入，"
                                   "并列出每个错误的工作表、行号、列和原因。")],
        [_("通用规则"), "", "", _("已录入过的相同表彰或处分不会重复录入，同一文件可以重复导入。")],
        [_("通用规则"), "", "", _("文件不超过 %(mb)d MB、%(rows)d 行。") % {"mb": max_mb, "rows": MAX_DATA_ROWS}],
    ]  # fmt: skip
    return [
        Sheet(SCORE_SHEET, [*SCORE_HEADERS, *team], rows),
        Sheet(COMMENDATION_SHEET, COMMENDATION_HEADERS, []),
        Sheet(_("填写说明"), [_("工作表"), _("列名"), _("是否必填"), _("填写要求")], explanations),
    ]
