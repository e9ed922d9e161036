"""The Excel roster import (DOMAIN.md §3): all rows checked first, nothing written when any is bad, each error
reported with row, column and reason; re-import updates by ID number; officers only, within their scope."""

import datetime
from io import BytesIO

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import AuditEvent
from members.models import Education, Gender, Membership, MembershipStage, Person, ServiceStatus
from members.roster import EXAMPLE_NAME, HEADERS, RowError, id_check_digit, roster_import
from members.scopes import scope_for


def _id(birth: str, sequence: str) -> str:
    """A valid ID number: region 110101, birth date YYYYMMDD, 3-digit sequence (odd last digit: male)."""
    first17 = f"110101{birth}{sequence}"
    return first17 + id_check_digit(first17)


def _row(**cells) -> dict:
    row = {
        "姓名": "周新",
        "性别": "男",
        "民族": "汉族",
        "出生日期": "1991-04-05",
        "学历": "大学本科",
        "身份证号": _id("19910405", "135"),
        "手机号": "13700001234",
        "部门": "办公室",
        "职务": "科员",
        "职级": "一级科员",
        "在职状态": "在职",
        "政治面貌": "正式党员",
        "入党日期": "2015-07-01",
        "转正日期": "2016-07-01",
        "所在支部": "第一党支部",
        "党小组": "第一党小组",
    }
    row.update(cells)
    return row


def _xlsx(rows: list[dict], headers: list[str] = HEADERS) -> BytesIO:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _errors(result) -> set[tuple[int | None, str]]:
    return {(e.row, e.column) for e in result.errors}


def _message(result, row: int, column: str) -> str:
    return " ".join(e.message for e in result.errors if e.row == row and e.column == column)


ZHOU = _row()
QIAN = _row(
    姓名="钱晓梅",
    性别="女",
    出生日期=datetime.date(1995, 11, 20),
    身份证号=_id("19951120", "246"),
    手机号=None,
    部门="宣传部",
    学历="研究生",
    政治面貌="预备党员",
    入党日期="2025/06/30",
    转正日期=None,
    所在支部="第二党支部",
    党小组=None,
)
SUN = _row(
    姓名="孙建",
    出生日期="1960.02.29",
    身份证号=None,
    手机号=None,
    学历="中专及以下",
    在职状态="离退休",
    民族="回族",
    政治面貌="群众",
    入党日期=None,
    转正日期=None,
    所在支部=None,
    党小组=None,
)


# --- the whole file is refused when any row is bad ------------------------------------------------------------


def test_file_with_any_bad_row_imports_nothing_and_reports_each_row(org):
    rows = [
        ZHOU,  # row 2: good
        _row(姓名=None, 身份证号=None),  # row 3: no name
        _row(姓名="吴用", 身份证号=None, 所在支部="不存在支部", 党小组=None),  # row 4: unknown branch
        _row(姓名="郑和", 身份证号=None, 出生日期="1991年4月5日"),  # row 5: bad date
        _row(姓名="冯同号"),  # row 6: same ID number as row 2
    ]

    result = roster_import(file=_xlsx(rows), by=None)

    assert not result.ok
    assert _errors(result) == {(3, "姓名"), (4, "所在支部"), (5, "出生日期"), (6, "身份证号")}
    assert _message(result, 3, "姓名") == "姓名不能为空。"
    assert _message(result, 4, "所在支部") == "党支部“不存在支部”不存在。"
    assert _message(result, 5, "出生日期").startswith("日期格式不正确")
    assert _message(result, 6, "身份证号") == "身份证号与第 2 行重复。"
    assert str(RowError(6, "身份证号", "身份证号与第 2 行重复。")) == "第6行 [身份证号] 身份证号与第 2 行重复。"
    assert Person.objects.count() == 0
    assert Membership.objects.count() == 0
    assert (result.created, result.updated) == (0, 0)
    assert not AuditEvent.objects.filter(action="roster.import").exists()


