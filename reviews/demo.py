"""Demo data of the party reviews (DOMAIN.md §7), built through the services like a secretary would, for the first
branch: last quarter's mass evaluation, closed, with its records, results and the rectification it opened, and this
quarter's round ready to issue codes; last year's democratic evaluation (mutual ballots, decisions, finalised), star
ratings, the secretary's report and the upper level's commentary; this year's public commitments and an open
democratic evaluation. Safe to run again: what exists is left alone."""

import datetime
import random

from django.utils import timezone

from branches.models import CommitteeTerm, PartyOrganization
from core.models import User
from members.models import Person
from members.periods import add_months

from .commentary import ITEMS
from .democratic import democratic_evaluation_create, democratic_evaluation_finalise, member_result_decide
from .mass import activity_record, mass_round_create, public_service_record, self_introductions_set
from .models import (
    CommentaryLevel,
    DemocraticEvaluation,
    LeaderCommentary,
    MassActivity,
    MassEvaluationRound,
    MassRoundKind,
    MemberGrade,
    Poll,
    PublicCommitment,
    Rectification,
    Satisfaction,
    SecretaryReport,
    StarRating,
)
from .records import (
    commentary_record,
    commitment_make,
    commitment_update_fulfilment,
    secretary_report_save,
    star_rating_set,
)
from .services import ballot_cast, poll_close, poll_codes_issue, poll_open

SEED = 7
PERSONAL_COMMITMENTS = ["按时办结经手事项，不拖不压", "每季度至少为群众办一件实事", "带头学习，全年撰写学习体会 4 篇"]
S, B, U = Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED


