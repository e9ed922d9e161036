"""The participants' pages (public, no login): enter a code, fill in the ballot, done (DOMAIN.md §7).

Nothing here is logged or stored with a ballot but the ballot itself (reviews.services.ballot_cast). The code
travels in POST bodies only, never in a URL; pages are not cached, so a shared phone's back button shows no code.
A used code answers 409 with a clear message; results are never shown here.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .forms import BallotForm, CodeForm
from .models import MassEvaluationRound, Poll, PollQuestion
from .records_selectors import commitments_for
from .services import CodeRejected, PollError, ballot_cast, ballot_poll_for_code

CONFLICT = 409


def _code_page(request: HttpRequest, form: CodeForm, rejected: CodeRejected | None = None) -> HttpResponse:
    """The code form; a used code, or a poll not open, is a conflict with the state of things (409)."""
    if rejected is not None:
        form.add_error("code", rejected.message)
    status = CONFLICT if rejected is not None and rejected.reason in ("used", "not_open") else 200
    return render(request, "reviews/vote_code.html", {"form": form}, status=status)


def _filled_code_form(code: str) -> CodeForm:
    """The code form as if the code had been typed, for a refusal that comes after the code page."""
    form = CodeForm({"code": code})
    form.is_valid()
    return form


def _ballot_form(poll: Poll, data=None, initial=None) -> BallotForm:
    return BallotForm(data, initial=initial, subjects=list(poll.subjects.all()), questions=list(poll.questions.all()))


def _commitments(poll: Poll) -> dict[int, object]:
    """A mass evaluation shows each subject's public commitment of the year beside it (§7): the participants judge
    whether it was kept. Commitments are public by nature."""
    if poll.kind != Poll.Kind.MASS:
        return {}
    mass_round = MassEvaluationRound.objects.filter(poll=poll).first()
    if mass_round is None:
        return {}
    subjects = list(poll.subjects.all())
    found = commitments_for(
        year=mass_round.year,
        person_ids=[s.person_id for s in subjects if s.person_id],
        organization_ids=[s.organization_id for s in subjects if s.organization_id],
    )
    by_subject = {}
    for subject in subjects:
        commitment = found.get((subject.subject_kind, subject.person_id or subject.organization_id))
        if commitment is not None:
            by_subject[subject.pk] = commitment
    return by_subject


def _ballot_page(request: HttpRequest, poll: Poll, form: BallotForm, **extra) -> HttpResponse:
    commitments = _commitments(poll)
    rows = [(subject, fields, commitments.get(subject.pk)) for subject, fields in form.bound_rows()]
    kinds = {question.kind for _subject, fields in form.bound_rows() for question, _field in fields}
    context = {"poll": poll, "form": form, "rows": rows, "has_scores": PollQuestion.Kind.SCORE in kinds}
    return render(request, "reviews/vote_ballot.html", {**context, **extra})


@login_not_required
@never_cache
def start(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _code_page(request, form)
    code = form.cleaned_data["code"]
    try:
        poll = ballot_poll_for_code(code)
    except CodeRejected as exc:
        return _code_page(request, form, exc)
    return _ballot_page(request, poll, _ballot_form(poll, initial={"code": code}))


@login_not_required
@never_cache
@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("code", "")
    try:
        poll = ballot_poll_for_code(code)
    except CodeRejected as exc:
        return _code_page(request, _filled_code_form(code), exc)
    form = _ballot_form(poll, request.POST)
    if not form.is_valid():
        return _ballot_page(request, poll, form)
    incomplete = form.incomplete_subjects()
    if incomplete and not form.cleaned_data["confirm_incomplete"]:
        # Ask once: the marks given to a subject only in part will not count.
        data = request.POST.copy()
        data["confirm_incomplete"] = "1"
        confirmed = _ballot_form(poll, data)
        confirmed.is_valid()
        return _ballot_page(request, poll, confirmed, incomplete=incomplete)
    try:
        ballot_cast(code=code, answers=form.answers())
    except CodeRejected as exc:
        return _code_page(request, _filled_code_form(code), exc)
    except PollError as exc:
        form.add_error(None, exc.message)
        return _ballot_page(request, poll, form)
    return redirect("vote:thanks")


@login_not_required
@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/vote_thanks.html")


urlpatterns = [
    path("", start, name="start"),
    path("ballot/", submit, name="submit"),
    path("thanks/", thanks, name="thanks"),
]
