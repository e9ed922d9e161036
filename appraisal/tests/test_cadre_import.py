"""The xlsx import of a cadre appraisal's scores and commendations (DOMAIN.md §6), with the roster import's row-level
validation: every row of both sheets checked first, nothing written when any is bad, each error with its sheet, row,
column and reason; from the page and from `manage.py import_cadre_scores`."""

# ruff: noqa: F811 (the fixtures imported from cadre_fixtures are named again as test arguments)

import datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from appraisal.cadre_import import COMMENDATION_HEADERS, SCORE_HEADERS, cadre_scores_import
from appraisal.models import CadreAppraisee, CadreTeamScore, Commendation
from core.models import AuditEvent

from .cadre_fixtures import PASSWORD, exercise, scored, scorers  # noqa: F401 (fixtures)

TEAM = ["班子成员评分（何副局长）", "班子成员评分（林志远）"]


def _xlsx(scores: list[list] | None, commendations: list[list] | None = None, score_headers=None) -> BytesIO:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    if scores is not None:
        sheet = workbook.create_sheet("评分")
        sheet.append(score_headers or [*SCORE_HEADERS, *TEAM])
        for row in scores:
            sheet.append(row)
    if commendations is not None:
        sheet = workbook.create_sheet("表彰与处分")
        sheet.append(COMMENDATION_HEADERS)
        for row in commendations:
            sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


GOOD_SCORES = [
    ["李建国", None, 90, 90, 90, 90],
    ["孙明", None, "85", 80, 80, 80],
    ["王芳", "110101198805052226", 80, 90, 85, 85],
    ["张小丽", None, 80, 70, 71, 70.5],
]
GOOD_COMMENDATIONS = [
    ["孙明", None, "表彰奖励", "区级", "优秀招商项目", "招商引资", datetime.date(2026, 3, 1), "区委发〔2026〕1号"],
    ["孙明", None, "表彰奖励", "省级", "全省招商先进", "招商引资", "2026-05-01", "省委发〔2026〕9号"],
    ["张小丽", None, "处分问责", "市级", "通报批评", "安全生产", "2026/04/01", "市纪发〔2026〕3号"],
]


def _errors(result) -> set[tuple[str, int | None, str]]:
    return {(e.sheet, e.row, e.column) for e in result.errors}


def _scores():
    return {
        a.person.name: (a.work_score, a.principal_score)
        for a in CadreAppraisee.objects.select_related("person").order_by("person__name")
    }


def test_good_file_imports_every_score_and_commendation(exercise, personas):
    result = cadre_scores_import(exercise=exercise, file=_xlsx(GOOD_SCORES, GOOD_COMMENDATIONS), by=personas.chief)

    assert result.ok, [str(e) for e in result.errors]
    assert _scores()["孙明"] == (Decimal("85"), Decimal("80"))
    team = {(s.appraisee.person.name, s.scorer.name): s.score for s in CadreTeamScore.objects.select_related(
        "appraisee__person", "scorer")}  # fmt: skip
    assert team[("张小丽", "林志远")] == Decimal("70.5")
    assert team[("张小丽", "何副局长")] == Decimal("71")
    assert len(team) == 8
    assert result.commendations_created == 3
    sam = Commendation.objects.filter(person=personas.people.sam).order_by("awarded_on")
    assert [(c.level, c.work_item, c.recorded_by) for c in sam] == [
        ("district", "招商引资", personas.chief),
        ("province", "招商引资", personas.chief),
    ]
    event = AuditEvent.objects.get(action="cadre.import")
    assert event.actor == personas.chief and event.object_id == str(exercise.pk)


def test_reimporting_the_same_file_changes_nothing_and_records_no_commendation_twice(exercise, personas):
    cadre_scores_import(exercise=exercise, file=_xlsx(GOOD_SCORES, GOOD_COMMENDATIONS), by=personas.chief)
    again = cadre_scores_import(exercise=exercise, file=_xlsx(GOOD_SCORES, GOOD_COMMENDATIONS), by=personas.chief)
    assert again.ok
    assert (again.scores_changed, again.commendations_created, again.commendations_existing) == (0, 0, 3)
    assert Commendation.objects.count() == 3
    assert AuditEvent.objects.filter(action="cadre.import").count() == 1


