"""The organiser's poll pages (issue 5 item 1): list, create, set up, issue codes (the slips PDF), open, watch the
turnout, close, results and their Excel export. Thin views over reviews.services and reviews.results.

A poll outside the user's scope does not exist for them (404, Poll.objects.visible_to); the list and the create form
are for those who may organise polls at all (403 otherwise).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exports import Sheet, attachment_disposition, xlsx_response
from core.pagination import paginate, querystring_without_page
from core.pdf import PDF_CONTENT_TYPE

from . import services
from .forms import (
    CodesIssueForm,
    PollCreateForm,
    PollSettingsForm,
    QuestionForm,
    SubjectsForm,
    turnout_key,
    turnout_label,
    turnout_value,
)
from .models import MemberGrade, Poll, PollQuestion, PollSubject, VotingCode
from .permissions import may_organise_polls
from .results import PollResults, ResultsHidden, poll_results
from .rules import percent, two_places
from .slips import slips_pdf


def _require_organiser(request: HttpRequest) -> None:
    if not may_organise_polls(request.user):
        raise PermissionDenied


def _poll(request: HttpRequest, pk: int) -> Poll:
    return get_object_or_404(Poll.objects.visible_to(request.user).select_related("unit", "organization"), pk=pk)


def _codes_used(poll: Poll) -> int:
    return VotingCode.objects.filter(poll=poll, used=True).count()


# ---- List and create ---------------------------------------------------------------------------------------------


def poll_list(request: HttpRequest) -> HttpResponse:
    _require_organiser(request)
    polls = (
        Poll.objects.visible_to(request.user)
        .select_related("unit", "organization")
        .annotate(codes_used=Count("codes", filter=Q(codes__used=True)))
        .order_by("-created_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in Poll.Status.values:
        polls = polls.filter(status=status)
    kind = request.GET.get("kind", "")
    if kind in Poll.Kind.values:
        polls = polls.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        polls = polls.filter(title__icontains=query)
    return render(
        request,
        "reviews/poll_list.html",
        {
            "page_obj": paginate(request, polls),
            "querystring": querystring_without_page(request),
            "status": status,
            "kind": kind,
            "q": query,
            "statuses": Poll.Status.choices,
            "kinds": Poll.Kind.choices,
        },
    )


def poll_create(request: HttpRequest) -> HttpResponse:
    _require_organiser(request)
    form = PollCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            poll = services.poll_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
                trimmed_mean=form.cleaned_data["trimmed_mean"],
                turnout=turnout_value(form.cleaned_data["turnout"]),
                **form.owner_objects(),
            )
        except services.PollError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("测评“%(title)s”已建立，请添加测评对象和题目。") % {"title": poll.title})
            return redirect("reviews:detail", pk=poll.pk)
    return render(request, "reviews/poll_create.html", {"form": form})


# ---- Set-up ------------------------------------------------------------------------------------------------------


def _subject_rows(poll: Poll) -> list[tuple[PollSubject, list[PollQuestion]]]:
    questions = list(poll.questions.all())
    return [
        (subject, [q for q in questions if q.applies_to_subject(subject)])
        for subject in poll.subjects.select_related("person__unit", "organization")
    ]


def _managing_exercise(poll: Poll):
    """The cadre exercise whose cadres are this poll's subjects (DOMAIN.md §6): its subjects and question follow
    the exercise and are changed there, never on the poll page."""
    return getattr(poll, "cadre_exercise", None)


def _managing_evaluation(poll: Poll):
    """The democratic evaluation whose members are this poll's subjects (DOMAIN.md §7): likewise kept by it."""
    return getattr(poll, "democratic_evaluation", None)


def _managing_round(poll: Poll):
    """The round of mass evaluation whose branches and members are this poll's subjects (DOMAIN.md §7): the round
    sets the subjects and the §7 aspects."""
    return getattr(poll, "mass_round", None)


