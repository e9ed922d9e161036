"""Forms of the yearly party-review records (DOMAIN.md §7): filters, commitments, commentaries, star ratings and
secretaries' reports. The rules are in reviews.records; these forms only collect the input."""

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import CommitteePost, PartyOrganization
from members.models import PARTY_MEMBER_STAGES, Person

from .commentary import ITEMS
from .models import CommentaryLevel, PublicCommitment, Satisfaction, SecretaryReport
from .records_selectors import branch_members, branches_for, committee_in_force, committee_posts, year_end_or_today


def _date_field(label, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _year_field(required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(label=_("年度"), required=required, min_value=2000, max_value=2100)


def _text(label, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.name


class BranchChoice(forms.ModelChoiceField):
    def __init__(self, user, *, required: bool) -> None:
        super().__init__(
            label=_("党支部"),
            queryset=branches_for(user),
            required=required,
            empty_label=_("全部") if not required else None,
        )


# ---- Filters -----------------------------------------------------------------------------------------------------


class RecordsFilterForm(forms.Form):
    year = _year_field(required=False)
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=PartyOrganization.objects.none(), required=False)
    q = forms.CharField(label=_("姓名"), required=False, max_length=50)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"] = BranchChoice(user, required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"year": data["year"], "branch_id": data["branch"].pk if data["branch"] else None, "query": data["q"]}


class CommentaryFilterForm(RecordsFilterForm):
    level = forms.ChoiceField(label=_("点评层级"), required=False, choices=[("", _("全部")), *CommentaryLevel.choices])

    field_order = ["year", "branch", "level", "q"]

    def filters(self) -> dict:
        return {**super().filters(), "level": self.cleaned_data["level"]} if self.is_valid() else {}


class StarFilterForm(forms.Form):
    """The branch and year of the star-rating table: both required, the year defaults to this one."""

    year = _year_field()
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=PartyOrganization.objects.none())
    q = forms.CharField(label=_("姓名"), required=False, max_length=50)

    def __init__(self, data, *, user) -> None:
        branches = branches_for(user)
        data = data.copy()
        data.setdefault("year", str(timezone.localdate().year))
        if not data.get("branch") and (first := branches.first()) is not None:
            data["branch"] = str(first.pk)
        super().__init__(data)
        self.fields["branch"] = BranchChoice(user, required=True)


# ---- Public commitments ------------------------------------------------------------------------------------------


class CommitmentForm(forms.Form):
    """A commitment of a branch (no person) or a member. A member writing their own has neither field: the branch
    is theirs and the person themselves."""

    year = _year_field()
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=PartyOrganization.objects.none())
    person = PersonChoice(
        label=_("承诺党员"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("（支部的承诺）"),
        help_text=_("不选为支部的承诺。"),
    )
    content = _text(_("承诺内容"), rows=5)
    made_on = _date_field(_("承诺日期"))

    def __init__(self, *args, user, own: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.initial.setdefault("year", today.year)
        self.initial.setdefault("made_on", today)
        if own:
            del self.fields["branch"], self.fields["person"]
            return
        branches = branches_for(user)
        self.fields["branch"] = BranchChoice(user, required=True)
        self.fields["person"].queryset = Person.objects.filter(
            membership__branch__in=branches, membership__stage__in=PARTY_MEMBER_STAGES
        ).order_by("name_initials", "name", "pk")
        self.order_fields(["year", "branch", "person", "content", "made_on"])


class CommitmentEditForm(forms.Form):
    content = _text(_("承诺内容"), rows=5)
    made_on = _date_field(_("承诺日期"))


class FulfilmentForm(forms.Form):
    fulfilment = forms.ChoiceField(label=_("兑现情况"), choices=PublicCommitment.Fulfilment.choices)
    fulfilment_note = _text(_("兑现说明"), required=False, rows=3)
    evidence = _text(_("佐证材料"), required=False, rows=3)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _("登记为“已兑现”时必填：文件、会议记录、照片等材料的名称或说明。")
        self.fields["fulfilment_note"].help_text = _("登记为“未兑现”时必填，说明原因。")


# ---- Leader commentary -------------------------------------------------------------------------------------------


class CommentaryStartForm(forms.Form):
    """The first step: which level and which branch; the second step's fields depend on both."""

    level = forms.ChoiceField(label=_("点评层级"), choices=CommentaryLevel.choices, widget=forms.RadioSelect)
    branch = forms.ModelChoiceField(label=_("党支部"), queryset=PartyOrganization.objects.none())

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"] = BranchChoice(user, required=True)


def item_field_name(key: str) -> str:
    return f"item_{key}"


class CommentaryForm(forms.Form):
    """One textarea per listed item of the level (reviews.commentary.ITEMS). The people to choose from follow the
    committee in force today; the service checks them again on the commentary's date."""

    year = _year_field()
    person = PersonChoice(label=_("被点评人"), queryset=Person.objects.none())
    commentator = PersonChoice(label=_("点评人"), queryset=Person.objects.none())
    commentator_name = forms.CharField(label=_("点评人姓名"), max_length=100)
    commentator_post = forms.CharField(label=_("点评人职务"), max_length=100, required=False)
    commented_on = _date_field(_("点评日期"))

    def __init__(self, *args, level: str, branch: PartyOrganization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.level = level
        self.initial.setdefault("year", today.year)
        self.initial.setdefault("commented_on", today)
        if level == CommentaryLevel.UPPER_ON_BRANCH:
            del self.fields["person"], self.fields["commentator"]
            self.fields["commentator_post"].help_text = _("如：上级党委副书记")
        else:
            del self.fields["commentator_name"]
            self.fields["commentator_post"].help_text = _("不填则按支委职务填写。")
            self._people(level, branch, today)
        # Every item is required; the service names all the missing ones in one message.
        for item in ITEMS[level]:
            self.fields[item_field_name(item.key)] = _text(item.label, required=False)
        self.fields["strengths"] = _text(_("主要优点"), required=False)
        self.fields["improvements"] = _text(_("需要改进的地方"))

    def _people(self, level: str, branch: PartyOrganization, today) -> None:
        posts = committee_posts(committee_in_force(organization_id=branch.pk, on=today))
        secretaries = [pk for pk, post in posts.items() if post == CommitteePost.SECRETARY]
        on_committee = Person.objects.filter(pk__in=list(posts)).order_by("name_initials", "pk")
        if level == CommentaryLevel.SECRETARY_ON_COMMITTEE:
            commentators: QuerySet[Person] = on_committee.filter(pk__in=secretaries)
            people = on_committee.exclude(pk__in=secretaries)
        else:
            commentators = on_committee
            people = branch_members(branch_id=branch.pk, on=today).exclude(pk__in=list(posts))
        self.fields["commentator"].queryset = commentators
        self.fields["person"].queryset = people
        if len(secretaries) == 1 and level == CommentaryLevel.SECRETARY_ON_COMMITTEE:
            self.initial.setdefault("commentator", secretaries[0])

    def item_fields(self) -> list:
        return [self[item_field_name(item.key)] for item in ITEMS[self.level]]

    def items(self) -> dict[str, str]:
        return {item.key: self.cleaned_data.get(item_field_name(item.key), "") for item in ITEMS[self.level]}


class CommentaryCorrectForm(CommentaryForm):
    """The date and texts of a recorded commentary; who commented on whom stays as recorded."""

    def __init__(self, *args, commentary, **kwargs) -> None:
        initial = {
            "commented_on": commentary.commented_on,
            "strengths": commentary.strengths,
            "improvements": commentary.improvements,
            **{item_field_name(key): text for key, text in commentary.items.items()},
        }
        super().__init__(*args, level=commentary.level, branch=commentary.branch, initial=initial, **kwargs)
        for name in ("year", "person", "commentator", "commentator_name", "commentator_post"):
            self.fields.pop(name, None)


# ---- Star rating -------------------------------------------------------------------------------------------------

STAR_CHOICES = [(n, "★" * n + "☆" * (5 - n)) for n in range(1, 6)]


class StarRatingForm(forms.Form):
    stars = forms.TypedChoiceField(label=_("星级"), choices=STAR_CHOICES, coerce=int, widget=forms.RadioSelect)
    reasons = _text(_("评定理由"), rows=4)


# ---- Secretaries' reports ----------------------------------------------------------------------------------------


class SecretaryReportForm(forms.Form):
    secretary = PersonChoice(label=_("支部书记"), queryset=Person.objects.none())
    report = _text(_("述职内容"), rows=8)
    reported_to_members_on = _date_field(_("向党员群众述职日期"), required=False)
    members_assessment = forms.ChoiceField(
        label=_("党员群众评议"), required=False, choices=[("", _("（未评议）")), *Satisfaction.choices]
    )
    reported_to_upper_on = _date_field(_("向上级党组织述职日期"), required=False)
    upper_assessment = forms.ChoiceField(
        label=_("上级党组织考评"),
        required=False,
        choices=[("", _("（未考评）")), *SecretaryReport.UpperAssessment.choices],
    )
    upper_comment = _text(_("上级党组织评语"), required=False)

    def __init__(self, *args, branch: PartyOrganization, year: int, upper: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["secretary"].queryset = branch_members(branch_id=branch.pk, on=year_end_or_today(year))
        if not upper:
            # The upper level's judgement is theirs to record: shown, not editable here.
            for name in ("upper_assessment", "upper_comment"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("由上级党组织录入。")
