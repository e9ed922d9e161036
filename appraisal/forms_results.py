"""Forms of the feedback, publication, admonishment, year, commendation and archive pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Unit
from core.models import User
from members.models import Person

from .feedback import archive_people, period_label, publication_units
from .models import AppraisalGroup, Commendation, Cycle
from .year import cycles_visible_to, groups_visible_to

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def cycle_label(cycle: Cycle) -> str:
    return cycle.name if str(cycle.year) in cycle.name else f"{cycle.year} {cycle.name}"


def _cycle_of(form: forms.Form) -> Cycle | None:
    """The cycle the bound data names, to label its periods before validation."""
    value = form.data.get("cycle") if form.is_bound else None
    cycles = form.fields["cycle"].queryset
    try:
        return cycles.filter(pk=int(value)).first() if value else cycles.first()
    except (TypeError, ValueError):
        return cycles.first()


class PublicationFilterForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("考核周期"), queryset=Cycle.objects.none(), empty_label=None)
    period = forms.TypedChoiceField(label=_("考核期"), coerce=int, choices=[])
    unit = forms.ModelChoiceField(label=_("部门"), queryset=Unit.objects.none(), empty_label=None)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = Cycle.objects.order_by("-year", "name")
        self.fields["cycle"].label_from_instance = cycle_label
        self.fields["unit"].queryset = publication_units(user=user).order_by("sort_order", "id")
        cycle = _cycle_of(self)
        kind = cycle.kind if cycle else Cycle.Kind.QUARTERLY_GRADED
        periods = cycle.periods if cycle else [1, 2, 3, 4]
        self.fields["period"].choices = [(p, period_label(kind, p)) for p in periods]


class YearFilterForm(forms.Form):
    cycle = forms.ModelChoiceField(label=_("考核周期"), queryset=Cycle.objects.none(), empty_label=None)
    group = forms.ModelChoiceField(
        label=_("考核组"), queryset=AppraisalGroup.objects.none(), required=False, empty_label=_("全部考核组")
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cycle"].queryset = cycles_visible_to(user=user)
        self.fields["cycle"].label_from_instance = cycle_label
        cycle = _cycle_of(self)
        self.fields["group"].queryset = (
            groups_visible_to(user=user, cycle=cycle) if cycle else AppraisalGroup.objects.none()
        )


class AdmonishmentRecordForm(forms.Form):
    talk_on = forms.DateField(label=_("谈话日期"), widget=DATE_WIDGET)
    notes = forms.CharField(
        label=_("谈话记录"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("谈话的主要内容、本人的表态和改进措施。"),
    )


class CommendationForm(forms.ModelForm):
    class Meta:
        model = Commendation
        fields = ["person", "kind", "level", "title", "work_item", "awarded_on", "document_number"]
        widgets = {"awarded_on": DATE_WIDGET}

    def __init__(self, *args, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people.select_related("unit").order_by("unit__sort_order", "name")
        self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.unit.name}）"
        self.fields["person"].empty_label = _("请选择")
        self.fields["kind"].choices = [("", _("请选择")), *Commendation.Kind.choices]
        self.fields["level"].choices = [("", _("请选择")), *Commendation.Level.choices]


class CommendationFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("人员"), queryset=Person.objects.none(), required=False, empty_label=_("全部人员")
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = archive_people(user=user).order_by("name")
