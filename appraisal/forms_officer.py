"""Forms of the organisation officer's pages: cycles, groups, recusal overrides, delegations, the dashboard."""

import datetime
from itertools import groupby

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import ModelMultipleChoiceField
from core.models import User

from .dashboard import default_period
from .models import Appraisee, Cycle
from .setup import leader_choices, leader_coverage, people_choices


def user_label(user: User) -> str:
    person = getattr(user, "person", None)
    return person.name if person is not None else (user.get_full_name() or user.get_username())


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return user_label(obj)


class CycleForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(
        label=_("考核方式"),
        choices=Cycle.Kind.choices,
        initial=Cycle.Kind.QUARTERLY_GRADED,
        help_text=_("按季度评定等次为默认方式；按半年量化计分在年中和年底打分并排名。"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        year = timezone.localdate().year
        self.fields["year"].initial = year
        self.fields["name"].initial = _("%(year)d年度平时考核") % {"year": year}


class PeoplePicker(ModelMultipleChoiceField):
    """Checkboxes of the people in the officer's units, shown department by department."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, user: User, cycle: Cycle, **kwargs) -> None:
        super().__init__(queryset=people_choices(user), label=_("被考核人"), **kwargs)
        # Who is already in a group of this cycle: shown, but cannot be picked again.
        self.taken = dict(
            Appraisee.objects.filter(cycle=cycle, person__in=self.queryset).values_list("person_id", "group__name")
        )
        self.queryset = self.queryset.exclude(pk__in=self.taken)


def people_by_unit(field: forms.BoundField, user: User) -> list[tuple[str, list[dict]]]:
    """(unit name, [{person, checked, taken}]) for the picker template, every person of the officer's units."""
    picker: PeoplePicker = field.field
    checked = {str(v) for v in (field.value() or [])}
    rows = [
        {"person": p, "checked": str(p.pk) in checked, "taken": picker.taken.get(p.pk, "")}
        for p in people_choices(user)
    ]
    return [(unit_name, list(items)) for unit_name, items in groupby(rows, key=lambda r: r["person"].unit.name)]


class GroupForm(forms.Form):
    name = forms.CharField(label=_("考核组名称"), max_length=100)
    leader = UserChoiceField(
        label=_("评鉴领导"),
        queryset=User.objects.none(),
        empty_label=_("请选择"),
        help_text=_("分管被考核人所在部门的分管领导或主要领导。"),
    )

    def __init__(self, *args, user: User, cycle: Cycle, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices(user)
        self.fields["people"] = PeoplePicker(user=user, cycle=cycle)


class MembersAddForm(forms.Form):
    def __init__(self, *args, user: User, cycle: Cycle, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"] = PeoplePicker(user=user, cycle=cycle)


class RatingLeaderForm(forms.Form):
    leader = UserChoiceField(
        label=_("代为评鉴的领导"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("由考核组评鉴领导评鉴"),
    )

    def __init__(self, *args, appraisee: Appraisee, leaders: QuerySet[User], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders
        self.fields["leader"].initial = appraisee.rating_leader_id


class DelegationForm(forms.Form):
    leader = UserChoiceField(label=_("评鉴领导"), queryset=User.objects.none(), empty_label=_("请选择"))
    acting = UserChoiceField(label=_("代签人"), queryset=User.objects.none(), empty_label=_("请选择"))
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("事由"), max_length=200, help_text=_("如：出差、休假、学习培训。"))

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leader_choices(user)
        self.fields["acting"].queryset = (
            User.objects.filter(pk__in=list(leader_coverage())).select_related("person").order_by("person__name")
        )


MONTH_CHOICES = [(m, _("%(m)d月") % {"m": m}) for m in range(1, 13)]
QUARTER_CHOICES = [(q, _("第%(q)d季度") % {"q": q}) for q in range(1, 5)]


class DashboardFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label=_("月份"), choices=MONTH_CHOICES, coerce=int)
    quarter = forms.TypedChoiceField(label=_("季度"), choices=QUARTER_CHOICES, coerce=int)

    def period(self, today: datetime.date) -> tuple[int, int, int]:
        """(year, month, quarter) asked for, or the current month and quarter."""
        if not self.is_bound or not self.is_valid():
            return default_period(today)
        data = self.cleaned_data
        return data["year"], data["month"], data["quarter"]