def test_file_with_any_bad_row_writes_nothing_and_reports_sheet_row_column_and_reason(exercise, personas):
    scores = [
        ["李建国", None, 90, 90, 90, 90],  # row 2: good
        ["孙明", None, "八十五", 80, 80, 80],  # row 3: not a number
        ["王芳", None, 80, 100.5, 85, 85],  # row 4: above 100
        ["张小丽", None, 80.125, 70, 71, 70],  # row 5: three decimals
        ["赵六", None, 80, 70, 71, 70],  # row 6: not a cadre of the exercise
        ["李建国", None, 91, None, None, None],  # row 7: the same cadre again
        ["孙明", "110101198805052226", 80, None, None, None],  # row 8: Wang's ID number under Sam's name
    ]
    commendations = [
        GOOD_COMMENDATIONS[0],  # row 2: good
        ["孙明", None, "奖励", "省级", "全省招商先进", "招商引资", "2026-05-01", "省委发〔2026〕9号"],  # row 3
        ["张小丽", None, "处分问责", "市级", "通报批评", "安全生产", "2025-12-31", "市纪发〔2025〕3号"],  # row 4
        ["张小丽", None, "处分问责", "县级", None, "安全生产", "2026-13-01", None],  # row 5
    ]

    result = cadre_scores_import(exercise=exercise, file=_xlsx(scores, commendations), by=personas.chief)

    assert not result.ok
    assert _errors(result) == {
        ("评分", 3, "工作实绩得分"),
        ("评分", 4, "主要领导评分"),
        ("评分", 5, "工作实绩得分"),
        ("评分", 6, "姓名"),
        ("评分", 7, "姓名"),
        ("评分", 8, "姓名"),
        ("表彰与处分", 3, "类别"),
        ("表彰与处分", 4, "日期"),
        ("表彰与处分", 5, "级别"),
        ("表彰与处分", 5, "名称"),
        ("表彰与处分", 5, "日期"),
        ("表彰与处分", 5, "文号"),
    }
    messages = {(e.sheet, e.row, e.column): e.message for e in result.errors}
    assert messages[("评分", 4, "主要领导评分")] == "应在 0 到 100 之间，填写的是 100.5。"
    assert messages[("评分", 5, "工作实绩得分")] == "最多保留 2 位小数，填写的是 80.125。"
    assert messages[("评分", 6, "姓名")] == "“赵六”不是本次考核的干部。"
    assert messages[("评分", 7, "姓名")] == "与第 2 行是同一位干部。"
    assert messages[("表彰与处分", 3, "类别")] == "“奖励”无法识别，应填写：表彰奖励、处分问责。"
    assert messages[("表彰与处分", 4, "日期")] == "日期须在 2026 年内：只计本年度的表彰和处分。"
    assert str(result.errors[0]) == "【评分】第3行 [工作实绩得分] “八十五”不是数字。"
    assert _scores()["李建国"] == (None, None)
    assert not CadreTeamScore.objects.exists()
    assert not Commendation.objects.exists()
    assert not AuditEvent.objects.filter(action="cadre.import").exists()


def test_a_team_column_of_someone_else_and_a_missing_name_column_are_file_errors(exercise, personas):
    headers = [*SCORE_HEADERS, "班子成员评分（王五）"]
    result = cadre_scores_import(exercise=exercise, file=_xlsx([["李建国", None, 90, 90, 90]], None, headers),
                                 by=personas.chief)  # fmt: skip
    assert _errors(result) == {("评分", 1, "班子成员评分（王五）")}

    result = cadre_scores_import(
        exercise=exercise, file=_xlsx([[90, 90]], None, ["工作实绩得分", "主要领导评分"]), by=personas.chief
    )
    assert [str(e) for e in result.errors] == ["【评分】第1行 [姓名] 缺少必填列“姓名”：第一行须为模板中的表头。"]


def test_unreadable_and_empty_files_are_refused(exercise, personas):
    result = cadre_scores_import(exercise=exercise, file=BytesIO(b"not a workbook"), by=personas.chief)
    assert result.errors[0].message.startswith("无法读取文件")
    result = cadre_scores_import(exercise=exercise, file=_xlsx([], []), by=personas.chief)
    assert result.errors[0].message.startswith("文件中没有数据行")


def test_dry_run_checks_and_counts_but_writes_nothing(exercise, personas):
    result = cadre_scores_import(
        exercise=exercise, file=_xlsx(GOOD_SCORES, GOOD_COMMENDATIONS), by=personas.chief, dry_run=True
    )
    assert result.ok and result.commendations_created == 3 and result.scores_changed == 16
    assert _scores()["孙明"] == (None, None)
    assert not Commendation.objects.exists()
    assert not AuditEvent.objects.filter(action="cadre.import").exists()