def _quarter(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _previous_quarter(day: datetime.date) -> tuple[int, int]:
    year, quarter = _quarter(day)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def _quarter_end(year: int, quarter: int) -> datetime.date:
    return add_months(datetime.date(year, 3 * quarter, 1), 1) - datetime.timedelta(days=1)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def build_mass_demo(*, today: datetime.date, secretary: User, branch: PartyOrganization) -> None:
    year, quarter = _previous_quarter(today)
    if not MassEvaluationRound.objects.filter(
        organization=branch, kind=MassRoundKind.QUARTER, year=year, period=quarter
    ).exists():
        _closed_round(secretary, branch, year, quarter)
    year, quarter = _quarter(today)
    if not MassEvaluationRound.objects.filter(
        organization=branch, kind=MassRoundKind.QUARTER, year=year, period=quarter
    ).exists():
        mass_round_create(actor=secretary, organization=branch, kind=MassRoundKind.QUARTER, year=year, period=quarter)


def _closed_round(secretary: User, branch: PartyOrganization, year: int, quarter: int) -> None:
    rng = random.Random(SEED + year * 10 + quarter)  # noqa: S311  # nosec B311  # reproducible demo data, not a secret
    end = _quarter_end(year, quarter)
    mass_round = mass_round_create(
        actor=secretary, organization=branch, kind=MassRoundKind.QUARTER, year=year, period=quarter, on_date=end
    )
    poll = mass_round.poll
    meeting_day = end - datetime.timedelta(days=6)
    for kind, count, note in [
        (MassActivity.Kind.MEETING, 1, "支部群众评议会"),
        (MassActivity.Kind.MEETING, 1, "服务对象代表座谈评议会"),
        (MassActivity.Kind.VISIT, 6, "走访联系社区和服务对象"),
        (MassActivity.Kind.TALK, 9, ""),
        (MassActivity.Kind.FORUM, 2, ""),
        (MassActivity.Kind.OPINION_FORM, 40, "发放征求意见表 40 张，收回 36 张"),
        (MassActivity.Kind.LEADER_REPORT, 1, "支部书记通报活动开展情况"),
        (MassActivity.Kind.UPPER_ATTENDANCE, 2, "机关工委指派 2 人参加"),
    ]:
        activity_record(
            actor=secretary, mass_round=mass_round, organization=branch, kind=kind, held_on=meeting_day,
            count=count, note=note,
        )  # fmt: skip
    for title in ["为社区老人上门办理社保认证", "清理小区楼道杂物", "协调解决路灯不亮问题"]:
        public_service_record(
            actor=secretary, mass_round=mass_round, organization=branch, title=title,
            done_on=meeting_day - datetime.timedelta(days=rng.randint(5, 60)),
        )  # fmt: skip
    members = list(poll.subjects.filter(person__isnull=False))
    self_introductions_set(
        actor=secretary, mass_round=mass_round, person_ids={s.person_id for s in members[: max(len(members) - 1, 0)]}
    )
    codes = poll_codes_issue(actor=secretary, poll=poll, count=24)
    poll_open(actor=secretary, poll=poll)
    # One member the public is not satisfied with, so the demo shows a rectification.
    weak = members[-1].pk if members else None
    questions = list(poll.questions.all())
    subjects = list(poll.subjects.all())
    for code in codes[:21]:
        answers = {}
        for subject in subjects:
            if subject.pk == weak:
                mark = rng.choices([S, B, U], weights=[2, 2, 6])[0]
            else:
                mark = rng.choices([S, B, U], weights=[8, 2, 0.3])[0]
            for question in questions:
                if question.applies_to_subject(subject):
                    answers[(subject.pk, question.pk)] = mark if question.is_overall else rng.choice([mark, mark, S, B])
        ballot_cast(code=code, answers=answers)
    poll_close(actor=secretary, poll=poll)
    # Shown as held at the end of the quarter: move the dates the close wrote "today".
    closed = _at(end, 16)
    Poll.objects.filter(pk=poll.pk).update(
        created_at=_at(end - datetime.timedelta(days=10), 9), opened_at=_at(meeting_day, 9), closed_at=closed
    )
    Rectification.objects.filter(round=mass_round).update(
        deadline=add_months(end, 1), reevaluation_due=add_months(end, 3)
    )


def build_reviews_demo(*, today: datetime.date, secretary: User, officer: User, branch: PartyOrganization) -> None:
    build_mass_demo(today=today, secretary=secretary, branch=branch)
    _democratic(today, secretary, branch)
    _commitments(today, secretary, branch)
    _last_year_records(today, secretary, officer, branch)


def _democratic(today: datetime.date, secretary: User, branch: PartyOrganization) -> None:
    rng = random.Random(SEED + today.year)  # noqa: S311  # nosec B311  # reproducible demo data, not a secret
    last_year = today.year - 1
    if not DemocraticEvaluation.objects.filter(branch=branch, year=last_year).exists():
        evaluation = democratic_evaluation_create(actor=secretary, branch=branch, year=last_year)
        poll = evaluation.mutual_poll
        members = list(evaluation.members.select_related("person").order_by("person__name"))
        codes = poll_codes_issue(actor=secretary, poll=poll, count=len(members))
        poll_open(actor=secretary, poll=poll)
        question = poll.questions.get()
        subjects = list(poll.subjects.all())
        weights = [3, 6, 1, 0.1]
        for code in codes:
            answers = {(s.pk, question.pk): rng.choices(MemberGrade.values, weights=weights)[0] for s in subjects}
            ballot_cast(code=code, answers=answers)
        poll_close(actor=secretary, poll=poll)
        for index, member in enumerate(members):
            result, reason = (
                (MemberGrade.EXCELLENT, "带头完成急难险重任务，群众评价高")
                if index % 5 == 0
                else (MemberGrade.QUALIFIED, "履行党员义务，发挥作用较好")
            )
            member_result_decide(actor=secretary, member_evaluation=member, result=result, reason=reason)
        democratic_evaluation_finalise(actor=secretary, evaluation=evaluation)
    if not DemocraticEvaluation.objects.filter(branch=branch, year=today.year).exists():
        democratic_evaluation_create(actor=secretary, branch=branch, year=today.year)


def _commitments(today: datetime.date, secretary: User, branch: PartyOrganization) -> None:
    made_on = datetime.date(today.year, 2, 20)
    if today < made_on or PublicCommitment.objects.filter(branch=branch, year=today.year).exists():
        return
    commitment_make(
        actor=secretary, year=today.year, branch=branch, made_on=made_on,
        content="全年开展“我为群众办实事”活动不少于 4 次；每季度走访联系社区一次；办件群众满意率保持 95% 以上。",
    )  # fmt: skip
    people = Person.objects.filter(
        pk__in=MassEvaluationRound.objects.filter(organization=branch).values_list(
            "poll__subjects__person_id", flat=True
        )
    ).order_by("name")
    for index, person in enumerate(people):
        commitment = commitment_make(
            actor=secretary, year=today.year, branch=branch, person=person, made_on=made_on,
            content=PERSONAL_COMMITMENTS[index % len(PERSONAL_COMMITMENTS)],
        )  # fmt: skip
        if index % 2 == 0:
            commitment_update_fulfilment(
                actor=secretary, commitment=commitment, fulfilment=PublicCommitment.Fulfilment.FULFILLED,
                note="已按承诺完成", evidence="工作台账、服务对象回访记录",
            )  # fmt: skip


def _last_year_records(today: datetime.date, secretary: User, officer: User, branch: PartyOrganization) -> None:
    year = today.year - 1
    evaluation = DemocraticEvaluation.objects.filter(branch=branch, year=year).first()
    if evaluation is not None and not StarRating.objects.filter(branch=branch, year=year).exists():
        for member in evaluation.members.select_related("person"):
            stars = 5 if member.result == MemberGrade.EXCELLENT else 4
            star_rating_set(
                actor=secretary, year=year, branch=branch, person=member.person, stars=stars,
                reasons="民主评议为" + member.get_result_display() + "，" + member.reason,
            )  # fmt: skip
    term = CommitteeTerm.objects.filter(organization=branch, elected_on__lte=datetime.date(year, 12, 31)).first()
    chair = term.members.filter(post="secretary").select_related("person").first() if term else None
    if chair is not None and not SecretaryReport.objects.filter(branch=branch, year=year).exists():
        secretary_report_save(
            actor=secretary, year=year, branch=branch, secretary=chair.person,
            report="一年来，支部坚持“三会一课”，开展主题党日 12 次，完成党员发展 1 名，为群众办实事 9 件。"
            "不足：理论学习形式较单一，对青年党员的教育管理需加强。",
            reported_to_members_on=datetime.date(today.year, 1, 12), members_assessment=Satisfaction.SATISFIED,
        )  # fmt: skip
    if not LeaderCommentary.objects.filter(branch=branch, year=year).exists():
        items = {item.key: "组织有力，按计划完成，效果较好。" for item in ITEMS[CommentaryLevel.UPPER_ON_BRANCH]}
        commentary_record(
            actor=officer, year=year, level=CommentaryLevel.UPPER_ON_BRANCH, branch=branch,
            commentator_name="王立群", commentator_post="机关工委副书记",
            commented_on=datetime.date(today.year, 1, 15), items=items,
            strengths="支部班子团结，公开承诺兑现好。", improvements="群众评议中反映的办事效率问题要抓紧整改。",
        )  # fmt: skip
