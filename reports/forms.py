from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from branches.models import PartyOrganization, Unit
from core.models import User
from members.models import Person
from members.scopes import scope_for

from .models import ReportJob
from .periods import QUARTER_NAMES, ReportPeriod
from .registry import (
    PARTY_READERS,
    SCOPE_ORGANIZATION,
    SCOPE_PERSON,
    SCOPE_UNIT,
    UNIT_READERS,
    ReportError,
    ReportKind,
    ReportTarget,
    kinds,
    organizations_for_roles,
    units_for_roles,
)


def kinds_for(user: User) -> list[ReportKind]:
    """The kinds the user may request for something: their own record, or a unit or organisation they cover."""
    scope = scope_for(user)
    available = []
    for kind in kinds():
        if (
            (kind.own_person and scope.person_id)
            or (SCOPE_PERSON in kind.scopes and units_for_roles(user, kind.roles))
            or (SCOPE_UNIT in kind.scopes and units_for_roles(user, kind.roles))
            or (SCOPE_ORGANIZATION in kind.scopes and organizations_for_roles(user, kind.roles))
        ):
            available.append(kind)
    return available


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("报表"))
    fmt = forms.ChoiceField(label=gettext_lazy("格式"), choices=ReportJob.Format.choices)
    person = forms.ModelChoiceField(
        label=gettext_lazy("人员"), queryset=Person.objects.none(), required=False,
        help_text=gettext_lazy("按人员生成时选择；选了人员就不按部门生成"),
    )  # fmt: skip
    unit = forms.ModelChoiceField(label=gettext_lazy("部门（含下级）"), queryset=Unit.objects.none(), required=False)
    organization = forms.ModelChoiceField(
        label=gettext_lazy("党组织（含下级）"), queryset=PartyOrganization.objects.none(), required=False
    )
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"),
        choices=[("", "—"), *((q, f"第{QUARTER_NAMES[q - 1]}季度") for q in range(1, 5))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    month = forms.TypedChoiceField(
        label=gettext_lazy("月份"),
        choices=[("", "—"), *((m, f"{m}月") for m in range(1, 13))],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        self.user = user
        self.available = {kind.key: kind for kind in kinds_for(user)}
        self.fields["kind"].choices = [(key, kind.label) for key, kind in self.available.items()]
        scope = scope_for(user)
        unit_ids = units_for_roles(user, UNIT_READERS)
        self.fields["unit"].queryset = Unit.objects.filter(pk__in=unit_ids).order_by("sort_order", "id")
        self.fields["organization"].queryset = PartyOrganization.objects.filter(
            pk__in=organizations_for_roles(user, PARTY_READERS)
        ).order_by("sort_order", "id")
        self.fields["person"].queryset = (
            Person.objects.filter(Q(pk=scope.person_id) | Q(unit_id__in=unit_ids))
            .select_related("unit")
            .order_by("unit__sort_order", "unit_id", "name")
        )
        self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.unit.name}）"

    def clean(self) -> dict:
        data = super().clean()
        kind = self.available.get(data.get("kind", ""))
        if kind is None or self.errors:
            return data
        person, unit, organization = data.get("person"), data.get("unit"), data.get("organization")
        if kind.build is not None:  # the pack: a unit, an organisation or both
            target = ReportTarget(unit=unit, organization=organization)
        elif SCOPE_PERSON in kind.scopes and person is not None:
            target = ReportTarget(person=person)
        elif SCOPE_UNIT in kind.scopes and unit is not None:
            target = ReportTarget(unit=unit)
        elif SCOPE_ORGANIZATION in kind.scopes and organization is not None:
            target = ReportTarget(organization=organization)
        else:
            target = ReportTarget()
        if not target.scope_types:
            names = {SCOPE_PERSON: _("人员"), SCOPE_UNIT: _("部门"), SCOPE_ORGANIZATION: _("党组织")}
            what = _("或").join(names[s] for s in kind.scopes)
            raise forms.ValidationError(_("%(kind)s须选择%(what)s。") % {"kind": kind.label, "what": what})
        # Only what the kind's period names: a quarter picked earlier for another kind does not stop a yearly one.
        data["month"] = data.get("month") if kind.period == "month" else None
        data["quarter"] = data.get("quarter") if kind.period in ("quarter", "year_or_quarter") else None
        period = ReportPeriod(data["year"], quarter=data.get("quarter"), month=data.get("month"))
        try:
            kind.check_period(period)
        except ReportError as exc:
            raise forms.ValidationError(str(exc)) from None
        if data["fmt"] not in kind.formats:
            allowed = "、".join(str(dict(ReportJob.Format.choices)[f]) for f in kind.formats)
            self.add_error("fmt", _("%(kind)s可选的格式：%(allowed)s。") % {"kind": kind.label, "allowed": allowed})
            return data
        if not kind.may_request(self.user, target):
            raise forms.ValidationError(
                _("您无权为%(target)s生成%(kind)s。") % {"target": target.label, "kind": kind.label}
            )
        data["kind_obj"], data["target"], data["period"] = kind, target, period
        return data
