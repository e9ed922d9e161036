"""Pages for branch committees and their terms (换届, DOMAIN.md §2)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.fields import ModelMultipleChoiceField
from members.models import PARTY_MEMBER_STAGES, Person
from members.scopes import scope_for
from members.tables import WRAP, Column, table_response

from . import committees
from .committees import COMMITTEE_KINDS, TermStatus
from .models import CommitteePost, PartyOrganization
from .permissions import can_record_meetings

SINGLE_POSTS = [
    CommitteePost.SECRETARY,
    CommitteePost.DEPUTY_SECRETARY,
    CommitteePost.ORGANIZATION,
    CommitteePost.PUBLICITY,
    CommitteePost.DISCIPLINE,
]


class CommitteeFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("任期情况"),
        required=False,
        choices=[("", gettext_lazy("全部")), *TermStatus.LABELS.items()],
    )


class CommitteeTermForm(forms.Form):
    elected_on = forms.DateField(
        label=gettext_lazy("选举日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    term_years = forms.IntegerField(label=gettext_lazy("任期（年）"), min_value=1, max_value=5, initial=3)
    document_number = forms.CharField(label=gettext_lazy("上级批复文号"), required=False, max_length=100)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=300)

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for post in SINGLE_POSTS:
            self.fields[f"post_{post}"] = forms.ModelChoiceField(
                label=post.label,
                queryset=candidates,
                required=post == CommitteePost.SECRETARY,
                empty_label=_("（空缺）"),
            )
        self.fields["post_member"] = ModelMultipleChoiceField(
            label=_("其他委员"), queryset=candidates, required=False, widget=forms.SelectMultiple(attrs={"size": 6})
        )
        self.initial.setdefault("elected_on", timezone.localdate())

    def post_fields(self):
        return [self[f"post_{post}"] for post in SINGLE_POSTS] + [self["post_member"]]

    def members(self) -> list[tuple[Person, str]]:
        chosen = [(self.cleaned_data[f"post_{post}"], post.value) for post in SINGLE_POSTS]
        chosen += [(person, CommitteePost.MEMBER.value) for person in self.cleaned_data["post_member"]]
        return [(person, post) for person, post in chosen if person is not None]


def _organization_for(request: HttpRequest, pk: int) -> PartyOrganization:
    return get_object_or_404(PartyOrganization.objects.visible_to(request.user).filter(kind__in=COMMITTEE_KINDS), pk=pk)


def committee_list(request: HttpRequest) -> HttpResponse:
    """Every organisation's current committee; terms ending within 90 days and overdue elections flagged."""
    if not scope_for(request.user).organization_ids:
        raise PermissionDenied
    form = CommitteeFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    rows = committees.committee_overview(user=request.user, on=timezone.localdate(), status=status)
    columns = [
        Column(
            _("党组织"),
            lambda r: r.organization.name,
            lambda r: reverse("branches:committee_detail", args=[r.organization.pk]),
        ),
        Column(_("书记"), lambda r: r.secretary),
        Column(_("委员会成员"), lambda r: r.member_names, css=WRAP),
        Column(_("选举日期"), lambda r: r.term.elected_on if r.term else None),
        Column(_("任期届满"), lambda r: r.term.ends_on if r.term else None),
        Column(_("距届满天数"), lambda r: r.days_left),
        Column(_("情况"), lambda r: r.status_label),
    ]
    return table_response(
        request,
        title=_("支部委员会换届"),
        columns=columns,
        items=rows,
        form=form,
        filename=_("支部委员会换届"),
        row_css=lambda r: r.css,
        context={
            "notes": _("任期届满前 %(days)s 天提示换届；届满仍未换届的标为逾期。") % {"days": committees.WARNING_DAYS}
        },
    )


def committee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization_for(request, pk)
    history = committees.committee_history(organization=organization)
    current = committees.CommitteeRow(organization, history[0] if history else None, timezone.localdate())
    return render(
        request,
        "branches/committee_detail.html",
        {
            "organization": organization,
            "current": current,
            "history": history,
            "can_record": can_record_meetings(scope_for(request.user), organization),
        },
    )


def committee_term_create(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization_for(request, pk)
    if not can_record_meetings(scope_for(request.user), organization):
        raise PermissionDenied
    subtree = PartyOrganization.objects.subtree_ids([organization.pk])
    candidates = (
        Person.objects.filter(membership__branch_id__in=subtree, membership__stage__in=PARTY_MEMBER_STAGES)
        .filter(Q(membership__left_on__isnull=True))
        .order_by("name")
    )
    form = CommitteeTermForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            committees.committee_term_record(
                organization=organization,
                elected_on=form.cleaned_data["elected_on"],
                term_years=form.cleaned_data["term_years"],
                document_number=form.cleaned_data["document_number"],
                note=form.cleaned_data["note"],
                members=form.members(),
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已记录换届选举结果。"))
            return redirect("branches:committee_detail", pk=organization.pk)
    return render(request, "branches/committee_form.html", {"form": form, "organization": organization})