def test_unknown_labels_phone_and_unit_are_reported_with_their_column(org):
    row = _row(性别="未知", 学历="博士", 在职状态="退休", 政治面貌="党员", 手机号="0571-1234567", 部门="财务科")

    result = roster_import(file=_xlsx([row]), by=None)

    assert _errors(result) == {(2, "性别"), (2, "学历"), (2, "在职状态"), (2, "政治面貌"), (2, "手机号"), (2, "部门")}
    assert "男、女" in _message(result, 2, "性别")
    assert _message(result, 2, "部门") == "部门“财务科”不存在。"
    assert _message(result, 2, "手机号") == "手机号应为以 1 开头的 11 位数字。"


def test_party_member_rows_need_admission_date_branch_and_ordered_full_date(org):
    rows = [
        _row(身份证号=None, 入党日期=None),  # row 2
        _row(身份证号=None, 转正日期=None),  # row 3
        _row(身份证号=None, 入党日期="2016-07-01", 转正日期="2015-07-01"),  # row 4
        _row(身份证号=None, 政治面貌="预备党员", 所在支部=None, 党小组=None, 转正日期=None),  # row 5
        _row(身份证号=None, 所在支部="第二党支部", 党小组="第一党小组"),  # row 6: group of another branch
        _row(身份证号=None, 所在支部="第一党总支", 党小组=None),  # row 7: not a branch
        _row(身份证号=None, 政治面貌="入党积极分子", 转正日期=None),  # row 8: activist with admission date
    ]

    result = roster_import(file=_xlsx(rows), by=None)

    assert _errors(result) == {
        (2, "入党日期"),
        (3, "转正日期"),
        (4, "转正日期"),
        (5, "所在支部"),
        (6, "党小组"),
        (7, "所在支部"),
        (8, "入党日期"),
    }
    assert _message(result, 4, "转正日期") == "转正日期不能早于入党日期。"
    assert _message(result, 6, "党小组") == "党小组“第一党小组”不存在或不属于党支部“第二党支部”。"
    assert _message(result, 7, "所在支部") == "党支部“第一党总支”不存在。"
    assert Person.objects.count() == 0


# --- ID numbers ---------------------------------------------------------------------------------------------


def test_id_number_inconsistent_with_birth_date_or_gender_is_refused_with_the_reason(org):
    rows = [
        _row(出生日期="1991-05-04"),  # row 2: ID says 1991-04-05
        _row(性别="女", 身份证号=_id("19910405", "137")),  # row 3: 17th digit odd → male
    ]

    result = roster_import(file=_xlsx(rows), by=None)

    assert _errors(result) == {(2, "身份证号"), (3, "身份证号")}
    assert _message(result, 2, "身份证号") == "身份证号中的出生日期 1991-04-05 与出生日期 1991-05-04 不一致。"
    assert _message(result, 3, "身份证号") == "身份证号第 17 位表明性别为“男”，与性别“女”不一致。"
    assert Person.objects.count() == 0


def test_id_number_with_wrong_check_digit_length_or_number_cell_is_refused(org):
    good = _id("19910405", "135")
    wrong_digit = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        _row(身份证号=wrong_digit),
        _row(身份证号=good[:15]),
        _row(身份证号=float(good[:17] + "1")),  # typed into a number cell
    ]

    result = roster_import(file=_xlsx(rows), by=None)

    assert _message(result, 2, "身份证号") == "身份证号校验位不正确，请核对号码。"
    assert "18 位" in _message(result, 3, "身份证号")
    assert "文本格式" in _message(result, 4, "身份证号")


def test_lowercase_x_check_character_is_accepted(org):
    first17 = next(
        f"11010119910405{n:03d}" for n in range(1, 999, 2) if id_check_digit(f"11010119910405{n:03d}") == "X"
    )

    result = roster_import(file=_xlsx([_row(身份证号=first17 + "x")]), by=None)

    assert result.ok, result.errors
    assert Person.objects.get().id_number == first17 + "X"


# --- a good file --------------------------------------------------------------------------------------------


