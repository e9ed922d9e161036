"""Forms of the democratic evaluation pages (民主评议党员, DOMAIN.md §7). The rules are checked again by
reviews.democratic; these forms offer only what the user may choose."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import PartyOrganization
from core.models import User

from .democratic import FIRST_YEAR, REASON_MAX_CHARS, SELF_EVALUATION_MAX_CHARS
from .models import MemberGrade


def _year_field() -> forms.IntegerField:
    this_year = timezone.localdate().year
    return forms.IntegerField(
        label=_("年度"),
        min_value=FIRST_YEAR,
        max_value=this_year,
        initial=this_year,
        error_messages={
            "max_value": _("不能为今后的年度开展民主评议。"),
            "min_value": _("年度不正确。"),
            "invalid": _("请填写四位数的年度。"),
        },
    )


class EvaluationCreateForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("党支部"), queryset=PartyOrganization.objects.none(), empty_label=_("请选择党支部")
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = (
            PartyOrganization.objects.visible_to(user).branches().order_by("sort_order", "id")
        )
        # Made per form: its upper bound is the current year.
        self.fields["year"] = _year_field()


class DecideForm(forms.Form):
    result = forms.ChoiceField(label=_("评议结果"), choices=[("", _("请选择")), *MemberGrade.choices])
    reason = forms.CharField(
        label=_("评定理由"),
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写评定理由。")},
    )


class SelfEvaluationForm(forms.Form):
    text = forms.CharField(
        label=_("自我评价"),
        max_length=SELF_EVALUATION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("对照党员标准，从政治思想、学习、工作、作风、发挥先锋模范作用等方面总结本年度的表现和不足。"),
        error_messages={"required": _("请填写自我评价。")},
    )


class StatisticsForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("党组织"),
        queryset=PartyOrganization.objects.none(),
        help_text=_("选择党支部看本支部，选择上级党组织看其下全部党支部。"),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = (
            PartyOrganization.objects.visible_to(user)
            .exclude(kind=PartyOrganization.Kind.GROUP)
            .order_by("sort_order", "id")
        )
        self.fields["year"] = _year_field()
