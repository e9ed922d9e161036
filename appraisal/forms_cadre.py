"""Forms of the mid-level cadre appraisal pages (DOMAIN.md §6). They only parse what was typed; the rules (who may
score, ranges, what filing needs) are appraisal.cadre_services', whose messages the pages show."""

from collections.abc import Sequence
from itertools import groupby

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Unit
from core.fields import ModelMultipleChoiceField
from members.models import Person, ServiceStatus

from .cadre_selectors import EntryRow


def people_in_units(unit_ids: Sequence[int] | frozenset[int]) -> QuerySet[Person]:
    """The staff in service of the officer's units: who can be a cadre or a scorer."""
    return (
        Person.objects.filter(unit_id__in=unit_ids, service_status=ServiceStatus.IN_SERVICE)
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id", "name", "pk")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.unit.name}{'·' + obj.position if obj.position else ''}）"


class PeoplePicker(ModelMultipleChoiceField):
    """Checkboxes of people, shown department by department (templates/appraisal/cadre_people_picker.html)."""

    widget = forms.CheckboxSelectMultiple


def people_by_unit(field: forms.BoundField, exclude: Sequence[int] = ()) -> list[tuple[str, list[dict]]]:
    """(unit name, [{person, checked}]) for the picker template."""
    checked = {str(v) for v in (field.value() or [])}
    rows = [{"person": p, "checked": str(p.pk) in checked} for p in field.field.queryset if p.pk not in exclude]
    return [(unit_name, list(items)) for unit_name, items in groupby(rows, key=lambda r: r["person"].unit.name)]


class ExerciseForm(forms.Form):
    """The exercise's name and scorers; on creation also its year, unit and cadres."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Unit.objects.none(),
        empty_label=_("请选择"),
        help_text=_("其中层干部接受考核的机关或单位（含其内设机构）。"),
    )
    title = forms.CharField(label=_("名称"), max_length=200)
    principal_leader = PersonChoiceField(
        label=_("主要领导"),
        queryset=Person.objects.none(),
        empty_label=_("请选择"),
        help_text=_("录入主要领导评分（占 30%），须有登录账号。"),
    )

    def __init__(self, *args, unit_ids: frozenset[int], creating: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        people = people_in_units(unit_ids)
        self.fields["principal_leader"].queryset = people.filter(user__isnull=False)
        self.fields["team_members"] = PeoplePicker(
            queryset=people.filter(user__isnull=False),
            label=_("班子成员"),
            help_text=_("每人录入自己的评分，取平均值（占 10%）；须有登录账号。"),
        )
        if creating:
            self.fields["unit"].queryset = Unit.objects.filter(pk__in=unit_ids).order_by("sort_order", "id")
            self.fields["cadres"] = PeoplePicker(queryset=people, label=_("被考核干部"), required=False)
            year = timezone.localdate().year
            self.fields["year"].initial = year
            self.fields["title"].initial = _("%(year)d年度中层干部考核") % {"year": year}
        else:
            del self.fields["year"]
            del self.fields["unit"]


class CadresAddForm(forms.Form):
    def __init__(self, *args, unit_ids: frozenset[int], exclude: Sequence[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cadres"] = PeoplePicker(
            queryset=people_in_units(unit_ids).exclude(pk__in=exclude), label=_("添加被考核干部")
        )


class ScoresForm(forms.Form):
    """One optional 0–100 score per cadre, named score_<appraisee id>; an empty box clears a stored score."""

    def __init__(self, *args, rows: list[EntryRow], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[self.field_name(row)] = forms.DecimalField(
                label=row.person.name,
                required=False,
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=row.current,
                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100", "inputmode": "decimal"}),
            )

    @staticmethod
    def field_name(row: EntryRow) -> str:
        return f"score_{row.appraisee.pk}"

    def scores(self) -> dict:
        return {row.appraisee.pk: self.cleaned_data[self.field_name(row)] for row in self.rows}

    def error_messages(self) -> list[str]:
        """Every problem, each naming its cadre, for the one alert at the top of the table."""
        messages = []
        for row in self.rows:
            for error in self.errors.get(self.field_name(row), []):
                messages.append(f"{row.person.name}：{error}")
        return messages

    def bound_rows(self) -> list[tuple[EntryRow, forms.BoundField]]:
        return [(row, self[self.field_name(row)]) for row in self.rows]


class FileForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我已核对排名，确认报组织部门备案；备案后不能再修改"),
        error_messages={"required": _("请勾选确认。")},
    )
    password = forms.CharField(
        label=_("登录密码"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("备案须重新输入您的登录密码。"),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("评分文件（.xlsx）"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False)
