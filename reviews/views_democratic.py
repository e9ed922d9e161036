"""The democratic evaluation pages (民主评议党员, DOMAIN.md §7): the organisers' list, create form, members table with
the branch's decisions and the finalisation, the statistics for a branch or a subtree with its Excel export, and
the member's own self-evaluation page. Thin views over reviews.democratic and reviews.democratic_selectors; the
mutual evaluation itself runs on the poll pages (reviews/views.py).

An evaluation outside the user's party scope does not exist for them (404, DemocraticEvaluation.objects.visible_to);
the organisers' pages are for secretaries and officers with a party scope (403 otherwise); a member reaches only
their own MemberEvaluation.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.models import PartyOrganization
from core.exports import xlsx_response
from core.pagination import paginate, querystring_without_page
from members.scopes import scope_for

from . import democratic
from .democratic_forms import DecideForm, EvaluationCreateForm, SelfEvaluationForm, StatisticsForm
from .democratic_selectors import democratic_statistics, evaluation_table, statistics_sheets
from .models import DemocraticEvaluation, MemberEvaluation


def _require_party_organiser(request: HttpRequest) -> None:
    if not scope_for(request.user).organization_ids:
        raise PermissionDenied


def _evaluation(request: HttpRequest, pk: int) -> DemocraticEvaluation:
    return get_object_or_404(
        DemocraticEvaluation.objects.visible_to(request.user).select_related("branch", "mutual_poll"), pk=pk
    )


def _decide_prefix(member: MemberEvaluation) -> str:
    # Every member's form is on one page: the prefix keeps their field ids apart.
    return f"m{member.pk}"


def _self_prefix(member: MemberEvaluation) -> str:
    return f"e{member.pk}"


# ---- List and create ---------------------------------------------------------------------------------------------


def evaluation_list(request: HttpRequest, *, form: EvaluationCreateForm | None = None, status: int = 200):
    _require_party_organiser(request)
    visible = DemocraticEvaluation.objects.visible_to(request.user)
    evaluations = (
        visible.select_related("branch", "mutual_poll")
        .annotate(member_count=Count("members"), decided_count=Count("members", filter=~Q(members__result="")))
        .order_by("-year", "branch__sort_order", "branch_id")
    )
    year = request.GET.get("year", "")
    if year.isdigit():
        evaluations = evaluations.filter(year=int(year))
    query = request.GET.get("q", "").strip()
    if query:
        evaluations = evaluations.filter(branch__name__icontains=query)
    return render(
        request,
        "reviews/democratic_list.html",
        {
            "page_obj": paginate(request, evaluations),
            "querystring": querystring_without_page(request),
            "years": sorted(set(visible.values_list("year", flat=True)), reverse=True),
            "year": year,
            "q": query,
            "form": form or EvaluationCreateForm(user=request.user),
        },
        status=status,
    )


@require_POST
def evaluation_create(request: HttpRequest) -> HttpResponse:
    _require_party_organiser(request)
    form = EvaluationCreateForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            evaluation = democratic.democratic_evaluation_create(
                actor=request.user, branch=form.cleaned_data["branch"], year=form.cleaned_data["year"]
            )
        except democratic.DemocraticError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "已建立%(branch)s%(year)d年度民主评议党员，共%(n)d名党员。请组织党员填写自我评价，并在党员互评页面发放投票码。"
                )
                % {"branch": evaluation.branch.name, "year": evaluation.year, "n": evaluation.members.count()},
            )
            return redirect("reviews:democratic_detail", pk=evaluation.pk)
    return evaluation_list(request, form=form, status=400)


# ---- One evaluation ----------------------------------------------------------------------------------------------


def evaluation_detail(
    request: HttpRequest, pk: int, *, bound: tuple[int, DecideForm] | None = None, status: int = 200
) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    table = evaluation_table(evaluation)
    editable = evaluation.status == DemocraticEvaluation.Status.OPEN
    rows = []
    for row in table.rows:
        form = None
        if editable:
            if bound is not None and bound[0] == row.member.pk:
                form = bound[1]
            else:
                initial = {"result": row.member.result, "reason": row.member.reason}
                form = DecideForm(initial=initial, prefix=_decide_prefix(row.member))
        rows.append((row, form))
    return render(
        request,
        "reviews/democratic_detail.html",
        {"evaluation": evaluation, "table": table, "rows": rows, "editable": editable},
        status=status,
    )


@require_POST
def member_decide(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    member = get_object_or_404(evaluation.members.select_related("person", "evaluation"), pk=member_pk)
    form = DecideForm(request.POST, prefix=_decide_prefix(member))
    if form.is_valid():
        try:
            democratic.member_result_decide(
                actor=request.user,
                member_evaluation=member,
                result=form.cleaned_data["result"],
                reason=form.cleaned_data["reason"],
            )
        except democratic.DemocraticError as exc:
            # Shown above the page: a finalised evaluation has no form left to show it on.
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已评定%(name)s：%(result)s。") % {"name": member.person.name, "result": member.get_result_display()},
            )
            return redirect(reverse("reviews:democratic_detail", args=[pk]) + f"#member-{member.pk}")
    return evaluation_detail(request, pk, bound=(member.pk, form), status=400)


@require_POST
def evaluation_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _evaluation(request, pk)
    try:
        democratic.democratic_evaluation_finalise(actor=request.user, evaluation=evaluation)
    except democratic.DemocraticError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("评议结果已确定，不能再修改。"))
    return redirect("reviews:democratic_detail", pk=pk)


# ---- Statistics --------------------------------------------------------------------------------------------------


def _default_organization(request: HttpRequest) -> PartyOrganization | None:
    """The top of the user's party scope (the branch of a secretary, the organisation of an officer)."""
    visible = list(PartyOrganization.objects.visible_to(request.user).order_by("sort_order", "id"))
    ids = {o.pk for o in visible}
    return next((o for o in visible if o.parent_id not in ids), None)


