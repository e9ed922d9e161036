"""Forms of the poll pages: the organiser's set-up forms and the participant's code and ballot forms."""

from fractions import Fraction

from django import forms
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from branches.models import PartyOrganization, Unit
from core.fields import ModelMultipleChoiceField
from core.models import User
from core.roles import Role
from members.models import Person
from members.scopes import scope_for

from .models import Poll, PollQuestion, PollSubject
from .rules import percent
from .services import MAX_CODES_PER_ISSUE

TURNOUT_CHOICES = [
    ("2/3", _("三分之二（默认）")),
    ("1/2", _("二分之一")),
    ("3/4", _("四分之三")),
    ("4/5", _("五分之四")),
]


def turnout_value(text: str) -> tuple[int, int]:
    numerator, denominator = (int(part) for part in text.split("/"))
    return numerator, denominator


def turnout_key(poll: Poll) -> str:
    return f"{poll.turnout_numerator}/{poll.turnout_denominator}"


def turnout_label(poll: Poll) -> str:
    """Two thirds as 三分之二 when it is one of the choices, otherwise as a percentage."""
    labels = dict(TURNOUT_CHOICES)
    key = turnout_key(poll)
    if key == "2/3":
        return str(_("三分之二"))
    if key in labels:
        return str(labels[key])
    return f"{percent(Fraction(poll.turnout_numerator, poll.turnout_denominator))}%"


def owner_choices(user: User) -> list[tuple[str, str]]:
    """The units (officers) and party organisations (secretaries and officers) the user may run polls for."""
    scope = scope_for(user)
    units = Unit.objects.filter(pk__in=scope.units_for(Role.ORG_OFFICER)).order_by("sort_order", "name")
    organizations = PartyOrganization.objects.filter(pk__in=scope.organization_ids).order_by("sort_order", "name")
    choices: list = []
    if units:
        choices.append((_("单位"), [(f"unit:{u.pk}", u.name) for u in units]))
    if organizations:
        choices.append((_("党组织"), [(f"org:{o.pk}", o.name) for o in organizations]))
    return choices


class PollSettingsForm(forms.Form):
    title = forms.CharField(label=_("测评名称"), max_length=200)
    turnout = forms.ChoiceField(
        label=_("最低投票率"),
        choices=TURNOUT_CHOICES,
        initial="2/3",
        help_text=_("收回的选票少于发放投票码数的这一比例时，测评结果无效。"),
    )
    trimmed_mean = forms.BooleanField(
        label=_("去掉一个最高分和一个最低分后计算平均分"),
        required=False,
        help_text=_("默认不去掉（按有效票平均分计算）。投票开始后不能再修改。"),
    )


