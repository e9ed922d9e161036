"""Forms of the monthly log (月记实), the unit head's review and the quarterly summary (季度小结), DOMAIN.md §5.

The log and summary forms carry the version they were loaded with: the services refuse a save from an older
version (LogConflict), and the page then shows both texts side by side with `comparison`.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import MonthlyLog, QuarterlySummary
from .selectors_logs import INBOX_STATUSES
from .services import LOG_FIELDS, SUMMARY_FIELDS, TaskEntry

MAX_TASK_ROWS = 50


def _text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _label(model, name: str) -> str:
    return model._meta.get_field(name).verbose_name


class VersionedForm(forms.Form):
    # The version of the stored record the page was loaded with; empty for a record not yet saved.
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


class MonthlyLogForm(VersionedForm):
    duties = forms.CharField(label=_label(MonthlyLog, "duties"), required=False, widget=_text_area(4))
    attendance_days = forms.DecimalField(
        label=_label(MonthlyLog, "attendance_days"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(31),
        max_digits=4,
        decimal_places=1,
    )
    leave_days = forms.DecimalField(
        label=_label(MonthlyLog, "leave_days"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(31),
        max_digits=4,
        decimal_places=1,
    )
    leave_note = forms.CharField(label=_label(MonthlyLog, "leave_note"), required=False, max_length=200)
    study_training = forms.CharField(label=_label(MonthlyLog, "study_training"), required=False, widget=_text_area(3))
    integrity = forms.CharField(label=_label(MonthlyLog, "integrity"), required=False, widget=_text_area(2))
    next_month_plan = forms.CharField(label=_label(MonthlyLog, "next_month_plan"), required=False, widget=_text_area(3))

    def clean(self):
        cleaned = super().clean()
        leave, note = cleaned.get("leave_days"), (cleaned.get("leave_note") or "").strip()
        if leave and not note:
            self.add_error("leave_note", _("请说明请假事由。"))
        return cleaned

    def log_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in LOG_FIELDS}


class LogTaskForm(forms.Form):
    task = forms.CharField(label=_("工作任务"), required=False, max_length=300)
    result = forms.CharField(label=_("完成情况"), required=False, max_length=300)
    completed_on = forms.DateField(
        label=_("完成时间"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"class": "form-control form-control-sm", "aria-label": field.label})

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("task") or "").strip() and (cleaned.get("result") or cleaned.get("completed_on")):
            self.add_error("task", _("请填写工作任务，或删除这一行。"))
        return cleaned


LogTaskFormSet = forms.formset_factory(LogTaskForm, extra=0, max_num=MAX_TASK_ROWS, validate_max=True)


def task_formset(data=None, *, log: MonthlyLog | None = None) -> forms.BaseFormSet:
    """The task rows: the stored ones, or one empty row to start with."""
    initial = [
        {"task": t.task, "result": t.result, "completed_on": t.completed_on} for t in (log.tasks.all() if log else [])
    ] or [{}]
    return LogTaskFormSet(data, initial=initial, prefix="tasks")


def task_entries(formset: forms.BaseFormSet) -> list[TaskEntry]:
    return [
        TaskEntry(f.cleaned_data["task"].strip(), f.cleaned_data["result"].strip(), f.cleaned_data["completed_on"])
        for f in formset.forms
        if (f.cleaned_data.get("task") or "").strip()
    ]


def log_initial(log: MonthlyLog | None) -> dict:
    if log is None:
        return {}
    return {"version": log.version, **{name: getattr(log, name) for name in LOG_FIELDS}}


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("月评"), max_length=2000, widget=_text_area(3))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回原因"), max_length=300, widget=_text_area(2))


class SummaryForm(VersionedForm):
    duties = forms.CharField(label=_label(QuarterlySummary, "duties"), widget=_text_area(6))
    tasks_completed = forms.CharField(label=_label(QuarterlySummary, "tasks_completed"), widget=_text_area(8))
    attendance = forms.CharField(label=_label(QuarterlySummary, "attendance"), required=False, widget=_text_area(3))
    unfinished_explanation = forms.CharField(
        label=_label(QuarterlySummary, "unfinished_explanation"),
        required=False,
        widget=_text_area(3),
        help_text=_("本季度未完成的工作及原因；全部完成的可填写“无”。"),
    )

    def summary_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SUMMARY_FIELDS}


def summary_initial(summary: QuarterlySummary | None, prefill: dict[str, str]) -> dict:
    if summary is None:
        return dict(prefill)
    return {"version": summary.version, **{name: getattr(summary, name) for name in SUMMARY_FIELDS}}


class MonthFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=_("月份"), coerce=int, choices=[(m, format_lazy(_("{m}月"), m=m)) for m in range(1, 13)]
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *INBOX_STATUSES])


class QuarterFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, format_lazy(_("第{q}季度"), q=q)) for q in range(1, 5)]
    )


# ---- Both versions side by side, after a conflict ---------------------------------------------------------------


@dataclass(frozen=True)
class ComparedField:
    label: str
    stored: str
    typed: str

    @property
    def differs(self) -> bool:
        return self.stored != self.typed


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _tasks_text(tasks) -> str:
    return "\n".join(
        f"{i}. {t.task}"
        + (f"：{t.result}" if t.result else "")
        + (f"（{_text(t.completed_on)}）" if t.completed_on else "")
        for i, t in enumerate(tasks, start=1)
    )


def log_comparison(stored: MonthlyLog, form: MonthlyLogForm, tasks: list[TaskEntry]) -> list[ComparedField]:
    """What is stored now against what the user typed, field by field (the typed form must be valid)."""
    rows = [ComparedField(str(_("工作任务")), _tasks_text(stored.tasks.all()), _tasks_text(tasks))]
    rows += [
        ComparedField(str(form.fields[name].label), _text(getattr(stored, name)), _text(form.cleaned_data[name]))
        for name in LOG_FIELDS
    ]
    return rows


def summary_comparison(stored: QuarterlySummary, form: SummaryForm) -> list[ComparedField]:
    return [
        ComparedField(str(form.fields[name].label), _text(getattr(stored, name)), _text(form.cleaned_data[name]))
        for name in SUMMARY_FIELDS
    ]