def _content_locked(request: HttpRequest, poll: Poll) -> HttpResponse | None:
    if (mass_round := _managing_round(poll)) is not None:
        messages.error(request, _("本测评的对象和题目由群众评议“%(title)s”确定，不能修改。") % {"title": poll.title})
        return redirect("reviews:mass_detail", pk=mass_round.pk)
    if (evaluation := _managing_evaluation(poll)) is not None:
        messages.error(
            request,
            _("本测评是%(branch)s%(year)d年度民主评议党员的党员互评，对象和题目随评议自动确定，不能修改。")
            % {"branch": evaluation.branch.name, "year": evaluation.year},
        )
        return redirect("reviews:detail", pk=poll.pk)
    exercise = _managing_exercise(poll)
    if exercise is None:
        return None
    messages.error(
        request, _("本测评的对象和题目由“%(title)s”维护，请在中层干部考核页面修改。") % {"title": exercise.title}
    )
    return redirect("reviews:detail", pk=poll.pk)


def poll_detail(request: HttpRequest, pk: int, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    poll = _poll(request, pk)
    draft = poll.status == Poll.Status.DRAFT
    forms = forms or {}
    managing_exercise = _managing_exercise(poll)
    managing_evaluation = _managing_evaluation(poll)
    managing_round = _managing_round(poll)
    context = {
        "poll": poll,
        "managing_exercise": managing_exercise,
        "managing_evaluation": managing_evaluation,
        "managing_round": managing_round,
        "content_editable": draft
        and managing_exercise is None
        and managing_evaluation is None
        and managing_round is None,
        "subject_rows": _subject_rows(poll),
        "questions": list(poll.questions.all()),
        "codes_used": _codes_used(poll) if poll.status == Poll.Status.OPEN else None,
        "turnout_required": turnout_label(poll),
        "codes_form": forms.get("codes") or CodesIssueForm(),
    }
    if draft:
        context.update(
            settings_form=forms.get("settings")
            or PollSettingsForm(
                initial={"title": poll.title, "turnout": turnout_key(poll), "trimmed_mean": poll.trimmed_mean}
            ),
            subjects_form=forms.get("subjects") or SubjectsForm(poll=poll, user=request.user),
            question_form=forms.get("question") or QuestionForm(),
        )
    return render(request, "reviews/poll_detail.html", context, status=status)


def _refused(request: HttpRequest, exc: services.PollError, pk: int) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("reviews:detail", pk=pk)


@require_POST
def poll_settings(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    form = PollSettingsForm(request.POST)
    if not form.is_valid():
        return poll_detail(request, pk, forms={"settings": form}, status=400)
    try:
        services.poll_settings_update(
            actor=request.user,
            poll=poll,
            title=form.cleaned_data["title"],
            trimmed_mean=form.cleaned_data["trimmed_mean"],
            turnout=turnout_value(form.cleaned_data["turnout"]),
        )
    except services.PollError as exc:
        return _refused(request, exc, pk)
    messages.success(request, _("已保存。"))
    return redirect("reviews:detail", pk=pk)


@require_POST
def subjects_add(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if (locked := _content_locked(request, poll)) is not None:
        return locked
    form = SubjectsForm(request.POST, poll=poll, user=request.user)
    if not form.is_valid():
        return poll_detail(request, pk, forms={"subjects": form}, status=400)
    added = 0
    try:
        # All or nothing: one refused subject leaves the poll as it was.
        with transaction.atomic():
            for person in form.cleaned_data["people"]:
                services.poll_subject_add(actor=request.user, poll=poll, label="", person=person)
                added += 1
            for organization in form.cleaned_data["organizations"]:
                services.poll_subject_add(actor=request.user, poll=poll, label="", organization=organization)
                added += 1
            if form.cleaned_data["label"].strip():
                services.poll_subject_add(actor=request.user, poll=poll, label=form.cleaned_data["label"])
                added += 1
    except services.PollError as exc:
        return _refused(request, exc, pk)
    messages.success(request, _("已添加 %(n)d 个测评对象。") % {"n": added})
    return redirect("reviews:detail", pk=pk)


@require_POST
def subject_remove(request: HttpRequest, pk: int, subject_pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if (locked := _content_locked(request, poll)) is not None:
        return locked
    subject = get_object_or_404(PollSubject, poll=poll, pk=subject_pk)
    try:
        services.poll_subject_remove(actor=request.user, subject=subject)
    except services.PollError as exc:
        return _refused(request, exc, pk)
    messages.success(request, _("已删除测评对象“%(label)s”。") % {"label": subject.label})
    return redirect("reviews:detail", pk=pk)


@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if (locked := _content_locked(request, poll)) is not None:
        return locked
    form = QuestionForm(request.POST)
    if not form.is_valid():
        return poll_detail(request, pk, forms={"question": form}, status=400)
    try:
        services.poll_question_add(actor=request.user, poll=poll, **form.cleaned_data)
    except services.PollError as exc:
        return _refused(request, exc, pk)
    messages.success(request, _("已添加题目。"))
    return redirect("reviews:detail", pk=pk)


@require_POST
def question_remove(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if (locked := _content_locked(request, poll)) is not None:
        return locked
    question = get_object_or_404(PollQuestion, poll=poll, pk=question_pk)
    try:
        services.poll_question_remove(actor=request.user, question=question)
    except services.PollError as exc:
        return _refused(request, exc, pk)
    messages.success(request, _("已删除题目“%(text)s”。") % {"text": question.text})
    return redirect("reviews:detail", pk=pk)


# ---- Codes -------------------------------------------------------------------------------------------------------


@require_POST
def codes_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue codes and answer with their slips at once: the plain codes are in this response and nowhere else."""
    poll = _poll(request, pk)
    form = CodesIssueForm(request.POST)
    if not form.is_valid():
        return poll_detail(request, pk, forms={"codes": form}, status=400)
    try:
        codes = services.poll_codes_issue(actor=request.user, poll=poll, count=form.cleaned_data["count"])
    except services.PollError as exc:
        return _refused(request, exc, pk)
    pdf = slips_pdf(poll=poll, codes=codes, vote_url=request.build_absolute_uri(reverse("vote:start")))
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = attachment_disposition(f"{poll.title}-投票码{len(codes)}张-{stamp}.pdf")
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def codes_void(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    try:
        voided = services.poll_codes_void_unused(actor=request.user, poll=poll)
    except services.PollError as exc:
        return _refused(request, exc, pk)
    messages.success(request, _("已作废 %(n)d 个未使用的投票码。") % {"n": voided})
    return redirect("reviews:detail", pk=pk)


# ---- Open, watch, close ------------------------------------------------------------------------------------------


@require_POST
def poll_open(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    try:
        services.poll_open(actor=request.user, poll=poll)
    except services.PollError as exc:
        return _refused(request, exc, pk)
    messages.success(request, _("投票已开始。参加人员扫码或访问投票页面输入投票码即可投票。"))
    return redirect("reviews:detail", pk=pk)


def poll_turnout(request: HttpRequest, pk: int) -> HttpResponse:
    """The live count while open ("已投 12 / 30"), polled by htmx; a count only, never a ballot."""
    poll = _poll(request, pk)
    used = _codes_used(poll) if poll.status == Poll.Status.OPEN else poll.ballots_cast
    return render(request, "reviews/poll_turnout.html", {"poll": poll, "codes_used": used})


def poll_close(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    if poll.status != Poll.Status.OPEN:
        messages.error(request, _("只有投票中的测评可以结束。"))
        return redirect("reviews:detail", pk=pk)
    if request.method == "POST":
        try:
            services.poll_close(actor=request.user, poll=poll)
        except services.PollError as exc:
            return _refused(request, exc, pk)
        messages.success(request, _("投票已结束，以下是测评结果。"))
        if (mass_round := _managing_round(poll)) is not None:
            return redirect("reviews:mass_results", pk=mass_round.pk)
        return redirect("reviews:results", pk=pk)
    return render(
        request,
        "reviews/poll_close.html",
        {"poll": poll, "codes_used": _codes_used(poll), "turnout_required": turnout_label(poll)},
    )


# ---- Results -----------------------------------------------------------------------------------------------------


def _results_sheets(results: PollResults) -> list[Sheet]:
    poll = results.poll
    summary = Sheet(
        _("概况"),
        [_("项目"), _("内容")],
        [
            [_("测评名称"), poll.title],
            [_("类别"), poll.get_kind_display()],
            [_("组织单位"), str(poll.owner)],
            [_("发放投票码"), results.codes_issued],
            [_("收回选票"), results.ballots_cast],
            [_("投票率（%）"), percent(results.turnout)],
            [_("最低投票率"), turnout_label(poll)],
            [_("结果是否有效"), _("有效") if results.turnout_reached else _("投票率不足，结果无效")],
            [_("计分方法"), _("去掉一个最高分和一个最低分后平均") if poll.trimmed_mean else _("有效票平均分")],
            [_("结束时间"), poll.closed_at],
        ],
    )
    headers = [
        _("测评对象"), _("题目"), _("有效票"), _("弃权票"), _("无效票"), _("平均分"), _("去掉最高最低分后平均分"),
        _("最低分"), _("最高分"), _("满意"), _("基本满意"), _("不满意"), _("满意率（%）"), _("评价结果"),
        *(str(label) for label in MemberGrade.labels),
    ]  # fmt: skip
    rows = []
    for subject in results.subjects:
        for q in subject.questions:
            rows.append(
                [
                    subject.subject.label,
                    q.question.text,
                    subject.valid,
                    subject.blank,
                    subject.invalid,
                    two_places(q.mean),
                    two_places(q.trimmed_mean),
                    q.minimum,
                    q.maximum,
                    *(q.counts.get(value) for value in ("satisfied", "basic", "unsatisfied")),
                    percent(q.satisfaction_rate),
                    q.verdict.label if q.verdict else "",
                    *(q.counts.get(value) for value in MemberGrade.values),
                ]
            )
    return [summary, Sheet(_("测评结果"), headers, rows)]


def poll_results_view(request: HttpRequest, pk: int) -> HttpResponse:
    poll = _poll(request, pk)
    try:
        results = poll_results(poll)
    except ResultsHidden as exc:
        return render(request, "reviews/poll_results.html", {"poll": poll, "hidden": exc.message})
    if request.GET.get("export") == "xlsx":
        return xlsx_response(filename=f"{poll.title}-测评结果.xlsx", sheets=_results_sheets(results))
    score_rows, satisfaction_rows, grade_rows = [], [], []
    for subject in results.subjects:
        scores = [q for q in subject.questions if q.is_score]
        choices = [q for q in subject.questions if q.question.kind == PollQuestion.Kind.SATISFACTION]
        grades = [q for q in subject.questions if q.question.kind == PollQuestion.Kind.GRADE]
        if scores:
            score_rows.append({"result": subject, "questions": scores})
        if choices:
            satisfaction_rows.append({"result": subject, "questions": choices})
        if grades:
            grade_rows.append({"result": subject, "questions": grades})
    return render(
        request,
        "reviews/poll_results.html",
        {
            "poll": poll,
            "results": results,
            "turnout_required": turnout_label(poll),
            "score_rows": score_rows,
            "satisfaction_rows": satisfaction_rows,
            "grade_rows": grade_rows,
        },
    )


urlpatterns = [
    path("", poll_list, name="list"),
    path("new/", poll_create, name="create"),
    path("<int:pk>/", poll_detail, name="detail"),
    path("<int:pk>/settings/", poll_settings, name="settings"),
    path("<int:pk>/subjects/", subjects_add, name="subjects_add"),
    path("<int:pk>/subjects/<int:subject_pk>/remove/", subject_remove, name="subject_remove"),
    path("<int:pk>/questions/", question_add, name="question_add"),
    path("<int:pk>/questions/<int:question_pk>/remove/", question_remove, name="question_remove"),
    path("<int:pk>/codes/", codes_issue, name="codes_issue"),
    path("<int:pk>/codes/void/", codes_void, name="codes_void"),
    path("<int:pk>/open/", poll_open, name="open"),
    path("<int:pk>/turnout/", poll_turnout, name="turnout"),
    path("<int:pk>/close/", poll_close, name="close"),
    path("<int:pk>/results/", poll_results_view, name="results"),
]