class PollCreateForm(PollSettingsForm):
    kind = forms.ChoiceField(label=_("类别"), choices=Poll.Kind.choices)
    owner = forms.ChoiceField(label=_("组织单位"), help_text=_("由哪个单位或党组织组织本次测评。"))

    field_order = ["title", "kind", "owner", "turnout", "trimmed_mean"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = owner_choices(user)

    def owner_objects(self) -> dict:
        kind, pk = self.cleaned_data["owner"].split(":")
        if kind == "unit":
            return {"unit": Unit.objects.get(pk=pk)}
        return {"organization": PartyOrganization.objects.get(pk=pk)}


class PersonChoices(ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name}（{obj.unit.name}{'，' + obj.position if obj.position else ''}）"


def subject_people(poll: Poll, user: User) -> QuerySet[Person]:
    """People of the poll's unit (with its departments) or members of its organisation (with the organisations
    below it) whom the user can see."""
    people = Person.objects.visible_to(user).select_related("unit")
    if poll.unit_id is not None:
        people = people.filter(unit_id__in=Unit.objects.subtree_ids([poll.unit_id]))
    else:
        people = people.filter(membership__branch_id__in=PartyOrganization.objects.subtree_ids([poll.organization_id]))
    return people.order_by("unit__sort_order", "name_initials", "pk").distinct()


def subject_organizations(poll: Poll, user: User) -> QuerySet[PartyOrganization]:
    scope = scope_for(user)
    organizations = PartyOrganization.objects.filter(pk__in=scope.organization_ids)
    if poll.organization_id is not None:
        organizations = organizations.filter(pk__in=PartyOrganization.objects.subtree_ids([poll.organization_id]))
    return organizations.order_by("sort_order", "name")


class SubjectsForm(forms.Form):
    """Several people and organisations at once, or one subject known by its name only."""

    people = PersonChoices(
        label=_("人员"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("按住 Ctrl（Mac 上为 ⌘）可多选。"),
    )
    organizations = ModelMultipleChoiceField(
        label=_("党组织"),
        queryset=PartyOrganization.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    label = forms.CharField(
        label=_("其他对象名称"), max_length=200, required=False, help_text=_("不在名册中的对象，只填名称。")
    )

    def __init__(self, *args, poll: Poll, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        taken = PollSubject.objects.filter(poll=poll)
        self.fields["people"].queryset = subject_people(poll, user).exclude(
            pk__in=taken.exclude(person=None).values("person_id")
        )
        self.fields["organizations"].queryset = subject_organizations(poll, user).exclude(
            pk__in=taken.exclude(organization=None).values("organization_id")
        )

    def clean(self):
        data = super().clean()
        if not (data.get("people") or data.get("organizations") or (data.get("label") or "").strip()):
            raise forms.ValidationError(_("请选择人员或党组织，或填写对象名称。"))
        return data


class QuestionForm(forms.ModelForm):
    class Meta:
        model = PollQuestion
        fields = ["text", "kind", "applies_to"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every question is one of the two kinds: no empty choice to pick by mistake.
        self.fields["kind"].choices = PollQuestion.Kind.choices


class CodesIssueForm(forms.Form):
    count = forms.IntegerField(
        label=_("投票码数量"),
        min_value=1,
        max_value=MAX_CODES_PER_ISSUE,
        help_text=format_lazy(
            _("按参加人数发放，每人一个；一次最多 {max} 个，人数更多时可分批发放。"), max=MAX_CODES_PER_ISSUE
        ),
    )


# ---- Participants -------------------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    """Rendered by hand in templates/reviews/vote_code.html (a large field for phones)."""

    code = forms.CharField(label=_("投票码"), max_length=40)


def answer_field_name(subject_id: int, question_id: int) -> str:
    return f"s{subject_id}_q{question_id}"


class BallotForm(forms.Form):
    """One field per subject and question that applies to it; every field may be left empty (a blank ballot for
    that subject). A subject marked only in part is counted invalid, so the participant is asked to confirm."""

    code = forms.CharField(widget=forms.HiddenInput)
    confirm_incomplete = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, subjects: list[PollSubject], questions: list[PollQuestion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[tuple[PollSubject, list[tuple[PollQuestion, str]]]] = []
        for subject in subjects:
            asked = []
            for question in questions:
                if not question.applies_to_subject(subject):
                    continue
                name = answer_field_name(subject.pk, question.pk)
                if question.kind == PollQuestion.Kind.SCORE:
                    self.fields[name] = forms.DecimalField(
                        label=question.text,
                        required=False,
                        min_value=0,
                        max_value=100,
                        max_digits=5,
                        decimal_places=2,
                        widget=forms.NumberInput(
                            attrs={"inputmode": "decimal", "step": "0.01", "min": "0", "max": "100"}
                        ),
                        error_messages={
                            "invalid": _("请填写 0 到 100 之间的分数。"),
                            "max_value": _("分数不能超过 100。"),
                            "min_value": _("分数不能小于 0。"),
                            "max_decimal_places": _("分数最多两位小数。"),
                            "max_digits": _("请填写 0 到 100 之间的分数。"),
                        },
                    )
                else:
                    self.fields[name] = forms.ChoiceField(
                        label=question.text,
                        required=False,
                        choices=question.choices,
                        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                        error_messages={"invalid_choice": _("请从给出的选项中选择一项。")},
                    )
                asked.append((question, name))
            self.rows.append((subject, asked))

    def bound_rows(self) -> list[tuple[PollSubject, list[tuple[PollQuestion, forms.BoundField]]]]:
        """For the template: each subject with the bound fields of its questions."""
        return [(subject, [(question, self[name]) for question, name in asked]) for subject, asked in self.rows]

    def answers(self) -> dict[tuple[int, int], object]:
        return {
            (subject.pk, question.pk): self.cleaned_data.get(name)
            for subject, asked in self.rows
            for question, name in asked
        }

    def incomplete_subjects(self) -> list[PollSubject]:
        """Subjects marked in part: their marks would not count."""
        incomplete = []
        for subject, asked in self.rows:
            marked = [name for _question, name in asked if self.cleaned_data.get(name) not in (None, "")]
            if marked and len(marked) < len(asked):
                incomplete.append(subject)
        return incomplete
