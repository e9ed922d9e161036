"""The 群众评议 pages (DOMAIN.md §7, issue 6): rounds (list, create, detail with the activities, self-introductions and
things done for the public), results with their Excel export, the statistics sheet (数据统计单) on screen, printed and
in Excel, the publication list (公开栏) with its PDF, and the rectifications with their re-evaluation. Thin views over
reviews.mass and reviews.mass_selectors.

The voting itself runs on the poll pages (reviews/views.py): codes and slips, open, live turnout, close. Closing the
round's poll there acts on the results (reviews.mass.mass_poll_closed), whichever page closed it.

A round or a rectification outside the user's party scope does not exist for them (404, visible_to); the pages are
for secretaries and officers with a party scope (403 otherwise).
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Count, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches.models import PartyOrganization
from core.exports import Sheet, attachment_disposition, xlsx_response
from core.pagination import paginate, querystring_without_page
from core.pdf import PDF_CONTENT_TYPE, render_pdf
from members.models import Person
from members.scopes import scope_for

from . import mass
from .forms import turnout_label
from .forms_mass import (
    ActivityForm,
    PublicServiceForm,
    RectificationFilterForm,
    RectificationPlanForm,
    RoundCreateForm,
    RoundFilterForm,
    SelfIntroductionsForm,
    TalkForm,
    organisable,
    round_organizations,
)
from .mass_selectors import round_results, sheet_figures, statistics_sheet
from .models import (
    MassActivity,
    MassEvaluationRound,
    MassRoundKind,
    Poll,
    PollSubject,
    PublicCommitment,
    PublicServiceItem,
    Rectification,
    SelfIntroduction,
    VotingCode,
)
from .records_selectors import commitments_for
from .results import PollResults, QuestionResult, ResultsHidden, SubjectResult
from .rules import percent, turnout_reached
from .services import PollError


def _require_party_organiser(request: HttpRequest) -> None:
    if not scope_for(request.user).organization_ids:
        raise PermissionDenied


def _round(request: HttpRequest, pk: int) -> MassEvaluationRound:
    return get_object_or_404(
        MassEvaluationRound.objects.visible_to(request.user).select_related("organization", "poll"), pk=pk
    )


def _rectification(request: HttpRequest, pk: int) -> Rectification:
    return get_object_or_404(
        Rectification.objects.visible_to(request.user).select_related(
            "round__poll", "round__organization", "person", "organization", "previous", "reevaluation_round__poll"
        ),
        pk=pk,
    )


def _to_detail(mass_round: MassEvaluationRound, anchor: str) -> HttpResponse:
    return redirect(reverse("reviews:mass_detail", args=[mass_round.pk]) + f"#{anchor}")


# ---- Subjects with their public commitments ----------------------------------------------------------------------


@dataclass
class SubjectRow:
    subject: PollSubject
    # The member's branch, when the round covers several branches; empty otherwise and for a branch subject.
    branch_name: str
    commitment: PublicCommitment | None
    result: SubjectResult | None = None
    aspects: list[QuestionResult] = field(default_factory=list)


def _subject_rows(mass_round: MassEvaluationRound, results: PollResults | None = None) -> list[SubjectRow]:
    """Every subject of the round with its public commitment of the round's year (§7: shown beside the subject)
    and, for a closed round, its result with the aspects apart from the overall question."""
    if results is not None:
        subjects = [(s.subject, s) for s in results.subjects]
    else:
        subjects = [(s, None) for s in mass_round.poll.subjects.select_related("person", "organization")]
    person_ids = {s.person_id for s, _r in subjects if s.person_id is not None}
    commitments = commitments_for(
        year=mass_round.year,
        person_ids=person_ids,
        organization_ids={s.organization_id for s, _r in subjects if s.organization_id is not None},
    )
    branch_of = mass.member_branch_ids(person_ids)
    # The member's branch tells members apart only in a round of several branches.
    several = len(set(branch_of.values())) > 1
    names = dict(PartyOrganization.objects.filter(pk__in=set(branch_of.values())).values_list("pk", "name"))
    return [
        SubjectRow(
            subject=subject,
            branch_name=names.get(branch_of.get(subject.person_id), "") if several and subject.person_id else "",
            commitment=commitments.get((subject.subject_kind, subject.person_id or subject.organization_id)),
            result=result,
            aspects=[q for q in result.questions if not q.question.is_overall] if result else [],
        )
        for subject, result in subjects
    ]


# ---- List and create ---------------------------------------------------------------------------------------------


def round_list(request: HttpRequest) -> HttpResponse:
    _require_party_organiser(request)
    rounds = (
        MassEvaluationRound.objects.visible_to(request.user)
        .select_related("organization", "poll")
        .annotate(rectification_count=Count("rectifications"))
    )
    form = RoundFilterForm(request.GET)
    if form.is_valid():
        if form.cleaned_data["year"]:
            rounds = rounds.filter(year=form.cleaned_data["year"])
        if form.cleaned_data["kind"]:
            rounds = rounds.filter(kind=form.cleaned_data["kind"])
    return render(
        request,
        "reviews/mass_list.html",
        {
            "form": form,
            "page_obj": paginate(request, rounds.order_by("-year", "-period", "-pk")),
            "querystring": querystring_without_page(request),
            "may_create": organisable(request.user).exists(),
        },
    )


def round_create(request: HttpRequest) -> HttpResponse:
    _require_party_organiser(request)
    form = RoundCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            mass_round = mass.mass_round_create(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                kind=form.cleaned_data["kind"],
                year=form.cleaned_data["year"],
                period=form.period(),
            )
        except PollError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("“%(title)s”已建立：请记录评议活动，发放投票码后开始投票。") % {"title": mass_round.poll.title},
            )
            return redirect("reviews:mass_detail", pk=mass_round.pk)
    return render(request, "reviews/mass_create.html", {"form": form})


# ---- Detail and what is recorded besides the ballots -------------------------------------------------------------


def _members(mass_round: MassEvaluationRound):
    return Person.objects.filter(pk__in=mass.round_member_ids(mass_round)).order_by("name_initials", "name", "pk")


def round_detail(request: HttpRequest, pk: int, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    mass_round = _round(request, pk)
    poll = mass_round.poll
    forms = forms or {}
    introduced = set(SelfIntroduction.objects.filter(round=mass_round).values_list("person_id", flat=True))
    context = {
        "round": mass_round,
        "poll": poll,
        "rows": _subject_rows(mass_round),
        "codes_used": VotingCode.objects.filter(poll=poll, used=True).count() if poll.status == Poll.Status.OPEN else 0,
        "turnout_required": turnout_label(poll),
        "activities": mass_round.activities.select_related("organization"),
        "services": mass_round.public_services.select_related("organization"),
        "introduced_count": len(introduced),
        "rectifications": Rectification.objects.filter(round=mass_round).select_related("person", "organization"),
        "activity_form": forms.get("activity") or ActivityForm(mass_round=mass_round),
        "service_form": forms.get("service") or PublicServiceForm(mass_round=mass_round),
        "intro_form": forms.get("intro")
        or SelfIntroductionsForm(members=_members(mass_round), initial={"people": sorted(introduced)}),
    }
    return render(request, "reviews/mass_detail.html", context, status=status)


@require_POST
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    form = ActivityForm(request.POST, mass_round=mass_round)
    if form.is_valid():
        try:
            activity = mass.activity_record(actor=request.user, mass_round=mass_round, **form.cleaned_data)
        except PollError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("已记录：%(kind)s %(n)d。") % {"kind": activity.get_kind_display(), "n": activity.count}
            )
            return _to_detail(mass_round, "activities")
    return round_detail(request, pk, forms={"activity": form}, status=400)


@require_POST
def activity_delete(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    activity = get_object_or_404(MassActivity, round=mass_round, pk=activity_pk)
    mass.activity_delete(actor=request.user, activity=activity)
    messages.success(
        request, _("已删除：%(kind)s %(n)d。") % {"kind": activity.get_kind_display(), "n": activity.count}
    )
    return _to_detail(mass_round, "activities")


@require_POST
def introductions_set(request: HttpRequest, pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    form = SelfIntroductionsForm(request.POST, members=_members(mass_round))
    if form.is_valid():
        try:
            count = mass.self_introductions_set(
                actor=request.user, mass_round=mass_round, person_ids={p.pk for p in form.cleaned_data["people"]}
            )
        except PollError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存：%(n)d 名党员作了自我介绍。") % {"n": count})
            return _to_detail(mass_round, "introductions")
    return round_detail(request, pk, forms={"intro": form}, status=400)


@require_POST
def service_add(request: HttpRequest, pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    form = PublicServiceForm(request.POST, mass_round=mass_round)
    if form.is_valid():
        try:
            item = mass.public_service_record(actor=request.user, mass_round=mass_round, **form.cleaned_data)
        except PollError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已记录为群众办的实事“%(title)s”。") % {"title": item.title})
            return _to_detail(mass_round, "services")
    return round_detail(request, pk, forms={"service": form}, status=400)


@require_POST
def service_delete(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    item = get_object_or_404(PublicServiceItem, round=mass_round, pk=item_pk)
    mass.public_service_delete(actor=request.user, item=item)
    messages.success(request, _("已删除“%(title)s”。") % {"title": item.title})
    return _to_detail(mass_round, "services")


# ---- Results -----------------------------------------------------------------------------------------------------


def _rate(value) -> str:
    figure = percent(value)
    return "" if figure is None else f"{figure}%"


def _results_sheets(mass_round: MassEvaluationRound, results: PollResults, rows: list[SubjectRow]) -> list[Sheet]:
    poll = mass_round.poll
    summary = Sheet(
        _("概况"),
        [_("项目"), _("内容")],
        [
            [_("评议名称"), poll.title],
            [_("党组织"), mass_round.organization.name],
            [_("评议类别"), mass_round.get_kind_display()],
            [_("年度"), mass_round.year],
            [_("发放投票码"), results.codes_issued],
            [_("收回选票"), results.ballots_cast],
            [_("投票率（%）"), percent(results.turnout)],
            [_("最低投票率"), turnout_label(poll)],
            [_("结果是否有效"), _("有效") if results.turnout_reached else _("投票率不足，结果无效")],
            [_("结束时间"), poll.closed_at],
        ],
    )
    headers = [
        _("评议对象"), _("类型"), _("所在支部"), _("有效票"), _("满意"), _("基本满意"), _("不满意"), _("满意率（%）"),
        _("评价结果"), _("公开承诺"), _("兑现情况"),
    ]  # fmt: skip
    overall = [
        [
            row.subject.label,
            _("党组织") if row.subject.organization_id else _("党员"),
            row.branch_name,
            row.result.valid,
            *(row.result.counts.get(value, 0) for value in ("satisfied", "basic", "unsatisfied")),
            percent(row.result.satisfaction_rate),
            str(row.result.verdict.label) if row.result.verdict else "",
            row.commitment.content if row.commitment else "",
            row.commitment.get_fulfilment_display() if row.commitment else "",
        ]
        for row in rows
    ]
    aspect_headers = [_("评议对象"), _("评议内容"), _("满意"), _("基本满意"), _("不满意"), _("满意率（%）"), _("评价")]
    aspects = [
        [
            row.subject.label,
            q.question.text,
            *(q.counts.get(value, 0) for value in ("satisfied", "basic", "unsatisfied")),
            percent(q.satisfaction_rate),
            str(q.verdict.label) if q.verdict else "",
        ]
        for row in rows
        for q in row.aspects
    ]
    return [summary, Sheet(_("评议结果"), headers, overall), Sheet(_("分项评价"), aspect_headers, aspects)]


def results_view(request: HttpRequest, pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    try:
        results = round_results(mass_round)
    except ResultsHidden as exc:
        return render(request, "reviews/mass_results.html", {"round": mass_round, "hidden": exc.message})
    rows = _subject_rows(mass_round, results)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            filename=f"{mass_round.poll.title}-评议结果.xlsx", sheets=_results_sheets(mass_round, results, rows)
        )
    return render(
        request,
        "reviews/mass_results.html",
        {
            "round": mass_round,
            "results": results,
            "rows": rows,
            "turnout_required": turnout_label(mass_round.poll),
            "rectifications": Rectification.objects.filter(round=mass_round).select_related("person", "organization"),
        },
    )


# ---- The statistics sheet (数据统计单) ------------------------------------------------------------------------------


def statistics_view(request: HttpRequest, pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    organizations = round_organizations(mass_round)
    chosen = request.GET.get("organization", "")
    organization = (
        organizations.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    ) or mass_round.organization
    context = {"round": mass_round, "organizations": organizations, "organization": organization}
    try:
        sheet = statistics_sheet(mass_round, organization)
    except ResultsHidden as exc:
        return render(request, "reviews/mass_statistics.html", {**context, "hidden": exc.message})
    filled_on = timezone.localdate()
    if request.GET.get("export") == "xlsx":
        rows = [
            ["", _("填报单位"), organization.name],
            ["", _("评议"), mass_round.poll.title],
            ["", _("填报时间"), filled_on],
            *([item, label, value] for item, label, value in sheet_figures(sheet)),
        ]
        return xlsx_response(
            filename=f"{mass_round.poll.title}-{organization.name}-数据统计单.xlsx",
            sheets=[Sheet(_("数据统计单"), [_("序号"), _("项目"), _("数值")], rows)],
        )
    poll = mass_round.poll
    reached = turnout_reached(poll.ballots_cast, poll.codes_issued, poll.turnout_numerator, poll.turnout_denominator)
    return render(
        request,
        "reviews/mass_statistics.html",
        {**context, "sheet": sheet, "filled_on": filled_on, "turnout_reached": reached},
    )


# ---- Publication (公开栏) ------------------------------------------------------------------------------------------


def _publication_context(mass_round: MassEvaluationRound) -> dict:
    context: dict = {"round": mass_round}
    try:
        results = round_results(mass_round)
    except ResultsHidden as exc:
        return {**context, "hidden": exc.message}
    return {
        **context,
        "results": results,
        "rows": [row for row in _subject_rows(mass_round, results) if row.result.valid],
        "published_on": timezone.localtime(mass_round.poll.closed_at).date(),
    }


def publication_view(request: HttpRequest, pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    return render(request, "reviews/mass_publication.html", _publication_context(mass_round))


def publication_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    mass_round = _round(request, pk)
    context = _publication_context(mass_round)
    if "hidden" in context or not context["results"].turnout_reached:
        messages.error(request, _("评议结果有效后才能生成公开栏。"))
        return redirect("reviews:mass_publication", pk=pk)
    response = HttpResponse(render_pdf("reviews/pdf/mass_publication.html", context), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(f"{mass_round.poll.title}-公开栏.pdf").replace(
        "attachment", "inline", 1
    )
    return response


# ---- Rectifications ----------------------------------------------------------------------------------------------


def _due_for_reevaluation(rectifications, today):
    """Pending rectifications whose re-evaluation date has come: a re-evaluation before it decides nothing (§7)."""
    return rectifications.filter(status__in=mass.PENDING, reevaluation_result="", reevaluation_due__lte=today)


def _reevaluations_running(user) -> dict[tuple[str, int], MassEvaluationRound]:
    """Re-evaluation rounds not yet closed, by subject ("person" or "organization", id): a rectification already
    being re-evaluated gets a link to its round instead of a second one."""
    subjects = PollSubject.objects.filter(
        poll__mass_round__in=MassEvaluationRound.objects.visible_to(user).filter(kind=MassRoundKind.REEVALUATION),
        poll__status__in=[Poll.Status.DRAFT, Poll.Status.OPEN],
    ).select_related("poll__mass_round__poll")
    return {
        (subject.subject_kind, subject.person_id or subject.organization_id): subject.poll.mass_round
        for subject in subjects
        if subject.subject_kind is not None
    }


def _subject_key(rectification: Rectification) -> tuple[str, int]:
    if rectification.person_id is not None:
        return ("person", rectification.person_id)
    return ("organization", rectification.organization_id)


def rectification_list(request: HttpRequest) -> HttpResponse:
    _require_party_organiser(request)
    today = timezone.localdate()
    visible = Rectification.objects.visible_to(request.user).select_related(
        "round__poll", "round__organization", "person", "organization"
    )
    rectifications = visible.annotate(
        overdue=Case(
            When(status=Rectification.Status.OPEN, deadline__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    form = RectificationFilterForm(request.GET)
    if form.is_valid() and form.cleaned_data["status"]:
        rectifications = rectifications.filter(status=form.cleaned_data["status"])
    # One re-evaluation round per organisation: the rectifications of rounds of the same organisation together.
    running = _reevaluations_running(request.user)
    due_groups: dict[PartyOrganization, list[Rectification]] = {}
    for rectification in _due_for_reevaluation(visible, today).order_by("reevaluation_due", "pk"):
        if _subject_key(rectification) not in running:
            due_groups.setdefault(rectification.round.organization, []).append(rectification)
    return render(
        request,
        "reviews/mass_rectification_list.html",
        {
            "form": form,
            "page_obj": paginate(request, rectifications.order_by("-overdue", "deadline", "pk")),
            "querystring": querystring_without_page(request),
            "today": today,
            "due_groups": list(due_groups.items()),
        },
    )


def rectification_detail(request: HttpRequest, pk: int, *, forms: dict | None = None, status: int = 200):
    rectification = _rectification(request, pk)
    forms = forms or {}
    today = timezone.localdate()
    talk = getattr(rectification, "talk", None)
    is_open = rectification.status == Rectification.Status.OPEN
    context = {
        "rectification": rectification,
        "today": today,
        "talk": talk,
        "next": getattr(rectification, "next", None),
        "overdue": is_open and rectification.deadline < today,
        "reevaluation_due": _due_for_reevaluation(Rectification.objects.filter(pk=pk), today).exists(),
        "reevaluation_running": _reevaluations_running(request.user).get(_subject_key(rectification)),
        "plan_form": forms.get("plan")
        or RectificationPlanForm(
            initial={
                "deadline": rectification.deadline,
                "measures": rectification.measures,
                "evidence": rectification.evidence,
            }
        ),
        "talk_form": forms.get("talk") or TalkForm(),
        "is_open": is_open,
        "talk_missing": rectification.talk_required and talk is None,
    }
    return render(request, "reviews/mass_rectification_detail.html", context, status=status)


@require_POST
def rectification_plan(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = _rectification(request, pk)
    form = RectificationPlanForm(request.POST)
    if form.is_valid():
        try:
            mass.rectification_update(actor=request.user, rectification=rectification, **form.cleaned_data)
        except PollError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("整改措施已保存。"))
            return redirect("reviews:mass_rectification", pk=pk)
    return rectification_detail(request, pk, forms={"plan": form}, status=400)


@require_POST
def rectification_complete(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = _rectification(request, pk)
    try:
        mass.rectification_complete(actor=request.user, rectification=rectification)
    except PollError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已确认整改完成，等待复评。"))
    return redirect("reviews:mass_rectification", pk=pk)


@require_POST
def talk_add(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = _rectification(request, pk)
    form = TalkForm(request.POST)
    if form.is_valid():
        try:
            mass.talk_record(actor=request.user, rectification=rectification, **form.cleaned_data)
        except PollError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("组织谈话已记录。"))
            return redirect("reviews:mass_rectification", pk=pk)
    return rectification_detail(request, pk, forms={"talk": form}, status=400)


@require_POST
def reevaluation_create(request: HttpRequest) -> HttpResponse:
    """A re-evaluation round (整改复评) of the selected rectifications whose re-evaluation date has come."""
    _require_party_organiser(request)
    organization = get_object_or_404(organisable(request.user), pk=request.POST.get("organization") or 0)
    ids = [int(pk) for pk in request.POST.getlist("rectifications") if pk.isdigit()]
    today = timezone.localdate()
    selected = Rectification.objects.visible_to(request.user).filter(pk__in=ids).select_related("round")
    due = list(_due_for_reevaluation(selected, today).select_related("person", "organization").order_by("pk"))
    back = request.POST.get("back") == "detail" and len(ids) == 1
    running = _reevaluations_running(request.user)
    if not due or len(due) != len(ids) or any(_subject_key(r) in running for r in due):
        messages.error(request, _("请选择已到复评日期、尚未复评也不在复评中的整改对象。"))
        return redirect("reviews:mass_rectification", pk=ids[0]) if back else redirect("reviews:mass_rectifications")
    try:
        mass_round = mass.mass_round_create(
            actor=request.user,
            organization=organization,
            kind=MassRoundKind.REEVALUATION,
            year=today.year,
            rectifications=due,
        )
    except PollError as exc:
        messages.error(request, exc.message)
        return redirect("reviews:mass_rectification", pk=ids[0]) if back else redirect("reviews:mass_rectifications")
    messages.success(request, _("整改复评已建立：发放投票码后开始投票。"))
    return redirect("reviews:mass_detail", pk=mass_round.pk)


urlpatterns = [
    path("mass/", round_list, name="mass_list"),
    path("mass/new/", round_create, name="mass_create"),
    path("mass/<int:pk>/", round_detail, name="mass_detail"),
    path("mass/<int:pk>/activities/", activity_add, name="mass_activity_add"),
    path("mass/<int:pk>/activities/<int:activity_pk>/delete/", activity_delete, name="mass_activity_delete"),
    path("mass/<int:pk>/introductions/", introductions_set, name="mass_introductions"),
    path("mass/<int:pk>/services/", service_add, name="mass_service_add"),
    path("mass/<int:pk>/services/<int:item_pk>/delete/", service_delete, name="mass_service_delete"),
    path("mass/<int:pk>/results/", results_view, name="mass_results"),
    path("mass/<int:pk>/statistics/", statistics_view, name="mass_statistics"),
    path("mass/<int:pk>/publication/", publication_view, name="mass_publication"),
    path("mass/<int:pk>/publication.pdf", publication_pdf, name="mass_publication_pdf"),
    path("mass/rectifications/", rectification_list, name="mass_rectifications"),
    path("mass/rectifications/reevaluate/", reevaluation_create, name="mass_reevaluate"),
    path("mass/rectifications/<int:pk>/", rectification_detail, name="mass_rectification"),
    path("mass/rectifications/<int:pk>/plan/", rectification_plan, name="mass_rectification_plan"),
    path("mass/rectifications/<int:pk>/complete/", rectification_complete, name="mass_rectification_complete"),
    path("mass/rectifications/<int:pk>/talk/", talk_add, name="mass_rectification_talk"),
]