def test_good_file_imports_every_row_with_person_and_membership_fields(org):
    # Columns in another order than the template; an extra column is ignored; blank rows are skipped.
    headers = ["序号", *reversed(HEADERS)]
    buffer = _xlsx([ZHOU, {}, QIAN, SUN], headers=headers)

    result = roster_import(file=buffer, by=None)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (3, 0)
    zhou = Person.objects.get(name="周新")
    assert zhou.name_initials == "zx"
    assert (zhou.gender, zhou.birth_date, zhou.education) == (Gender.MALE, datetime.date(1991, 4, 5), "undergraduate")
    assert (zhou.id_number, zhou.phone, zhou.unit, zhou.position, zhou.rank) == (
        ZHOU["身份证号"],
        "13700001234",
        org.office,
        "科员",
        "一级科员",
    )
    assert zhou.service_status == ServiceStatus.IN_SERVICE
    m = zhou.membership
    assert (m.stage, m.branch, m.group) == (MembershipStage.FULL, org.branch_1, org.group_1)
    assert (m.admitted_on, m.full_on) == (datetime.date(2015, 7, 1), datetime.date(2016, 7, 1))

    qian = Person.objects.get(name="钱晓梅")
    assert (qian.gender, qian.birth_date, qian.education, qian.unit) == (
        Gender.FEMALE,
        datetime.date(1995, 11, 20),
        Education.POSTGRADUATE,
        org.publicity,
    )
    assert (qian.membership.stage, qian.membership.branch, qian.membership.group) == (
        MembershipStage.PROBATIONARY,
        org.branch_2,
        None,
    )
    assert (qian.membership.admitted_on, qian.membership.full_on) == (datetime.date(2025, 6, 30), None)

    sun = Person.objects.get(name="孙建")
    assert (sun.birth_date, sun.ethnicity, sun.service_status, sun.id_number) == (
        datetime.date(1960, 2, 29),
        "回族",
        ServiceStatus.RETIRED,
        None,
    )
    assert not Membership.objects.filter(person=sun).exists()

    audit = AuditEvent.objects.get(action="roster.import")
    assert (audit.data["created"], audit.data["updated"]) == (3, 0)


def test_dry_run_checks_and_counts_but_writes_nothing(org):
    result = roster_import(file=_xlsx([ZHOU, QIAN]), by=None, dry_run=True)

    assert result.ok
    assert (result.created, result.updated) == (2, 0)
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action="roster.import").exists()


# --- re-import ----------------------------------------------------------------------------------------------


def test_reimport_of_changed_file_updates_by_id_number_instead_of_duplicating(org):
    assert roster_import(file=_xlsx([ZHOU, QIAN, SUN]), by=None).ok
    zhou_pk = Person.objects.get(name="周新").pk

    changed = [
        _row(手机号="13911112222", 职务="副主任", 党小组=None),
        {**QIAN, "政治面貌": "正式党员", "转正日期": "2026-06-30", "入党日期": "2025-06-30"},
        SUN,  # no ID number: created again
    ]
    with time_machine.travel(datetime.date(2026, 12, 1)):  # the full-membership date must not lie ahead
        result = roster_import(file=_xlsx(changed), by=None)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 2)
    assert Person.objects.filter(name="周新").count() == 1
    zhou = Person.objects.get(pk=zhou_pk)
    assert (zhou.phone, zhou.position, zhou.membership.group) == ("13911112222", "副主任", None)
    qian = Person.objects.get(name="钱晓梅")
    assert (qian.membership.stage, qian.membership.full_on) == (MembershipStage.FULL, datetime.date(2026, 6, 30))
    assert Person.objects.filter(name="孙建").count() == 2
    assert Membership.objects.count() == 2


def test_reimport_matches_an_existing_person_and_creates_their_membership(personas, org):
    lin = personas.people.lin
    lin.id_number = _id("19850601", "153")
    lin.save()
    row = _row(
        姓名="林志远",
        出生日期="1985-06-01",
        身份证号=lin.id_number,
        政治面貌="入党积极分子",
        入党日期=None,
        转正日期=None,
    )

    result = roster_import(file=_xlsx([row]), by=personas.chief)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    lin.refresh_from_db()
    assert (lin.membership.stage, lin.membership.branch) == (MembershipStage.ACTIVIST, org.branch_1)
    assert lin.user == personas.lin


