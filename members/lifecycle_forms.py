"""Forms for development, thought reports, standing, transfers, dues and the ledgers (DOMAIN.md §3).

Forms check the shape of the input; the rules are in the services, whose ValidationErrors come back onto the
form so that the user keeps what they typed.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import PartyOrganization, Unit
from core.fields import ModelMultipleChoiceField

from .dues import yuan_to_fen
from .models import (
    PARTY_MEMBER_STAGES,
    DevelopmentStepKind,
    DuesCategoryChoice,
    Education,
    Gender,
    HardshipCategory,
    HardshipHelpKind,
    Membership,
    MembershipStage,
    Person,
    StandingChangeKind,
)
from .periods import fen_to_yuan, quarter_of

DATE_WIDGET = {"type": "date"}


def date_field(label: str, *, required: bool = True, initial=None) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        initial=initial,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
    )


class MonthField(forms.DateField):
    """A month (<input type="month">, 2026-05) as the date of its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class YuanField(forms.CharField):
    """An amount in yuan, typed as 3000.01, cleaned to integer fen."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "placeholder": "0.00"})

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        try:
            return yuan_to_fen(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class DistinctIds:
    """Forms that share a page get element ids of their own (step_taken_on, standing_effective_on …), so that
    every label points at its own field."""

    id_prefix = ""

    def __init__(self, *args, **kwargs) -> None:
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def branch_choices(user) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("党支部"),
        queryset=PartyOrganization.objects.visible_to(user).exclude(kind=PartyOrganization.Kind.GROUP),
        required=False,
        empty_label=_("全部"),
    )


class ScopedFilterForm(forms.Form):
    """A list filter whose organisation choices are the user's."""

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"branch": branch_choices(user), **self.fields}

    def value(self, name: str, default=None):
        if self.is_valid():
            value = self.cleaned_data.get(name)
            return default if value in (None, "") else value
        return default

    @property
    def branch_id(self) -> int | None:
        branch = self.value("branch")
        return branch.pk if branch else None


# ---- development ----------------------------------------------------------------------------------------

PIPELINE_STAGES = [
    (MembershipStage.APPLICANT.value, MembershipStage.APPLICANT.label),
    (MembershipStage.ACTIVIST.value, MembershipStage.ACTIVIST.label),
    (MembershipStage.DEVELOPMENT_TARGET.value, MembershipStage.DEVELOPMENT_TARGET.label),
    (MembershipStage.PROBATIONARY.value, MembershipStage.PROBATIONARY.label),
]


class PipelineFilterForm(ScopedFilterForm):
    VIEWS = [("due", _("到期待办")), ("blocked", _("未满时限")), ("all", _("全部"))]
    view = forms.ChoiceField(label=_("列表"), choices=VIEWS, required=False)
    stage = forms.ChoiceField(label=_("当前阶段"), choices=[("", _("全部")), *PIPELINE_STAGES], required=False)


class ProbationFilterForm(ScopedFilterForm):
    window = forms.ChoiceField(
        label=_("范围"),
        choices=[("", _("全部预备党员")), ("due", _("30天内到期")), ("overdue", _("逾期未转正"))],
        required=False,
    )


def responsible_queryset(membership: Membership):
    """Full members of the organ who have not left: contacts and introducers come from the member's branch
    normally, but may come from another."""
    return (
        Person.objects.filter(membership__stage=MembershipStage.FULL, membership__left_on__isnull=True)
        .exclude(pk=membership.person_id)
        .select_related("membership__branch")
        .order_by("membership__branch__sort_order", "name")
    )


RESPONSIBLE_LABELS = {
    DevelopmentStepKind.ACTIVIST: _("培养联系人"),
    DevelopmentStepKind.TARGET: _("培养联系人"),
    DevelopmentStepKind.ADMIT: _("入党介绍人（两名正式党员）"),
}
OPINION_LABELS = {
    DevelopmentStepKind.ACTIVIST: _("支委会研究意见"),
    DevelopmentStepKind.TARGET: _("支委会研究意见（含听取党小组、培养联系人、党员和群众意见）"),
    DevelopmentStepKind.ADMIT: _("支部大会讨论意见（含表决情况）"),
    DevelopmentStepKind.CONVERT: _("支部大会讨论意见（含表决情况）"),
}
HIGHER_LABELS = {
    DevelopmentStepKind.ACTIVIST: _("上级党委备案情况"),
    DevelopmentStepKind.TARGET: _("上级党委备案情况"),
    DevelopmentStepKind.ADMIT: _("上级党委审批意见"),
    DevelopmentStepKind.CONVERT: _("上级党委审批意见"),
}


