from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import PartyOrganization, Unit

from .models import Education, Gender, MembershipStage, ServiceStatus


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或拼音首字母"), required=False)
    unit = forms.ModelChoiceField(label=_("部门"), queryset=Unit.objects.none(), required=False, empty_label=_("全部"))
    branch = forms.ModelChoiceField(
        label=_("党组织"), queryset=PartyOrganization.objects.none(), required=False, empty_label=_("全部")
    )
    stage = forms.ChoiceField(
        label=_("政治面貌"),
        required=False,
        choices=[("", _("全部")), *MembershipStage.choices, ("none", _("群众"))],
    )
    gender = forms.ChoiceField(label=_("性别"), required=False, choices=[("", _("全部")), *Gender.choices])
    education = forms.ChoiceField(label=_("学历"), required=False, choices=[("", _("全部")), *Education.choices])
    service_status = forms.ChoiceField(
        label=_("在职状态"), required=False, choices=[("", _("全部")), *ServiceStatus.choices]
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user)
        self.fields["branch"].queryset = PartyOrganization.objects.visible_to(user)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "unit_id": data["unit"].pk if data["unit"] else None,
            "branch_id": data["branch"].pk if data["branch"] else None,
            "stage": data["stage"],
            "gender": data["gender"],
            "education": data["education"],
            "service_status": data["service_status"],
        }


class StatisticsForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("党组织"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        empty_label=_("我负责的全部组织"),
    )
    on_date = forms.DateField(label=_("统计日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = PartyOrganization.objects.visible_to(user).exclude(
            kind=PartyOrganization.Kind.GROUP
        )
