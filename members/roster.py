"""The Excel roster import (花名册导入, DOMAIN.md §3): one template, one parser, every row checked before any write.

The header row is what the parser keys on, so columns may come in any order and optional ones may be left out.
All rows are validated first; a single bad row refuses the whole file, and every error is reported with its row
number as Excel shows it, the column and the reason (§3: an inconsistent import is refused with the reason).
"""

import datetime
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.models import PartyOrganization, Unit
from core.audit import audit_record
from core.exports import Sheet
from core.models import User
from core.xlsx_import import (
    MAX_DATA_ROWS,
    ImportFileError,
    RowChecker,
    RowError,
    SheetSpec,
    file_name,
    read_sheets,
)
from core.xlsx_import import is_blank as _is_blank
from core.xlsx_import import labels as _labels

from .models import PARTY_MEMBER_STAGES, Education, Gender, Membership, MembershipStage, Person, ServiceStatus

HEADERS = [
    "姓名", "性别", "民族", "出生日期", "学历", "身份证号", "手机号", "部门", "职务", "职级", "在职状态",
    "政治面貌", "入党日期", "转正日期", "所在支部", "党小组",
]  # fmt: skip
REQUIRED_HEADERS = ("姓名", "性别", "出生日期", "学历", "部门")
NON_MEMBER_LABEL = "群众"
# The template's example row: refused by name so that it is never imported by accident.
EXAMPLE_NAME = "张三（示例）"

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CODES = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
PHONE_PATTERN = re.compile(r"^1\d{10}$")


