"""Forms of the leader's signing pages. They only parse what was typed; the rules (password, quota, summaries,
opinions, dates) are appraisal.services.group_sign's and rating_revise's, whose messages the pages show."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Grade, RuleSet
from .rules import grade_for_score
from .selectors_signing import SigningRow
from .services import RatingEntry

GRADE_CHOICES = [("", _("请选择")), *Grade.choices]


def _password_field() -> forms.CharField:
    return forms.CharField(
        label=_("登录密码"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("签署须重新输入您的登录密码。"),
    )


def _score_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2)


@dataclass(frozen=True)
class Typed:
    """What the leader typed for one appraisee, shown again when signing is refused."""

    grade: str
    score: str
    opinion: str


class GroupSignForm(forms.Form):
    """A grade (or, in the half-year-scored variant, a score) and an opinion for every appraisee still to be
    signed, and the password for the one signing step."""

    password = _password_field()

    def __init__(self, *args, rows: Sequence[SigningRow], scored: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        self.scored = scored
        for row in self.rows:
            pk, name = row.appraisee.pk, row.appraisee.name
            if scored:
                self.fields[f"score-{pk}"] = _score_field(_("%(name)s 的得分") % {"name": name})
            else:
                self.fields[f"grade-{pk}"] = forms.ChoiceField(
                    label=_("%(name)s 的等次") % {"name": name}, required=False, choices=GRADE_CHOICES
                )
            self.fields[f"opinion-{pk}"] = forms.CharField(
                label=_("%(name)s 的评鉴意见") % {"name": name}, required=False, widget=forms.Textarea
            )

    def entries(self) -> dict[int, RatingEntry]:
        data = self.cleaned_data
        return {
            row.appraisee.pk: RatingEntry(
                grade=data.get(f"grade-{row.appraisee.pk}") or None,
                opinion=data[f"opinion-{row.appraisee.pk}"],
                score=data.get(f"score-{row.appraisee.pk}"),
            )
            for row in self.rows
        }

    def typed(self) -> dict[int, Typed]:
        """What was typed for each row, by appraisee id, read straight from the submitted data to show again: the
        page renders the inputs itself, since a group of 200 should not cost 600 widget templates."""
        data = self.data
        return {
            row.appraisee.pk: Typed(
                grade=data.get(f"grade-{row.appraisee.pk}", ""),
                score=data.get(f"score-{row.appraisee.pk}", ""),
                opinion=data.get(f"opinion-{row.appraisee.pk}", ""),
            )
            for row in self.rows
        }

    def typed_excellent(self, rules: RuleSet) -> int:
        """How many typed grades (or scores, by the year's thresholds) are 优秀, for the counter's first paint."""
        count = 0
        for typed in self.typed().values():
            grade = typed.grade
            if self.scored:
                try:
                    grade = grade_for_score(Decimal(typed.score), rules) if typed.score else ""
                except InvalidOperation:
                    grade = ""
            count += grade == Grade.EXCELLENT
        return count

    def error_messages(self) -> list[str]:
        """Field errors with the field's label, for the list above the table."""
        messages = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            messages += [f"{label}：{error}" if label else error for error in errors]
        return messages


class RatingReviseForm(forms.Form):
    """更正: a new signed revision with its reason; the old one is kept."""

    grade = forms.ChoiceField(label=_("等次"), required=False, choices=GRADE_CHOICES)
    score = _score_field(_("得分"))
    opinion = forms.CharField(label=_("评鉴意见"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(
        label=_("更正原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("将与更正一并记录，原评鉴保留。"),
    )
    password = _password_field()

    def __init__(self, *args, scored: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scored = scored
        del self.fields["grade" if scored else "score"]
        if scored:
            self.fields["score"].widget.attrs["data-score"] = ""
        else:
            self.fields["grade"].widget.attrs["data-grade"] = ""

    def revision(self) -> tuple[str | None, Decimal | None, str, str]:
        """(grade, score, opinion, reason) for appraisal.services.rating_revise."""
        data = self.cleaned_data
        return data.get("grade") or None, data.get("score"), data["opinion"], data["reason"]