class PersonChoiceField(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.membership.branch.name}）"


class DevelopmentStepForm(DistinctIds, forms.Form):
    id_prefix = "step"

    taken_on = date_field(_("日期"))
    responsible = PersonChoiceField(
        label=_("培养联系人"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    opinion = forms.CharField(label=_("党支部意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    higher_opinion = forms.CharField(
        label=_("上级党组织意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    document_number = forms.CharField(label=_("文号"), required=False, max_length=100)
    late_reason = forms.CharField(
        label=_("逾期说明"), required=False, max_length=300, help_text=_("超过时限规则的有效期时必填")
    )

    def __init__(self, *args, membership: Membership, step: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self.initial.setdefault("taken_on", timezone.localdate())
        if step in RESPONSIBLE_LABELS:
            self.fields["responsible"].queryset = responsible_queryset(membership)
            self.fields["responsible"].label = RESPONSIBLE_LABELS[step]
        else:
            del self.fields["responsible"]
        self.fields["opinion"].label = OPINION_LABELS.get(step, _("党支部意见"))
        self.fields["higher_opinion"].label = HIGHER_LABELS.get(step, _("上级党组织意见"))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "taken_on": data["taken_on"],
            "responsible": list(data.get("responsible") or []),
            "opinion": data["opinion"],
            "higher_opinion": data["higher_opinion"],
            "document_number": data["document_number"],
            "late_reason": data["late_reason"],
        }


class ApplicationForm(forms.Form):
    person = forms.ModelChoiceField(label=_("申请人"), queryset=Person.objects.none(), empty_label=_("请选择"))
    branch = forms.ModelChoiceField(label=_("所在党支部"), queryset=PartyOrganization.objects.none())
    taken_on = date_field(_("递交申请书日期"))
    opinion = forms.CharField(label=_("谈话情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, people, branches, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["branch"].queryset = branches
        self.initial.setdefault("taken_on", timezone.localdate())


class ExtensionForm(DistinctIds, forms.Form):
    id_prefix = "extension"

    decided_on = date_field(_("支部大会决定日期"))
    months = forms.IntegerField(label=_("延长期限（月）"), min_value=1, max_value=12, initial=6)
    reason = forms.CharField(label=_("延长原因"), widget=forms.Textarea(attrs={"rows": 2}))
    document_number = forms.CharField(label=_("上级党委批复文号"), required=False, max_length=100)


# ---- thought reports ------------------------------------------------------------------------------------


def current_quarter() -> tuple[int, int]:
    return quarter_of(timezone.localdate())


def previous_quarter() -> tuple[int, int]:
    year, quarter = current_quarter()
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


class ThoughtReportFilterForm(ScopedFilterForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, _("第%(q)s季度") % {"q": q}) for q in range(1, 5)], required=False
    )
    status = forms.ChoiceField(
        label=_("情况"),
        choices=[
            ("", _("全部")),
            ("received", _("已交")),
            ("late", _("逾期提交")),
            ("missing", _("缺交")),
            ("pending", _("本季度待交")),
        ],
        required=False,
    )


class ThoughtReportForm(DistinctIds, forms.Form):
    id_prefix = "report"

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("季度"), coerce=int, choices=[(q, _("第%(q)s季度") % {"q": q}) for q in range(1, 5)]
    )
    received_on = date_field(_("收到日期"))
    summary = forms.CharField(label=_("内容摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        year, quarter = current_quarter()
        self.initial.setdefault("year", year)
        self.initial.setdefault("quarter", quarter)
        self.initial.setdefault("received_on", timezone.localdate())


class ThoughtReportReviewForm(DistinctIds, forms.Form):
    id_prefix = "review"

    comment = forms.CharField(label=_("审阅意见"), widget=forms.Textarea(attrs={"rows": 2}))
    reviewed_on = date_field(_("审阅日期"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("reviewed_on", timezone.localdate())


# ---- standing -------------------------------------------------------------------------------------------


class StandingChangeForm(DistinctIds, forms.Form):
    id_prefix = "standing"

    kind = forms.ChoiceField(label=_("变动类型"), choices=StandingChangeKind.choices)
    effective_on = date_field(_("日期"))
    document_number = forms.CharField(
        label=_("文号"), required=False, max_length=100, help_text=_("保留、停止、恢复党籍须填写党组织决定的文号")
    )
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))


class StandingFilterForm(ScopedFilterForm):
    kind = forms.ChoiceField(
        label=_("变动类型"), choices=[("", _("全部")), *StandingChangeKind.choices], required=False
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)


# ---- transfers ------------------------------------------------------------------------------------------


class TransferFilterForm(ScopedFilterForm):
    view = forms.ChoiceField(
        label=_("状态"),
        choices=[
            ("", _("全部")),
            ("pending", _("办理中")),
            ("expiring", _("即将到期")),
            ("overdue", _("逾期未完成")),
            ("completed", _("已完成")),
            ("cancelled", _("已撤销")),
            ("transferred_out", _("已转出机关的党员")),
        ],
        required=False,
    )
    direction = forms.ChoiceField(
        label=_("方向"),
        choices=[("", _("全部")), ("out", _("转出机关")), ("in", _("转入机关")), ("internal", _("机关内转接"))],
        required=False,
    )
    q = forms.CharField(label=_("姓名"), required=False)


def default_valid_until() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


class TransferOutForm(forms.Form):
    to_branch = forms.ModelChoiceField(
        label=_("机关内接收支部"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        empty_label=_("（转出本机关，填写下方接收党组织）"),
    )
    to_name = forms.CharField(label=_("接收党组织名称"), required=False, max_length=200)
    transferred_on = date_field(_("转接日期"))
    valid_until = date_field(_("介绍信有效期至"))
    letter_number = forms.CharField(label=_("介绍信编号"), required=False, max_length=50)
    reason = forms.CharField(label=_("转接原因"), required=False, max_length=200)

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = PartyOrganization.objects.branches().exclude(pk=membership.branch_id)
        self.initial.setdefault("transferred_on", timezone.localdate())
        self.initial.setdefault("valid_until", default_valid_until())


class TransferInForm(forms.Form):
    to_branch = forms.ModelChoiceField(label=_("接收支部"), queryset=PartyOrganization.objects.none())
    from_name = forms.CharField(label=_("转出党组织"), max_length=200)
    letter_number = forms.CharField(label=_("介绍信编号"), required=False, max_length=50)
    transferred_on = date_field(_("介绍信开具日期"))
    valid_until = date_field(_("有效期至"))
    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    age = forms.IntegerField(label=_("年龄"), min_value=16, max_value=120)
    ethnicity = forms.CharField(label=_("民族"), max_length=20, initial="汉族")
    party_status = forms.ChoiceField(
        label=_("党员身份"), choices=[(s.value, s.label) for s in PARTY_MEMBER_STAGES][::-1]
    )
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=18)
    dues_paid_until = MonthField(label=_("党费缴至"), required=False)
    reason = forms.CharField(label=_("转接原因"), required=False, max_length=200)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = PartyOrganization.objects.visible_to(user).branches()
        self.initial.setdefault("transferred_on", timezone.localdate())
        self.initial.setdefault("valid_until", default_valid_until())


class TransferReceiptForm(DistinctIds, forms.Form):
    id_prefix = "receipt"

    receipt_on = date_field(_("回执日期"))
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("receipt_on", timezone.localdate())


class TransferReceiveForm(DistinctIds, forms.Form):
    id_prefix = "receive"

    arrived_on = date_field(_("报到日期"))
    unit = forms.ModelChoiceField(label=_("工作部门"), queryset=Unit.objects.all(), empty_label=_("请选择"))
    birth_date = date_field(_("出生日期"))
    education = forms.ChoiceField(label=_("学历"), choices=Education.choices)
    admitted_on = date_field(_("入党日期"))
    full_on = date_field(_("转正日期"), required=False)
    phone = forms.CharField(label=_("手机号"), required=False, max_length=20)

    def __init__(self, *args, transfer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("arrived_on", timezone.localdate())
        birth = birth_date_from_id(transfer.id_number)
        if birth:
            self.initial.setdefault("birth_date", birth)


def birth_date_from_id(id_number: str) -> datetime.date | None:
    if len(id_number or "") != 18:
        return None
    try:
        return datetime.datetime.strptime(id_number[6:14], "%Y%m%d").date()  # noqa: DTZ007 - a date only
    except ValueError:
        return None


class TransferCancelForm(DistinctIds, forms.Form):
    id_prefix = "cancel"

    cancelled_on = date_field(_("撤销日期"))
    reason = forms.CharField(label=_("撤销原因"), max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("cancelled_on", timezone.localdate())


# ---- dues -----------------------------------------------------------------------------------------------


class DuesMonthForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=PartyOrganization.objects.none(), empty_label=None)
    month = MonthField(label=_("月份"), required=False)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = PartyOrganization.objects.visible_to(user).branches()
        self.initial.setdefault("month", timezone.localdate().replace(day=1))


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.person.name


class DuesPaymentForm(forms.Form):
    membership = MemberChoiceField(label=_("党员"), queryset=Membership.objects.none(), empty_label=_("请选择"))
    month = MonthField(label=_("缴纳月份"))
    months = forms.IntegerField(label=_("连续缴纳月数"), min_value=1, max_value=12, initial=1)
    amount = YuanField(label=_("金额（元）"), required=False, help_text=_("留空按应缴金额登记"))
    paid_on = date_field(_("缴纳日期"))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, memberships, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = memberships
        self.initial.setdefault("paid_on", timezone.localdate())
        self.initial.setdefault("month", timezone.localdate().replace(day=1))


class DuesBaseForm(DistinctIds, forms.Form):
    id_prefix = "dues"

    category = forms.ChoiceField(label=_("党费类别"), choices=DuesCategoryChoice.choices)
    base = YuanField(label=_("计算基数（元，税后月收入）"), required=False)
    from_month = MonthField(label=_("自何月起"))

    def __init__(self, *args, membership: Membership, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("category", membership.dues_category)
        if membership.dues_base_fen is not None:
            self.initial.setdefault("base", fen_to_yuan(membership.dues_base_fen).replace(",", ""))
        self.initial.setdefault("from_month", timezone.localdate().replace(day=1))


class DuesYearForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=PartyOrganization.objects.none(), empty_label=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = PartyOrganization.objects.visible_to(user).branches()
        self.initial.setdefault("year", timezone.localdate().year)


# ---- ledgers --------------------------------------------------------------------------------------------


class LedgerFilterForm(ScopedFilterForm):
    q = forms.CharField(label=_("姓名"), required=False)


class ElderlyFilterForm(LedgerFilterForm):
    min_age = forms.IntegerField(label=_("年龄不低于"), min_value=50, max_value=120, required=False)


class ActivistFilterForm(LedgerFilterForm):
    stage = forms.ChoiceField(
        label=_("阶段"),
        choices=[
            ("", _("全部")),
            (MembershipStage.ACTIVIST.value, MembershipStage.ACTIVIST.label),
            (MembershipStage.DEVELOPMENT_TARGET.value, MembershipStage.DEVELOPMENT_TARGET.label),
        ],
        required=False,
    )


class NewMemberFilterForm(LedgerFilterForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)


class HardshipFilterForm(LedgerFilterForm):
    include_closed = forms.BooleanField(label=_("含已解除"), required=False)


class FloatingForm(DistinctIds, forms.Form):
    id_prefix = "floating"

    is_floating = forms.BooleanField(label=_("流动党员"), required=False)
    destination = forms.CharField(label=_("外出流向（地点、单位）"), required=False, max_length=200)
    since = date_field(_("外出日期"), required=False)


class HardshipOpenForm(DistinctIds, forms.Form):
    id_prefix = "hardship"

    category = forms.ChoiceField(label=_("困难类型"), choices=HardshipCategory.choices)
    situation = forms.CharField(label=_("困难情况"), widget=forms.Textarea(attrs={"rows": 3}))
    since = date_field(_("登记日期"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("since", timezone.localdate())


class HardshipHelpForm(DistinctIds, forms.Form):
    id_prefix = "help"

    given_on = date_field(_("日期"))
    kind = forms.ChoiceField(label=_("帮扶方式"), choices=HardshipHelpKind.choices)
    amount = YuanField(label=_("金额（元）"), required=False)
    description = forms.CharField(label=_("帮扶内容"), max_length=300)
    given_by = forms.CharField(label=_("帮扶人 / 单位"), max_length=100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("given_on", timezone.localdate())


class HardshipCloseForm(DistinctIds, forms.Form):
    id_prefix = "close"

    closed_on = date_field(_("解除日期"))
    reason = forms.CharField(label=_("解除原因"), max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("closed_on", timezone.localdate())
