"""Results of a closed poll (DOMAIN.md §6, §7), computed from Ballot/Answer on demand with exact arithmetic.

For each subject, each ballot is valid (every question that applies to the subject is marked), blank (none marked)
or invalid (some marked): blank and invalid ballots are counted and left out of every figure. A result below the
poll's minimum turnout (default two thirds of the codes issued) is marked invalid; the figures are still computed,
so the page can show what was cast, and whoever uses them checks `turnout_reached`.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from .models import Answer, Poll, PollQuestion, PollSubject, Satisfaction
from .rules import mean, satisfaction_rate, satisfaction_verdict, trimmed_mean, turnout_reached
from .services import PollError


class ResultsHidden(PollError):
    """Results exist only after the round closes (§7)."""


@dataclass
class QuestionResult:
    question: PollQuestion
    valid: int
    mean: Fraction | None = None
    trimmed_mean: Fraction | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    counts: dict[str, int] = field(default_factory=dict)
    satisfaction_rate: Fraction | None = None
    verdict: Satisfaction | None = None

    @property
    def is_score(self) -> bool:
        return self.question.kind == PollQuestion.Kind.SCORE


@dataclass
class SubjectResult:
    subject: PollSubject
    questions: list[QuestionResult]
    valid: int
    blank: int
    invalid: int
    # The component value of a score poll: the poll's mean (or trimmed mean) per score question, averaged over them.
    score: Fraction | None = None
    # Over all satisfaction questions of the subject, each valid mark counting once (one question: its own figures).
    counts: dict[str, int] = field(default_factory=dict)
    satisfaction_rate: Fraction | None = None
    verdict: Satisfaction | None = None


@dataclass
class PollResults:
    poll: Poll
    codes_issued: int
    ballots_cast: int
    turnout_reached: bool
    subjects: list[SubjectResult]

    @property
    def turnout(self) -> Fraction | None:
        return Fraction(self.ballots_cast, self.codes_issued) if self.codes_issued else None

    def subject_for_person(self, person_id: int) -> SubjectResult | None:
        return next((s for s in self.subjects if s.subject.person_id == person_id), None)

    def subject_for_organization(self, org_id: int) -> SubjectResult | None:
        return next((s for s in self.subjects if s.subject.organization_id == org_id), None)


def poll_results(poll: Poll) -> PollResults:
    """The results of a closed poll; ResultsHidden before it closes."""
    if poll.status != Poll.Status.CLOSED:
        raise ResultsHidden(_("投票结束后才能查看结果。"))
    subjects = list(PollSubject.objects.filter(poll=poll).select_related("person", "organization"))
    questions = list(PollQuestion.objects.filter(poll=poll))
    # (subject, ballot) -> {question: mark}; only marked answers exist as rows.
    marks: dict[int, dict[object, dict[int, Decimal | str]]] = defaultdict(lambda: defaultdict(dict))
    rows = Answer.objects.filter(ballot__poll=poll).values_list(
        "ballot_id", "subject_id", "question_id", "score", "choice"
    )
    for ballot_id, subject_id, question_id, score, choice in rows.iterator(chunk_size=5000):
        marks[subject_id][ballot_id][question_id] = score if score is not None else choice
    return PollResults(
        poll=poll,
        codes_issued=poll.codes_issued,
        ballots_cast=poll.ballots_cast,
        turnout_reached=turnout_reached(
            poll.ballots_cast, poll.codes_issued, poll.turnout_numerator, poll.turnout_denominator
        ),
        subjects=[
            _subject_result(poll, subject, [q for q in questions if q.applies_to_subject(subject)], marks[subject.pk])
            for subject in subjects
        ],
    )


def _subject_result(
    poll: Poll, subject: PollSubject, questions: list[PollQuestion], by_ballot: dict[object, dict[int, Decimal | str]]
) -> SubjectResult:
    asked = {q.pk for q in questions}
    valid_ballots = [m for m in by_ballot.values() if asked <= m.keys()]
    invalid = sum(1 for m in by_ballot.values() if m and not asked <= m.keys())
    question_results = [_question_result(q, [m[q.pk] for m in valid_ballots]) for q in questions]
    result = SubjectResult(
        subject=subject,
        questions=question_results,
        valid=len(valid_ballots),
        blank=poll.ballots_cast - len(valid_ballots) - invalid,
        invalid=invalid,
    )
    score_results = [r for r in question_results if r.is_score]
    if score_results:
        figures = [r.trimmed_mean if poll.trimmed_mean else r.mean for r in score_results]
        if all(f is not None for f in figures):
            result.score = mean(figures)
    satisfaction_results = [r for r in question_results if r.question.kind == PollQuestion.Kind.SATISFACTION]
    # With an overall question (总体评价) the verdict is that question's; the aspects are shown, not counted twice.
    overall = [r for r in satisfaction_results if r.question.is_overall]
    if overall:
        satisfaction_results = overall
    if satisfaction_results:
        counts = Counter(dict.fromkeys(Satisfaction.values, 0))
        for r in satisfaction_results:
            counts.update(r.counts)
        result.counts = dict(counts)
        tally = (counts[Satisfaction.SATISFIED], counts[Satisfaction.BASIC], counts[Satisfaction.UNSATISFIED])
        result.satisfaction_rate = satisfaction_rate(*tally)
        result.verdict = satisfaction_verdict(*tally)
    return result


def _question_result(question: PollQuestion, values: list[Decimal | str]) -> QuestionResult:
    result = QuestionResult(question=question, valid=len(values))
    if question.kind == PollQuestion.Kind.SCORE:
        scores = [v for v in values if isinstance(v, Decimal)]
        result.mean = mean(scores)
        result.trimmed_mean = trimmed_mean(scores)
        result.minimum = min(scores, default=None)
        result.maximum = max(scores, default=None)
        return result
    counts = Counter(dict.fromkeys((value for value, _label in question.choices), 0))
    counts.update(v for v in values if isinstance(v, str))
    result.counts = dict(counts)
    if question.kind == PollQuestion.Kind.GRADE:
        return result
    tally = (counts[Satisfaction.SATISFIED], counts[Satisfaction.BASIC], counts[Satisfaction.UNSATISFIED])
    result.satisfaction_rate = satisfaction_rate(*tally)
    result.verdict = satisfaction_verdict(*tally)
    return result
