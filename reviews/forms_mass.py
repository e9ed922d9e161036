"""Forms of the 群众评议 pages (DOMAIN.md §7). They collect input only; the rules are in reviews.mass."""

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import PartyOrganization
from core.fields import ModelMultipleChoiceField
from core.models import User
from members.models import Person

from .models import MassActivity, MassEvaluationRound, MassRoundKind, Rectification
from .permissions import may_organise

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QUARTERS = [(1, _("第一季度")), (2, _("第二季度")), (3, _("第三季度")), (4, _("第四季度"))]
HALVES = [(1, _("上半年")), (2, _("下半年"))]
# A re-evaluation round is started from the rectifications it re-evaluates, not from this form.
CREATE_KINDS = [(k.value, k.label) for k in MassRoundKind if k != MassRoundKind.REEVALUATION]


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE_WIDGET, **kwargs)


def organisable(user: User) -> QuerySet[PartyOrganization]:
    """The party organisations above group level whose rounds the user may run (secretary or officer)."""
    ids = [
        pk
        for pk in PartyOrganization.objects.visible_to(user).values_list("pk", flat=True)
        if may_organise(user, organization_id=pk)
    ]
    return (
        PartyOrganization.objects.filter(pk__in=ids)
        .exclude(kind=PartyOrganization.Kind.GROUP)
        .order_by("sort_order", "name")
    )


def round_organizations(mass_round: MassEvaluationRound) -> QuerySet[PartyOrganization]:
    """The round's organisation and those under it, party groups left out (their work counts for their branch)."""
    return (
        PartyOrganization.objects.filter(pk__in=PartyOrganization.objects.subtree_ids([mass_round.organization_id]))
        .exclude(kind=PartyOrganization.Kind.GROUP)
        .order_by("sort_order", "name")
    )


class RoundFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("评议类别"), required=False, choices=[("", _("全部")), *MassRoundKind.choices])


class RoundCreateForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("党组织"),
        queryset=PartyOrganization.objects.none(),
        help_text=_("评议本组织及其下属的全部党支部和党员。"),
    )
    kind = forms.ChoiceField(label=_("评议类别"), choices=CREATE_KINDS)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), choices=[("", "—"), *QUARTERS], coerce=int, required=False, help_text=_("季度评议时选择。")
    )
    half = forms.TypedChoiceField(
        label=_("半年"), choices=[("", "—"), *HALVES], coerce=int, required=False, help_text=_("半年小结时选择。")
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year})
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organisable(user)

    def period(self) -> int:
        """The quarter or the half the kind asks for; the service explains a missing one."""
        kind = self.cleaned_data["kind"]
        if kind == MassRoundKind.QUARTER:
            return self.cleaned_data.get("quarter") or 0
        if kind == MassRoundKind.HALF_YEAR:
            return self.cleaned_data.get("half") or 0
        return 0


class ActivityForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("党组织"), queryset=PartyOrganization.objects.none())
    kind = forms.ChoiceField(label=_("方式"), choices=MassActivity.Kind.choices)
    held_on = _date_field(_("日期"))
    count = forms.IntegerField(
        label=_("数量"), min_value=1, help_text=_("会议记场数；其他方式记次数、人数、张数或人次。")
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args, mass_round: MassEvaluationRound, **kwargs) -> None:
        kwargs.setdefault("initial", {"organization": mass_round.organization_id, "held_on": timezone.localdate()})
        super().__init__(*args, prefix="activity", **kwargs)
        self.fields["organization"].queryset = round_organizations(mass_round)


class MemberChoices(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.name


class SelfIntroductionsForm(forms.Form):
    people = MemberChoices(
        label=_("作了自我介绍的党员"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, members: QuerySet[Person], **kwargs) -> None:
        super().__init__(*args, prefix="intro", **kwargs)
        self.fields["people"].queryset = members


class PublicServiceForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("党组织"), queryset=PartyOrganization.objects.none())
    title = forms.CharField(label=_("事项"), max_length=200)
    done_on = _date_field(_("完成日期"))
    description = forms.CharField(label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, mass_round: MassEvaluationRound, **kwargs) -> None:
        kwargs.setdefault("initial", {"organization": mass_round.organization_id, "done_on": timezone.localdate()})
        super().__init__(*args, prefix="service", **kwargs)
        self.fields["organization"].queryset = round_organizations(mass_round)


class RectificationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *Rectification.Status.choices]
    )


class RectificationPlanForm(forms.Form):
    deadline = _date_field(_("整改期限"))
    measures = forms.CharField(label=_("整改措施"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = forms.CharField(
        label=_("整改佐证"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("整改落实的材料：走访记录、会议纪要、群众反馈等。"),
    )


class TalkForm(forms.Form):
    talked_on = _date_field(_("谈话日期"))
    talked_by = forms.CharField(label=_("谈话人"), max_length=100)
    content = forms.CharField(label=_("谈话内容"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {"talked_on": timezone.localdate()})
        super().__init__(*args, prefix="talk", **kwargs)
