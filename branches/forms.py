from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Person

from .models import Meeting, MeetingAttendance, MeetingKind, PartyOrganization
from .services import AttendanceEntry


class MeetingFilterForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("组织"), queryset=PartyOrganization.objects.none(), required=False, empty_label=_("全部")
    )
    kind = forms.ChoiceField(label=_("会议类型"), required=False, choices=[("", _("全部")), *MeetingKind.choices])
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    late_only = forms.BooleanField(label=_("只看补录"), required=False)
    q = forms.CharField(label=_("主题"), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = PartyOrganization.objects.visible_to(user)


class OrganizationChoiceForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("召开会议的组织"), queryset=PartyOrganization.objects.none())

    def __init__(self, *args, organizations, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class MeetingForm(forms.ModelForm):
    """The meeting's fields plus one status and reason per expected participant."""

    class Meta:
        model = Meeting
        fields = ["kind", "held_on", "place", "topic", "host", "recorder", "minutes", "resolutions"]
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "minutes": forms.Textarea(attrs={"rows": 6}),
            "resolutions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organization: PartyOrganization, participants: list[Person], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.participants = participants
        kinds = (
            [(MeetingKind.GROUP_MEETING.value, MeetingKind.GROUP_MEETING.label)]
            if organization.is_group
            else [c for c in MeetingKind.choices if c[0] != MeetingKind.GROUP_MEETING]
        )
        self.fields["kind"].choices = kinds
        people = Person.objects.filter(pk__in=[p.pk for p in participants])
        for name in ("host", "recorder"):
            self.fields[name].queryset = people
            self.fields[name].empty_label = _("请选择")
        if not self.instance.pk:
            self.initial.setdefault("held_on", timezone.localdate())
        existing = {}
        if self.instance.pk:
            existing = {a.person_id: a for a in self.instance.attendances.all()}
        for person in participants:
            current = existing.get(person.pk)
            self.fields[f"status_{person.pk}"] = forms.ChoiceField(
                label=person.name,
                choices=MeetingAttendance.Status.choices,
                initial=current.status if current else MeetingAttendance.Status.PRESENT,
            )
            self.fields[f"reason_{person.pk}"] = forms.CharField(
                label=_("缺席原因"),
                required=False,
                max_length=200,
                initial=current.absence_reason if current else "",
            )

    def attendance_rows(self):
        for person in self.participants:
            yield person, self[f"status_{person.pk}"], self[f"reason_{person.pk}"]

    def clean(self):
        cleaned = super().clean()
        for person in self.participants:
            status = cleaned.get(f"status_{person.pk}")
            reason = (cleaned.get(f"reason_{person.pk}") or "").strip()
            if status == MeetingAttendance.Status.ABSENT and not reason:
                self.add_error(f"reason_{person.pk}", _("请填写 %(name)s 的缺席原因。") % {"name": person.name})
        return cleaned

    def attendances(self) -> list[AttendanceEntry]:
        return [
            AttendanceEntry(
                person=person,
                status=self.cleaned_data[f"status_{person.pk}"],
                absence_reason=self.cleaned_data.get(f"reason_{person.pk}") or "",
            )
            for person in self.participants
        ]

    def meeting_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"))


class ComplianceFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    organization = forms.ModelChoiceField(
        label=_("组织"), queryset=PartyOrganization.objects.none(), required=False, empty_label=_("全部")
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = PartyOrganization.objects.visible_to(user).exclude(
            kind=PartyOrganization.Kind.GROUP
        )