@dataclass
class RosterImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits of an ID number."""
    return ID_CHECK_CODES[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


# ---------------------------------------------------------------------------------------------------------------
# Reading the file


def _read_file(file: Any) -> tuple[dict[str, int], list[tuple[int, tuple[Any, ...]]]]:
    """The column index of each known header, and the non-empty data rows with their Excel row numbers."""
    (sheet,) = read_sheets(
        file,
        [SheetSpec(headers=HEADERS, required=REQUIRED_HEADERS)],
        unreadable=_("无法读取文件：请上传 Excel（.xlsx）格式的名册，可先下载导入模板。"),
    )
    if sheet is None or not sheet.rows:
        raise ImportFileError([RowError(None, "", _("文件中没有数据行：请在表头下方逐行填写人员。"))])
    return sheet.columns, sheet.rows


# ---------------------------------------------------------------------------------------------------------------
# Checking rows


@dataclass
class _Reference:
    """The names a row may use, loaded once per import."""

    units: dict[str, list[Unit]]
    branches: dict[str, list[PartyOrganization]]
    groups: dict[tuple[int, str], PartyOrganization]
    existing: dict[str, Person]
    allowed_unit_ids: frozenset[int] | None
    allowed_organization_ids: frozenset[int] | None

    @classmethod
    def load(
        cls,
        *,
        id_numbers: set[str],
        allowed_unit_ids: Iterable[int] | None,
        allowed_organization_ids: Iterable[int] | None,
    ) -> "_Reference":
        units: dict[str, list[Unit]] = defaultdict(list)
        for unit in Unit.objects.order_by("sort_order", "id"):
            units[unit.name].append(unit)
        branches: dict[str, list[PartyOrganization]] = defaultdict(list)
        groups: dict[tuple[int, str], PartyOrganization] = {}
        for organization in PartyOrganization.objects.filter(
            kind__in=[PartyOrganization.Kind.BRANCH, PartyOrganization.Kind.GROUP]
        ):
            if organization.is_branch:
                branches[organization.name].append(organization)
            elif organization.parent_id is not None:
                groups[(organization.parent_id, organization.name)] = organization
        existing: dict[str, Person] = {}
        wanted = sorted(id_numbers | {n.lower() for n in id_numbers})
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for person in Person.objects.filter(id_number__in=chunk).select_related("membership"):
                existing[person.id_number.upper()] = person
        return cls(
            units=units,
            branches=branches,
            groups=groups,
            existing=existing,
            allowed_unit_ids=None if allowed_unit_ids is None else frozenset(allowed_unit_ids),
            allowed_organization_ids=None if allowed_organization_ids is None else frozenset(allowed_organization_ids),
        )

    def may_change(self, person: Person) -> bool:
        """An existing person may be updated by whoever can see them (the rule of PersonQuerySet.visible_to)."""
        if self.allowed_unit_ids is None or self.allowed_organization_ids is None:
            return True
        membership = getattr(person, "membership", None)
        return person.unit_id in self.allowed_unit_ids or (
            membership is not None and membership.branch_id in self.allowed_organization_ids
        )


def _pick(candidates: list[Any], allowed: frozenset[int] | None) -> tuple[Any | None, str]:
    """The one node of that name the importer may use, or a reason why there is none."""
    if not candidates:
        return None, "missing"
    if allowed is not None:
        candidates = [c for c in candidates if c.pk in allowed]
        if not candidates:
            return None, "out_of_scope"
    if len(candidates) > 1:
        return None, "ambiguous"
    return candidates[0], ""


@dataclass
class _ParsedRow:
    number: int
    # Only the Person fields the row gives a value for: an empty optional cell keeps the existing value.
    person: dict[str, Any]
    # None leaves the membership as it is (empty 政治面貌); otherwise the membership as the row describes it.
    membership: dict[str, Any] | None
    existing: Person | None


def _max_length(model: type, name: str) -> int:
    return model._meta.get_field(name).max_length


def _check_id_number(check: RowChecker, birth_date: datetime.date | None, gender: str | None) -> str:
    column = "身份证号"
    raw = check.raw(column)
    if isinstance(raw, float):
        # Excel keeps 15 significant digits: an ID number typed into a number cell has already lost its end.
        check.error(column, _("身份证号被存成了数字，末尾几位已丢失：请把该列设为文本格式后重新填写。"))
        return ""
    id_number = check.text(column).upper()
    if not id_number:
        return ""
    if not ID_PATTERN.match(id_number):
        check.error(column, _("身份证号应为 18 位：前 17 位为数字，末位为数字或 X。"))
        return ""
    if id_check_digit(id_number[:17]) != id_number[17]:
        check.error(column, _("身份证号校验位不正确，请核对号码。"))
        return ""
    digits = id_number[6:14]
    try:
        id_birth = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        check.error(column, _("身份证号中的出生日期“%(digits)s”不存在。") % {"digits": digits})
        return ""
    if birth_date is not None and id_birth != birth_date:
        check.error(
            column,
            _("身份证号中的出生日期 %(id_birth)s 与出生日期 %(birth)s 不一致。")
            % {"id_birth": id_birth.isoformat(), "birth": birth_date.isoformat()},
        )
    id_gender = Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE
    if gender is not None and id_gender != gender:
        check.error(
            column,
            _("身份证号第 17 位表明性别为“%(id_gender)s”，与性别“%(gender)s”不一致。")
            % {"id_gender": id_gender.label, "gender": Gender(gender).label},
        )
    return id_number


def _check_membership(
    check: RowChecker, ref: _Reference, birth_date: datetime.date | None, existing: Person | None
) -> dict[str, Any] | None:
    stage_labels = {**_labels(MembershipStage.choices), NON_MEMBER_LABEL: ""}
    stage = check.choice("政治面貌", stage_labels)
    stage_text = check.text("政治面貌")
    admitted_on = check.date("入党日期")
    full_on = check.date("转正日期")
    branch_name = check.text("所在支部")
    group_name = check.text("党小组")
    if stage is None and stage_text:
        return None  # unknown label, already reported

    if not stage:
        # 群众 or empty: nothing about the party may be filled in.
        context = NON_MEMBER_LABEL if stage_text else _("政治面貌为空")
        for column, value in (
            ("入党日期", check.raw("入党日期")),
            ("转正日期", check.raw("转正日期")),
            ("所在支部", branch_name),
            ("党小组", group_name),
        ):
            if not _is_blank(value):
                check.error(column, _("%(context)s时不应填写%(column)s。") % {"context": context, "column": column})
        if stage_text and existing is not None and getattr(existing, "membership", None) is not None:
            check.error(
                "政治面貌",
                _("该人员已有党员信息（%(stage)s），不能通过导入改为群众；如不改动请留空。")
                % {"stage": existing.membership.get_stage_display()},
            )
        return None

    label = MembershipStage(stage).label
    if stage in PARTY_MEMBER_STAGES:
        if admitted_on is None and _is_blank(check.raw("入党日期")):
            check.error("入党日期", _("%(stage)s须填写入党日期。") % {"stage": label})
    elif not _is_blank(check.raw("入党日期")):
        check.error("入党日期", _("%(stage)s尚未入党，不应填写入党日期。") % {"stage": label})
    if stage == MembershipStage.FULL:
        if full_on is None and _is_blank(check.raw("转正日期")):
            check.error("转正日期", _("正式党员须填写转正日期。"))
        elif full_on is not None and admitted_on is not None and full_on < admitted_on:
            check.error("转正日期", _("转正日期不能早于入党日期。"))
    elif not _is_blank(check.raw("转正日期")):
        check.error("转正日期", _("%(stage)s尚未转正，不应填写转正日期。") % {"stage": label})
    if admitted_on is not None and birth_date is not None and admitted_on <= birth_date:
        check.error("入党日期", _("入党日期应晚于出生日期。"))

    branch = group = None
    if not branch_name:
        check.error("所在支部", _("政治面貌为%(stage)s时须填写所在支部。") % {"stage": label})
    else:
        branch, problem = _pick(ref.branches.get(branch_name, []), ref.allowed_organization_ids)
        if problem == "missing":
            check.error("所在支部", _("党支部“%(name)s”不存在。") % {"name": branch_name})
        elif problem == "out_of_scope":
            check.error("所在支部", _("党支部“%(name)s”不在您的管理范围内。") % {"name": branch_name})
        elif problem == "ambiguous":
            check.error("所在支部", _("有多个党支部名为“%(name)s”，无法确定，请联系管理员。") % {"name": branch_name})
    if group_name and branch is not None:
        group = ref.groups.get((branch.pk, group_name))
        if group is None:
            check.error(
                "党小组",
                _("党小组“%(group)s”不存在或不属于党支部“%(branch)s”。") % {"group": group_name, "branch": branch_name},
            )
    return {"stage": stage, "branch": branch, "group": group, "admitted_on": admitted_on, "full_on": full_on}


def _check_row(
    check: RowChecker, ref: _Reference, first_row_of_id: dict[str, int]
) -> tuple[_ParsedRow | None, list[RowError]]:
    person: dict[str, Any] = {}

    name = check.text("姓名", max_length=_max_length(Person, "name"))
    if not name:
        check.error("姓名", _("姓名不能为空。"))
    elif name == EXAMPLE_NAME:
        check.error("姓名", _("这是模板中的示例行，请删除后再导入。"))
    person["name"] = name

    gender = check.choice("性别", _labels(Gender.choices))
    if gender is None and not check.text("性别"):
        check.error("性别", _("性别不能为空。"))
    person["gender"] = gender

    birth_date = check.date("出生日期")
    if birth_date is None and _is_blank(check.raw("出生日期")):
        check.error("出生日期", _("出生日期不能为空。"))
    person["birth_date"] = birth_date

    education = check.choice("学历", _labels(Education.choices))
    if education is None and not check.text("学历"):
        check.error("学历", _("学历不能为空。"))
    person["education"] = education

    unit_name = check.text("部门")
    if not unit_name:
        check.error("部门", _("部门不能为空。"))
    else:
        unit, problem = _pick(ref.units.get(unit_name, []), ref.allowed_unit_ids)
        if problem == "missing":
            check.error("部门", _("部门“%(name)s”不存在。") % {"name": unit_name})
        elif problem == "out_of_scope":
            check.error("部门", _("部门“%(name)s”不在您的管理范围内。") % {"name": unit_name})
        elif problem == "ambiguous":
            check.error("部门", _("有多个部门名为“%(name)s”，无法确定，请联系管理员。") % {"name": unit_name})
        person["unit"] = unit

    id_number = _check_id_number(check, birth_date, gender)
    existing = None
    if id_number:
        person["id_number"] = id_number
        if id_number in first_row_of_id:
            check.error("身份证号", _("身份证号与第 %(row)d 行重复。") % {"row": first_row_of_id[id_number]})
        else:
            first_row_of_id[id_number] = check.number
        existing = ref.existing.get(id_number)
        if existing is not None and not ref.may_change(existing):
            check.error("身份证号", _("系统中已有此身份证号的人员，但不在您的管理范围内，不能修改。"))

    phone = check.text("手机号")
    if phone:
        if not PHONE_PATTERN.match(phone):
            check.error("手机号", _("手机号应为以 1 开头的 11 位数字。"))
        person["phone"] = phone

    ethnicity = check.text("民族", max_length=_max_length(Person, "ethnicity"))
    if ethnicity:
        person["ethnicity"] = ethnicity
    position = check.text("职务", max_length=_max_length(Person, "position"))
    if position:
        person["position"] = position
    rank = check.text("职级", max_length=_max_length(Person, "rank"))
    if rank:
        person["rank"] = rank
    service_status = check.choice("在职状态", _labels(ServiceStatus.choices))
    if service_status:
        person["service_status"] = service_status

    membership = _check_membership(check, ref, birth_date, existing)
    if check.errors:
        return None, check.errors
    return _ParsedRow(number=check.number, person=person, membership=membership, existing=existing), []


def _peek_id_numbers(columns: dict[str, int], rows: list[tuple[int, tuple[Any, ...]]]) -> set[str]:
    index = columns.get("身份证号")
    if index is None:
        return set()
    found = set()
    for _number, values in rows:
        if index < len(values) and isinstance(values[index], str | int) and str(values[index]).strip():
            found.add(str(values[index]).strip().upper())
    return found


# ---------------------------------------------------------------------------------------------------------------
# The service


def roster_import(
    *,
    file: str | os.PathLike | IO[bytes],
    by: User | None,
    allowed_unit_ids: Iterable[int] | None = None,
    allowed_organization_ids: Iterable[int] | None = None,
    dry_run: bool = False,
) -> RosterImportResult:
    """Import people and their party membership from a roster xlsx (DOMAIN.md §3).

    Every row is checked first; if any is bad, nothing is written and the result lists every error. A row whose
    身份证号 matches an existing person updates that person; other rows create people. With allowed_* ids given
    (the web import), units, branches and existing people outside them are errors. A dry run checks and counts
    but writes nothing.
    """
    result = RosterImportResult(dry_run=dry_run)
    try:
        columns, rows = _read_file(file)
    except ImportFileError as exc:
        result.errors = exc.errors
        return result

    ref = _Reference.load(
        id_numbers=_peek_id_numbers(columns, rows),
        allowed_unit_ids=allowed_unit_ids,
        allowed_organization_ids=allowed_organization_ids,
    )
    today = timezone.localdate()
    first_row_of_id: dict[str, int] = {}
    parsed: list[_ParsedRow] = []
    for number, values in rows:
        row, errors = _check_row(RowChecker(number, values, columns, today), ref, first_row_of_id)
        result.errors.extend(errors)
        if row is not None:
            parsed.append(row)
    if result.errors:
        return result

    with transaction.atomic():
        created_ids, updated_ids = _write(parsed)
        result.created, result.updated = len(created_ids), len(updated_ids)
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_record(
                actor=by,
                action="roster.import",
                obj=None,
                summary=_("导入名册：新建 %(created)d 人，更新 %(updated)d 人")
                % {"created": result.created, "updated": result.updated},
                data={
                    "file": file_name(file),
                    "created": result.created,
                    "updated": result.updated,
                    "created_ids": created_ids,
                    "updated_ids": updated_ids,
                },
            )
    return result


def _write(rows: list[_ParsedRow]) -> tuple[list[int], list[int]]:
    created: list[int] = []
    updated: list[int] = []
    for row in rows:
        person = row.existing or Person()
        for name, value in row.person.items():
            setattr(person, name, value)
        person.save()  # save() keeps name_initials in step with the name
        (updated if row.existing else created).append(person.pk)
        if row.membership is None:
            continue
        membership = getattr(person, "membership", None) if row.existing else None
        if membership is None:
            membership = Membership(person=person)
        for name, value in row.membership.items():
            setattr(membership, name, value)
        membership.save()
    return created, updated


# ---------------------------------------------------------------------------------------------------------------
# The template


def roster_template(
    *, allowed_unit_ids: Iterable[int] | None = None, allowed_organization_ids: Iterable[int] | None = None
) -> list[Sheet]:
    """The download: the header row with one example row, and a sheet explaining each column (填写说明).
    The names the importer may use for 部门, 所在支部 and 党小组 are listed from their scope."""
    units = Unit.objects.order_by("sort_order", "id")
    branches = PartyOrganization.objects.branches().order_by("sort_order", "id")
    if allowed_unit_ids is not None:
        units = units.filter(pk__in=allowed_unit_ids)
    if allowed_organization_ids is not None:
        branches = branches.filter(pk__in=allowed_organization_ids)
    unit_names = list(dict.fromkeys(units.values_list("name", flat=True)))
    branch_list = list(branches)
    groups: dict[int, list[str]] = defaultdict(list)
    for parent_id, group_name in (
        PartyOrganization.objects.filter(kind=PartyOrganization.Kind.GROUP, parent__in=branch_list)
        .order_by("sort_order", "id")
        .values_list("parent_id", "name")
    ):
        groups[parent_id].append(group_name)

    example_branch = branch_list[0] if branch_list else None
    example_group = groups[example_branch.pk][0] if example_branch and groups[example_branch.pk] else ""
    example_id = "11010119900307123"
    example = [
        EXAMPLE_NAME,
        "男",
        "汉族",
        datetime.date(1990, 3, 7),
        "大学本科",
        example_id + id_check_digit(example_id),
        "13800000000",
        unit_names[0] if unit_names else "办公室",
        "科员",
        "一级科员",
        "在职",
        "正式党员",
        datetime.date(2015, 7, 1),
        datetime.date(2016, 7, 1),
        example_branch.name if example_branch else "第一党支部",
        example_group,
    ]
    none = _("（您的管理范围内暂无）")
    branch_names = "、".join(b.name for b in branch_list) or none
    group_names = "；".join(f"{b.name}：{'、'.join(groups[b.pk])}" for b in branch_list if groups[b.pk]) or none
    date_rule = _("Excel 日期，或文本 YYYY-MM-DD、YYYY/MM/DD、YYYY.MM.DD")
    required, optional = _("必填"), _("选填")
    max_mb = settings.ZHIBU_IMPORT_MAX_BYTES // (1024 * 1024)
    explanations = [
        ["姓名", required, _("不超过 50 个字。")],
        ["性别", required, _("男 / 女。填写身份证号时须与身份证号第 17 位一致（奇数为男，偶数为女）。")],
        ["民族", optional, _("如 汉族、回族。新建人员时留空按汉族。")],
        ["出生日期", required, _("%(rule)s。填写身份证号时须与其中的出生日期一致。") % {"rule": date_rule}],
        ["学历", required, _("研究生 / 大学本科 / 大专 / 中专及以下。")],
        [
            "身份证号",
            optional,
            _(
                "18 位，末位可为 X，须通过校验位检查；请把该列设为文本格式。与系统中已有人员相同时更新该人员，"
                "否则新建；未填写身份证号的行总是新建人员。同一文件中不能重复。"
            ),
        ],
        ["手机号", optional, _("以 1 开头的 11 位数字。")],
        [
            "部门",
            required,
            _("须与系统中的部门名称完全一致。可填写：%(names)s") % {"names": "、".join(unit_names) or none},
        ],
        ["职务", optional, _("不超过 100 个字。")],
        ["职级", optional, _("不超过 50 个字。")],
        ["在职状态", optional, _("在职 / 离退休。新建人员时留空按在职。")],
        [
            "政治面貌",
            optional,
            _(
                "正式党员 / 预备党员 / 发展对象 / 入党积极分子 / 入党申请人 / 群众，或留空。"
                "留空：不改动该人员已有的党员信息；群众：不建立党员信息（已有党员信息的人员不能通过导入改为群众）；"
                "填写其他值：按本行设置政治面貌、所在支部、党小组、入党日期和转正日期。"
            ),
        ],
        ["入党日期", optional, _("正式党员、预备党员必填，其他情况留空。%(rule)s。") % {"rule": date_rule}],
        ["转正日期", optional, _("正式党员必填，且不早于入党日期；其他情况留空。%(rule)s。") % {"rule": date_rule}],
        [
            "所在支部",
            optional,
            _("填写了政治面貌（群众除外）时必填，须与系统中的党支部名称完全一致。可填写：%(names)s")
            % {"names": branch_names},
        ],
        ["党小组", optional, _("须为所在支部下的党小组，名称完全一致。可填写：%(names)s") % {"names": group_names}],
        ["", "", ""],
        [
            _("通用规则"),
            "",
            _(
                "只读取第一个工作表。第一行为表头，按列名识别：列的顺序可以调整，必填列不能缺少，"
                "选填列可以删除，其他列会被忽略。空行会被跳过。"
            ),
        ],
        [_("通用规则"), "", _("第 2 行是示例（姓名为“%(name)s”），导入前请删除。") % {"name": EXAMPLE_NAME}],
        [
            _("通用规则"),
            "",
            _("导入前检查全部行：任何一行有错误，整个文件都不会导入，并列出每个错误的行号、列和原因。"),
        ],
        [_("通用规则"), "", _("更新已有人员时，留空的选填列保留原值。")],
        [_("通用规则"), "", _("文件不超过 %(mb)d MB、%(rows)d 行。") % {"mb": max_mb, "rows": MAX_DATA_ROWS}],
    ]
    return [
        Sheet("人员名册", HEADERS, [example]),
        Sheet("填写说明", [_("列名"), _("是否必填"), _("填写要求")], explanations),
    ]