def test_empty_party_status_leaves_membership_untouched_and_non_member_cannot_demote(personas, org):
    alice = personas.people.alice
    before = (alice.membership.stage, alice.membership.branch_id, alice.membership.group_id)
    birth = alice.id_number[6:14]
    keep = _row(
        姓名="张小丽",
        出生日期=f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
        身份证号=alice.id_number,
        手机号=None,
        政治面貌=None,
        入党日期=None,
        转正日期=None,
        所在支部=None,
        党小组=None,
        职务="主任",
    )

    result = roster_import(file=_xlsx([keep]), by=None)

    assert result.ok, result.errors
    alice.refresh_from_db()
    assert alice.position == "主任"
    assert alice.phone == "13800001111"  # an empty optional cell keeps the existing value
    assert (alice.membership.stage, alice.membership.branch_id, alice.membership.group_id) == before

    result = roster_import(file=_xlsx([{**keep, "政治面貌": "群众"}]), by=None)

    assert _errors(result) == {(2, "政治面貌")}
    assert "不能通过导入改为群众" in _message(result, 2, "政治面貌")


# --- file-level refusals ------------------------------------------------------------------------------------


def test_missing_required_header_is_a_file_level_error(org):
    headers = [h for h in HEADERS if h != "部门"]

    result = roster_import(file=_xlsx([ZHOU], headers=headers), by=None)

    assert [(e.row, e.column) for e in result.errors] == [(1, "部门")]
    assert "缺少必填列“部门”" in result.errors[0].message
    assert Person.objects.count() == 0


def test_unreadable_empty_and_oversized_files_are_refused(org, settings):
    not_xlsx = roster_import(file=BytesIO("姓名,性别\n张三,男\n".encode()), by=None)
    assert not_xlsx.errors[0].row is None
    assert "无法读取文件" in not_xlsx.errors[0].message

    no_rows = roster_import(file=_xlsx([]), by=None)
    assert "没有数据行" in no_rows.errors[0].message

    settings.ZHIBU_IMPORT_MAX_BYTES = 1024 * 1024
    big = BytesIO(b"x" * (1024 * 1024 + 1))
    too_big = roster_import(file=big, by=None)
    assert "超过 1 MB" in too_big.errors[0].message
    assert Person.objects.count() == 0


# --- scope --------------------------------------------------------------------------------------------------


def test_units_branches_and_people_outside_the_scope_are_refused(personas, org):
    olga = scope_for(personas.olga)  # officer of 第一党总支 only: no units
    wang = personas.people.wang
    wang.id_number = _id("19880505", "222")
    wang.save()
    birth = wang.id_number[6:14]
    rows = [
        _row(身份证号=None),  # row 2: 办公室 is outside olga's units
        _row(身份证号=None, 所在支部="第二党支部", 党小组=None),  # row 3
        _row(姓名="王芳", 性别="女", 出生日期=f"{birth[:4]}-{birth[4:6]}-{birth[6:]}", 身份证号=wang.id_number),  # 4
    ]

    result = roster_import(
        file=_xlsx(rows),
        by=personas.olga,
        allowed_unit_ids=olga.unit_ids,
        allowed_organization_ids=olga.organization_ids,
    )

    assert _message(result, 2, "部门") == "部门“办公室”不在您的管理范围内。"
    assert _message(result, 3, "所在支部") == "党支部“第二党支部”不在您的管理范围内。"
    assert "不在您的管理范围内" in _message(result, 4, "身份证号")
    assert Person.objects.filter(name="周新").count() == 0


# --- the web pages ------------------------------------------------------------------------------------------


