"""Mass evaluations run through the services, for the tests of reviews and reports (DOMAIN.md §7)."""

import datetime

from branches.models import PartyOrganization
from reviews.mass import (
    activity_record,
    mass_round_close,
    mass_round_create,
    public_service_record,
    self_introductions_set,
)
from reviews.models import MassActivity, MassRoundKind, Satisfaction
from reviews.services import ballot_cast, poll_codes_issue, poll_open
from tests.factories import MembershipFactory, PersonFactory

S, B, U = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED


def ballots(**counts):
    """A list of overall marks: ballots(S=5, B=3, U=2)."""
    marks = {"S": S, "B": B, "U": U}
    return [marks[key] for key, n in counts.items() for _ in range(n)]


def run_round(mass_round, actor, marks_by_label, *, codes=None):
    """Issue codes, open, cast one ballot per position (each subject gets the given overall mark and the same mark
    on every aspect), close. `marks_by_label` maps a subject's label to its list of marks (same length for all)."""
    poll = mass_round.poll
    count = len(next(iter(marks_by_label.values())))
    issued = poll_codes_issue(actor=actor, poll=poll, count=codes or count)
    poll_open(actor=actor, poll=poll)
    subjects = {s.label: s for s in poll.subjects.all()}
    questions = list(poll.questions.all())
    for i in range(count):
        answers = {}
        for label, marks in marks_by_label.items():
            subject = subjects[label]
            for question in questions:
                if question.applies_to_subject(subject):
                    answers[(subject.pk, question.pk)] = marks[i]
        ballot_cast(code=issued[i], answers=answers)
    return mass_round_close(actor=actor, mass_round=mass_round)


def build_coal_mine_round(chief, org):
    """The case of the fourth document of 003_… (银宇煤矿党支部), year-end round of 2025, closed: one branch of 9
    members, 8 满意 and 1 基本满意, the branch 满意, 3 meetings, 20 participants, 5 visits, 8 talks, 2 forums,
    30 opinion forms, 3 leaders reporting, 9 self-introductions, 5 things done for the public."""
    mine = PartyOrganization.objects.create(
        name="银宇煤矿党支部", kind=PartyOrganization.Kind.BRANCH, parent=org.general_2
    )
    names = ["王一", "王二", "王三", "王四", "王五", "王六", "王七", "王八", "王九"]
    for name in names:
        MembershipFactory(person=PersonFactory(name=name, unit=org.office), branch=mine)
    mass_round = mass_round_create(actor=chief, organization=mine, kind=MassRoundKind.YEAR_END, year=2025)
    day = datetime.date(2026, 1, 10)
    for _meeting in range(3):
        activity_record(
            actor=chief, mass_round=mass_round, organization=mine, kind=MassActivity.Kind.MEETING, held_on=day, count=1
        )
    for kind, count in [
        (MassActivity.Kind.VISIT, 5),
        (MassActivity.Kind.TALK, 8),
        (MassActivity.Kind.FORUM, 2),
        (MassActivity.Kind.OPINION_FORM, 30),
        (MassActivity.Kind.LEADER_REPORT, 3),
    ]:
        activity_record(actor=chief, mass_round=mass_round, organization=mine, kind=kind, held_on=day, count=count)
    for n in range(5):
        public_service_record(
            actor=chief, mass_round=mass_round, organization=mine, title=f"办实事{n + 1}", done_on=day
        )
    member_ids = set(mass_round.poll.subjects.filter(person__isnull=False).values_list("person_id", flat=True))
    self_introductions_set(actor=chief, mass_round=mass_round, person_ids=member_ids)
    marks = {name: ballots(S=20) for name in names[:8]}
    marks["王九"] = ballots(S=8, B=12)
    marks["银宇煤矿党支部"] = ballots(S=18, B=2)

    run_round(mass_round, chief, marks)
    return mass_round, mine
