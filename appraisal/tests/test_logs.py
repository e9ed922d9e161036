"""Monthly logs (月记实) and quarterly summaries (季度小结), DOMAIN.md §5."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from appraisal.models import LogStatus, MonthlyLog
from appraisal.services import (
    LogConflict,
    TaskEntry,
    log_due_date,
    monthly_log_comment,
    monthly_log_return,
    monthly_log_save,
    monthly_log_submit,
    quarterly_summary_save,
    summary_prefill,
)

TASKS = [TaskEntry("起草年度工作总结", "已完成", datetime.date(2026, 1, 20))]


def _save(personas, month=1, version=None, **fields):
    return monthly_log_save(person=personas.people.alice, year=2026, month=month, fields=fields, tasks=TASKS,
                            expected_version=version, by=personas.alice)  # fmt: skip


def test_the_due_date_for_2026_02_is_2026_02_28_and_for_2026_09_is_2026_09_30():
    assert log_due_date(2026, 2).day == datetime.date(2026, 2, 28)
    assert log_due_date(2026, 9).day == datetime.date(2026, 9, 30)


def test_one_log_per_person_and_month_is_a_database_constraint(personas):
    _save(personas)
    with pytest.raises(IntegrityError):
        MonthlyLog.objects.create(person=personas.people.alice, year=2026, month=1, unit=personas.people.alice.unit)


def test_a_draft_saves_and_keeps_its_tasks(personas):
    log = _save(personas, duties="负责文稿起草")
    assert log.status == LogStatus.DRAFT and log.version == 1
    assert [t.task for t in log.tasks.all()] == ["起草年度工作总结"]
    assert log.unit == personas.people.alice.unit


def test_two_tabs_saving_the_same_log_get_a_conflict_not_a_silent_loss(personas):
    log = _save(personas, duties="第一版")
    _save(personas, version=log.version, duties="标签页一的内容")
    with pytest.raises(LogConflict) as conflict:
        _save(personas, version=log.version, duties="标签页二的内容")
    assert conflict.value.current.duties == "标签页一的内容"
    assert MonthlyLog.objects.get().duties == "标签页一的内容"


def test_nobody_writes_another_persons_log(personas):
    with pytest.raises(PermissionDenied):
        monthly_log_save(person=personas.people.alice, year=2026, month=1, fields={}, tasks=TASKS,
                         expected_version=None, by=personas.bob)  # fmt: skip


def test_submitting_after_the_due_date_is_accepted_and_marked_late(personas):
    on_time = monthly_log_submit(log=_save(personas, month=2), by=personas.alice, today=datetime.date(2026, 2, 28))
    late = monthly_log_submit(log=_save(personas, month=3), by=personas.alice, today=datetime.date(2026, 4, 1))
    assert (on_time.is_late, late.is_late) == (False, True)


def test_a_submitted_log_is_read_only_to_its_author(personas):
    log = monthly_log_submit(log=_save(personas), by=personas.alice, today=datetime.date(2026, 1, 30))
    with pytest.raises(ValidationError, match="已提交"):
        _save(personas, version=log.version, duties="再改")


def test_a_log_needs_a_task_to_be_submitted(personas):
    log = monthly_log_save(person=personas.people.alice, year=2026, month=1, fields={}, tasks=[],
                           expected_version=None, by=personas.alice)  # fmt: skip
    with pytest.raises(ValidationError, match="至少填写一项"):
        monthly_log_submit(log=log, by=personas.alice)


def test_the_unit_head_sends_a_log_back_with_a_reason_and_the_author_can_edit_again(personas):
    log = monthly_log_submit(log=_save(personas), by=personas.alice, today=datetime.date(2026, 1, 30))
    with pytest.raises(ValidationError, match="退回原因"):
        monthly_log_return(log=log, reason=" ", by=personas.bob)
    returned = monthly_log_return(log=log, reason="任务完成情况不具体", by=personas.bob)
    assert returned.status == LogStatus.RETURNED
    assert _save(personas, version=returned.version, duties="补充").duties == "补充"


def test_only_the_unit_head_comments_or_returns_a_log(personas):
    log = monthly_log_submit(log=_save(personas), by=personas.alice, today=datetime.date(2026, 1, 30))
    for outsider in (personas.lin, personas.sam, personas.wang):
        with pytest.raises(PermissionDenied):
            monthly_log_comment(log=log, comment="好", by=outsider)
    assert monthly_log_comment(log=log, comment="完成较好", by=personas.bob).unit_head_comment == "完成较好"


def test_the_summary_is_prefilled_from_the_quarters_logs(personas):
    for month in (1, 2):
        log = monthly_log_save(person=personas.people.alice, year=2026, month=month,
                               fields={"duties": f"{month}月职责", "attendance_days": Decimal("21"),
                                       "leave_days": Decimal("1.5"), "leave_note": "病假"},
                               tasks=[TaskEntry(f"任务{month}", "完成")], expected_version=None,
                               by=personas.alice)  # fmt: skip
        monthly_log_submit(log=log, by=personas.alice, today=datetime.date(2026, month, 20))
    prefill = summary_prefill(person=personas.people.alice, year=2026, quarter=1)
    assert prefill["duties"] == "1月：1月职责\n2月：2月职责"
    assert prefill["tasks_completed"] == "1月 任务1：完成\n2月 任务2：完成"
    assert (
        prefill["attendance"]
        == "1月：出勤 21 天，请假 1.5 天（病假）\n2月：出勤 21 天，请假 1.5 天（病假）\n3月：未提交月记实"
    )


def test_only_the_unit_head_of_the_persons_unit_writes_the_summary(personas):
    fields = {"duties": "履职", "tasks_completed": "完成"}
    with pytest.raises(PermissionDenied):
        quarterly_summary_save(person=personas.people.wang, year=2026, quarter=1, fields=fields,
                               expected_version=None, by=personas.bob)  # fmt: skip
    summary = quarterly_summary_save(person=personas.people.alice, year=2026, quarter=1, fields=fields,
                                     expected_version=None, by=personas.bob)  # fmt: skip
    with pytest.raises(LogConflict):
        quarterly_summary_save(person=personas.people.alice, year=2026, quarter=1, fields=fields,
                               expected_version=None, by=personas.bob)  # fmt: skip
    assert summary.version == 1