def test_a_filed_exercise_refuses_the_import(scored, personas):
    from appraisal.cadre_services import cadre_exercise_file

    cadre_exercise_file(exercise=scored, password=PASSWORD, by=personas.chief)
    result = cadre_scores_import(exercise=scored, file=_xlsx(GOOD_SCORES), by=personas.chief)
    assert "备案，不能再修改" in result.errors[0].message


def _upload(buffer: BytesIO) -> SimpleUploadedFile:
    return SimpleUploadedFile("评分.xlsx", buffer.getvalue())


def test_template_download_filled_in_and_uploaded_imports(client, exercise, personas):
    client.force_login(personas.chief)
    response = client.get(reverse("appraisal:cadre_import_template", args=[exercise.pk]))
    workbook = openpyxl.load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["评分", "表彰与处分", "填写说明"]
    sheet = workbook["评分"]
    assert [c.value for c in sheet[1]] == [*SCORE_HEADERS, *TEAM]
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(names) == sorted(["李建国", "孙明", "王芳", "张小丽"])
    for row in sheet.iter_rows(min_row=2):
        row[2].value = 88
    buffer = BytesIO()
    workbook.save(buffer)

    response = client.post(reverse("appraisal:cadre_import", args=[exercise.pk]), {"file": _upload(buffer)})
    assert response.status_code == 302
    assert {work for work, _principal in _scores().values()} == {Decimal("88")}


def test_import_page_shows_each_error_and_imports_nothing(client, exercise, personas):
    client.force_login(personas.chief)
    bad = _xlsx([["孙明", None, 120, None, None, None]])
    response = client.post(reverse("appraisal:cadre_import", args=[exercise.pk]), {"file": _upload(bad)})
    text = response.content.decode()
    assert "发现 1 处错误，未导入任何数据" in text
    assert "应在 0 到 100 之间，填写的是 120。" in text
    assert _scores()["孙明"] == (None, None)


def test_import_pages_are_refused_to_scorers(client, exercise, scorers):
    client.force_login(scorers.zhou_user)
    assert client.get(reverse("appraisal:cadre_import", args=[exercise.pk])).status_code == 403
    assert client.get(reverse("appraisal:cadre_import_template", args=[exercise.pk])).status_code == 403


def _save(buffer: BytesIO, tmp_path) -> str:
    path = tmp_path / "评分.xlsx"
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_command_imports_a_file_and_prints_the_counts(exercise, tmp_path, capsys):
    path = _save(_xlsx(GOOD_SCORES, GOOD_COMMENDATIONS), tmp_path)
    call_command("import_cadre_scores", path, "--year", "2026", "--dry-run")
    assert "检查通过（未写入）" in capsys.readouterr().out
    assert not Commendation.objects.exists()
    call_command("import_cadre_scores", path, "--year", "2026", "--unit", "某区机关")
    assert "导入完成" in capsys.readouterr().out
    assert _scores()["孙明"] == (Decimal("85"), Decimal("80"))
    assert AuditEvent.objects.get(action="cadre.import").actor is None


def test_command_fails_with_each_row_error_and_writes_nothing(exercise, tmp_path, capsys):
    path = _save(_xlsx([["孙明", None, 120, None, None, None], ["赵六", None, 80, None, None, None]]), tmp_path)
    with pytest.raises(CommandError, match="共 2 处错误，未导入任何数据"):
        call_command("import_cadre_scores", path, "--year", "2026")
    err = capsys.readouterr().err
    assert "【评分】第2行 [工作实绩得分] 应在 0 到 100 之间" in err
    assert "【评分】第3行 [姓名] “赵六”不是本次考核的干部。" in err
    assert _scores()["孙明"] == (None, None)


def test_command_needs_an_existing_exercise(exercise, tmp_path):
    path = _save(_xlsx(GOOD_SCORES), tmp_path)
    with pytest.raises(CommandError, match="没有2025年度的中层干部考核"):
        call_command("import_cadre_scores", path, "--year", "2025")
    with pytest.raises(CommandError, match="没有宣传部2026年度的中层干部考核"):
        call_command("import_cadre_scores", path, "--year", "2026", "--unit", "宣传部")