def statistics(request: HttpRequest) -> HttpResponse:
    _require_party_organiser(request)
    initial = {"organization": _default_organization(request), "year": timezone.localdate().year}
    form = StatisticsForm(request.GET or None, initial=initial, user=request.user)
    chosen = initial
    if form.is_bound:
        chosen = form.cleaned_data if form.is_valid() else {"organization": None}
    figures = None
    if chosen["organization"] is not None:
        figures = democratic_statistics(organization=chosen["organization"], year=chosen["year"])
    if figures is not None and request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename=f"民主评议党员结果-{figures.organization.name}-{figures.year}.xlsx",
            sheets=statistics_sheets(figures),
        )
    return render(
        request,
        "reviews/democratic_statistics.html",
        {"form": form, "statistics": figures, "querystring": querystring_without_page(request)},
    )


# ---- The member's own page ---------------------------------------------------------------------------------------


def _own_members(request: HttpRequest):
    person_id = scope_for(request.user).person_id
    return (
        MemberEvaluation.objects.filter(person_id=person_id)
        .select_related("evaluation__branch", "person")
        .order_by("-evaluation__year", "pk")
    )


def my_evaluations(request: HttpRequest, *, bound: tuple[int, SelfEvaluationForm] | None = None, status: int = 200):
    """The member's evaluations: open ones with the self-evaluation form, finalised ones with the branch's result."""
    open_rows, finalised = [], []
    for member in _own_members(request):
        if member.evaluation.status != DemocraticEvaluation.Status.OPEN:
            finalised.append(member)
            continue
        if bound is not None and bound[0] == member.pk:
            form = bound[1]
        else:
            form = SelfEvaluationForm(initial={"text": member.self_evaluation}, prefix=_self_prefix(member))
        open_rows.append((member, form))
    return render(
        request, "reviews/democratic_mine.html", {"open_rows": open_rows, "finalised": finalised}, status=status
    )


@require_POST
def self_evaluation_save(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_object_or_404(_own_members(request), pk=member_pk)
    form = SelfEvaluationForm(request.POST, prefix=_self_prefix(member))
    if form.is_valid():
        try:
            democratic.self_evaluation_save(
                actor=request.user, member_evaluation=member, text=form.cleaned_data["text"]
            )
        except democratic.DemocraticError as exc:
            # Shown above the page: a finalised evaluation has no form left to show it on.
            messages.error(request, exc.message)
        else:
            messages.success(request, _("自我评价已保存。评议结果确定前可以修改。"))
            return redirect("reviews:democratic_mine")
    return my_evaluations(request, bound=(member.pk, form), status=400)


urlpatterns = [
    path("democratic/", evaluation_list, name="democratic_list"),
    path("democratic/new/", evaluation_create, name="democratic_create"),
    path("democratic/statistics/", statistics, name="democratic_statistics"),
    path("democratic/mine/", my_evaluations, name="democratic_mine"),
    path("democratic/mine/<int:member_pk>/", self_evaluation_save, name="democratic_self_save"),
    path("democratic/<int:pk>/", evaluation_detail, name="democratic_detail"),
    path("democratic/<int:pk>/members/<int:member_pk>/decide/", member_decide, name="democratic_decide"),
    path("democratic/<int:pk>/finalise/", evaluation_finalise, name="democratic_finalise"),
]