def _upload(buffer: BytesIO, name: str = "名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


@pytest.mark.parametrize("persona", ["alice", "bob", "lin", "sam"])
def test_import_pages_refuse_anyone_but_an_officer(client, personas, persona):
    client.force_login(getattr(personas, persona))

    assert client.get(reverse("members:import")).status_code == 403
    assert client.post(reverse("members:import"), {"file": _upload(_xlsx([ZHOU]))}).status_code == 403
    assert client.get(reverse("members:import_template")).status_code == 403
    assert not Person.objects.filter(name="周新").exists()


def test_officer_sees_each_error_and_nothing_is_imported(client, personas):
    client.force_login(personas.chief)
    assert client.get(reverse("members:import")).status_code == 200
    rows = [ZHOU, _row(姓名="吴用", 身份证号=None, 所在支部="不存在支部", 党小组=None)]

    response = client.post(reverse("members:import"), {"file": _upload(_xlsx(rows))})

    assert response.status_code == 200
    html = response.content.decode()
    assert "未导入任何数据" in html
    assert "<td>3</td><td>所在支部</td><td>党支部“不存在支部”不存在。</td>" in html
    assert not Person.objects.filter(name="周新").exists()


def test_officer_import_succeeds_and_returns_to_the_list_with_counts(client, personas):
    client.force_login(personas.chief)

    response = client.post(reverse("members:import"), {"file": _upload(_xlsx([ZHOU, QIAN]))}, follow=True)

    assert response.redirect_chain == [(reverse("members:list"), 302)]
    assert "导入完成：新建 2 人，更新 0 人。" in response.content.decode()
    assert Person.objects.filter(name__in=["周新", "钱晓梅"]).count() == 2
    assert AuditEvent.objects.get(action="roster.import").actor == personas.chief


def test_officer_dry_run_reports_counts_without_importing(client, personas):
    client.force_login(personas.chief)

    response = client.post(reverse("members:import"), {"file": _upload(_xlsx([ZHOU])), "dry_run": "on"})

    assert response.status_code == 200
    assert "检查通过" in response.content.decode()
    assert not Person.objects.filter(name="周新").exists()


def test_template_downloads_with_the_header_row_an_example_and_instructions(client, personas, org):
    client.force_login(personas.chief)

    response = client.get(reverse("members:import_template"))

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["人员名册", "填写说明"]
    rows = list(workbook["人员名册"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1][0] == EXAMPLE_NAME
    instructions = {r[0]: r[2] for r in workbook["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert set(HEADERS) <= set(instructions)
    assert "研究生 / 大学本科 / 大专 / 中专及以下" in instructions["学历"]
    assert "办公室" in instructions["部门"]
    assert "第一党支部" in instructions["所在支部"]
    assert "不改动" in instructions["政治面貌"]


def test_template_example_row_is_refused_until_replaced_and_then_imports(client, personas, org):
    client.force_login(personas.chief)
    content = client.get(reverse("members:import_template")).content

    as_downloaded = roster_import(file=BytesIO(content), by=None)
    assert [(e.row, e.column) for e in as_downloaded.errors] == [(2, "姓名")]

    workbook = openpyxl.load_workbook(BytesIO(content))
    workbook["人员名册"]["A2"] = "陈真"
    buffer = BytesIO()
    workbook.save(buffer)
    result = roster_import(file=buffer, by=None)
    assert result.ok, result.errors
    assert Person.objects.get(name="陈真").membership.branch == org.branch_1


# --- the command --------------------------------------------------------------------------------------------


def test_command_imports_a_file_and_prints_the_counts(org, tmp_path, capsys):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(_xlsx([ZHOU, QIAN]).getvalue())

    call_command("import_roster", str(path), "--dry-run")
    assert Person.objects.count() == 0
    call_command("import_roster", str(path))

    out = capsys.readouterr().out
    assert "将新建 2 人，更新 0 人" in out
    assert "导入完成：新建 2 人，更新 0 人" in out
    assert Person.objects.count() == 2


def test_command_fails_and_prints_each_error_line(org, tmp_path, capsys):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(_xlsx([ZHOU, _row(姓名=None, 身份证号=None)]).getvalue())

    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_roster", str(path))

    assert "第3行 [姓名] 姓名不能为空。" in capsys.readouterr().err
    assert Person.objects.count() == 0


def test_command_refuses_a_missing_file(org, tmp_path):
    with pytest.raises(CommandError, match="无法打开文件"):
        call_command("import_roster", str(tmp_path / "nope.xlsx"))
