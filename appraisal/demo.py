"""Demo data of the routine appraisal (DOMAIN.md §5) for `manage.py seed_demo`, built on the demo organ of
members/demo.py: this year's quarterly-graded cycle with one group per department, monthly logs of the past
months, quarterly summaries, signed ratings of the past quarters, publications, commendations and penalties; and
the mid-level cadre appraisal (§6) of last year and this year (appraisal/demo_cadre.py).

Everything is keyed on natural keys (cycle name, group name, person and month or quarter, document number), so a
second run adds nothing. Choices come from a seeded random.Random, so every run on the same day draws the same.
Groups, ratings, revisions, publications, acknowledgements and commendations go through the services, so their
rules (scope, quota, recusal, signatures) are the real ones; logs and summaries are bulk-inserted, as a year of
them entered one by one would take too long. What happened in the past is then dated in the past, as
members/demo.py does for meetings.
"""

import datetime
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone

from branches.models import Unit
from core.audit import audit_backdated
from core.maintenance import sealed_rows_writable
from core.models import User
from core.roles import Role
from core.workdays import last_working_day_of_quarter, working_day
from members.models import Person, ServiceStatus
from members.scopes import scope_for

from . import feedback, setup
from .demo_cadre import build_cadre_demo
from .models import (
    Acknowledgement,
    AdmonishmentTask,
    AppraisalGroup,
    Commendation,
    Cycle,
    Delegation,
    Grade,
    Kinship,
    LogStatus,
    LogTask,
    MonthlyLog,
    Publication,
    QuarterlySummary,
    Rating,
)
from .reminders import reminders_send
from .rules import excellent_quota, rules_for_year
from .services import (
    RatingEntry,
    content_hash,
    current_ratings,
    group_sign,
    log_due_date,
    rating_revise,
    summary_prefill,
)

SEED = 20260702
# The demo logins of members/demo.py.
OFFICER, LEADER, PRINCIPAL, UNIT_HEAD, STAFF = "officer", "leader", "principal", "unithead", "staff"
# The department whose group keeps its most recent past quarter unsigned: work waiting for the demo leader.
UNSIGNED_DEPARTMENT = "宣传部"
# The department where one appraisee is a relative of the demo leader (回避), rated by the principal instead.
RECUSAL_DEPARTMENT = "宣传部"
# The department of the one 不称职 of the most recent past quarter (its admonishment talk is left open).
INCOMPETENT_DEPARTMENT = "统战部"

TASKS = {
    "办公室": ["起草机关工作要点", "筹备区委常委会会议", "督办重点工作落实情况", "做好公文运转和机要保密工作",
               "完成信息报送和政务值班", "组织机关作风建设专项检查", "编印《工作动态》", "做好会务接待保障"],
    "组织部": ["开展干部考察工作", "组织党员教育培训", "推进基层党组织标准化建设", "做好干部档案专项审核",
               "统计党内数据", "办理组织关系转接", "组织年轻干部座谈会"],
    "宣传部": ["组织理论学习中心组学习", "开展网络舆情监测", "策划主题宣传活动", "编发新闻稿件",
               "推进新时代文明实践中心建设", "组织志愿服务活动"],
    "统战部": ["联系服务党外代表人士", "开展民族宗教工作调研", "组织新的社会阶层人士活动", "做好侨务工作",
               "筹备统一战线工作会议"],
    "政策研究室": ["起草专题调研报告", "完成重要讲话稿起草", "开展改革任务督察", "整理决策参考材料",
                   "撰写经济形势分析"],
    "团工委": ["组织青年理论学习小组活动", "开展青年志愿服务", "推进团员发展工作", "举办青年干部读书会",
               "做好少先队工作指导"],
}  # fmt: skip
GENERIC_TASKS = ["完成领导交办事项", "做好科室日常工作", "参加机关集中学习"]
RESULTS = ["已完成", "按时完成，质量较好", "已完成，获领导肯定", "完成，材料已归档", "按计划推进，已完成阶段任务"]
STUDY = [
    "参加机关集中学习 2 次，自学党的二十届四中全会精神",
    "参加“学习强国”专题学习，完成网络培训 12 学时",
    "参加支部主题党日学习，撰写心得体会一篇",
    "参加全区业务培训班，学习公文写作规范",
]
INTEGRITY = [
    "严格遵守中央八项规定精神，无违规违纪情况。",
    "认真落实廉洁自律各项规定，无收受礼品礼金等情况。",
    "严守工作纪律和保密纪律，廉洁自律情况良好。",
]
LEAVE_NOTES = ["年休假", "病假", "事假", "婚假"]
OPINIONS = {
    Grade.EXCELLENT: "工作主动，成效突出，圆满完成本季度各项任务，表现优秀。",
    Grade.COMPETENT: "能够认真履行岗位职责，按时完成各项工作任务，遵守纪律。",
    Grade.BASIC: "基本能完成工作任务，但工作主动性不足，部分任务推进较慢，需进一步改进。",
    Grade.INCOMPETENT: "本季度多项工作任务未按要求完成，月记实未按时提交，工作纪律松散，经研究评为不称职。",
}
REVISION_REASON = "经核实，该同志本季度请假系参加组织安排的脱产培训，相关工作已按期完成，更正为称职。"
COMMENDATIONS = [
    # (department, index of the person in the group, kind, level, title, work item, document number, days ago)
    ("办公室", 3, Commendation.Kind.COMMENDATION, Commendation.Level.CITY, "全市机关档案工作先进个人",
     "机关档案规范化管理", "市档发〔{y}〕12号", 40),
    ("组织部", 2, Commendation.Kind.COMMENDATION, Commendation.Level.PROVINCE, "全省组织工作信息宣传先进个人",
     "组织工作信息宣传", "省组通〔{y}〕27号", 75),
    ("宣传部", 4, Commendation.Kind.COMMENDATION, Commendation.Level.DISTRICT, "全区网络宣传工作先进个人",
     "网络宣传工作", "区宣发〔{y}〕8号", 110),
    ("宣传部", 4, Commendation.Kind.COMMENDATION, Commendation.Level.CITY, "全市网络宣传工作先进个人",
     "网络宣传工作", "市宣通〔{y}〕15号", 60),
    ("政策研究室", 5, Commendation.Kind.PENALTY, Commendation.Level.DISTRICT, "通报批评",
     "公文办理超期", "区委办通〔{y}〕5号", 90),
]  # fmt: skip


@dataclass
class DemoResult:
    logs: int = 0
    summaries: int = 0
    ratings: int = 0
    publications: int = 0
    commendations: int = 0


def _quarter_end_at(year: int, quarter: int) -> datetime.datetime:
    """Signing time in the past: the afternoon of the quarter's last working day, in UTC as the database gives it
    back (a signature covers this time, so it must read back exactly)."""
    day = last_working_day_of_quarter(year, quarter).day
    local = timezone.make_aware(datetime.datetime.combine(day, datetime.time(16, 30)))
    return local.astimezone(datetime.UTC)


def _working_days(year: int, month: int) -> list[datetime.date]:
    day = datetime.date(year, month, 1)
    days = []
    while day.month == month:
        if working_day(day)[0]:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


@contextmanager
def _signing_as(user: User) -> Iterator[str]:
    """Signing asks the leader to re-enter their password (issue 4 item 10). The demo leaders' passwords are random
    and a real check costs a second of PBKDF2 per signing step, so this in-memory user object, and nothing stored,
    accepts one throwaway password while the builder signs past quarters in the leader's name."""
    token = f"demo-signing-{user.pk}"
    user.check_password = lambda raw: raw == token  # type: ignore[method-assign]
    try:
        yield token
    finally:
        del user.check_password


class Builder:
    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.year = today.year
        self.rng = random.Random(SEED + today.toordinal())  # noqa: S311  # nosec B311  # reproducible demo data, not a secret
        self.users = {
            u.username: u for u in User.objects.filter(username__in=[OFFICER, LEADER, PRINCIPAL, UNIT_HEAD, STAFF])
        }
        self.officer = self.users[OFFICER]
        self.result = DemoResult()
        # Past quarters of this year: their last working day is before today's quarter began.
        current_quarter = (today.month - 1) // 3 + 1
        self.past_quarters = list(range(1, current_quarter))

    # ---- cycle and groups ------------------------------------------------------------------------------------

    def cycle(self) -> tuple[Cycle, bool]:
        """This year's cycle, and whether it was opened just now."""
        name = f"{self.year}年度平时考核"
        cycle = Cycle.objects.filter(year=self.year, name=name).first()
        if cycle is not None:
            return cycle, False
        return setup.cycle_create(year=self.year, name=name, kind=Cycle.Kind.QUARTERLY_GRADED, by=self.officer), True

    def opened_at(self) -> datetime.datetime:
        """The officer set the year up on its first working day."""
        day = datetime.date(self.year, 1, 1)
        while not working_day(day)[0]:
            day += datetime.timedelta(days=1)
        return min(timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30))), timezone.now())

    def delegation(self) -> None:
        """The demo leader was away for a week a few weeks ago; the principal leader could sign for him. Added after
        the ratings, so that the past quarters were signed by the leaders themselves."""
        leader, principal = self.users[LEADER], self.users[PRINCIPAL]
        if Delegation.objects.filter(leader=leader, acting=principal).exists():
            return
        starts_on = self.today - datetime.timedelta(days=21)
        with audit_backdated(timezone.make_aware(datetime.datetime.combine(starts_on, datetime.time(10, 0)))):
            setup.delegation_add(
                leader=leader, acting=principal, starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=6),
                reason="参加区委党校主体班学习", by=self.officer,
            )  # fmt: skip

    def groups(self, cycle: Cycle) -> list[AppraisalGroup]:
        units = scope_for(self.officer).units_for(Role.ORG_OFFICER)
        departments = Unit.objects.filter(pk__in=units, kind=Unit.Kind.DEPARTMENT).order_by("sort_order", "id")
        coverage = setup.leader_coverage([self.users[LEADER].pk])
        leader_units = coverage.get(self.users[LEADER].pk, frozenset())
        groups = []
        for department in departments:
            group = AppraisalGroup.objects.filter(cycle=cycle, name=department.name).first()
            if group is None:
                people = list(
                    Person.objects.filter(unit=department, service_status=ServiceStatus.IN_SERVICE)
                    .exclude(appraisals__cycle=cycle)
                    .order_by("name")
                )
                if not people:
                    continue
                leader = self.users[LEADER] if department.pk in leader_units else self.users[PRINCIPAL]
                group = setup.group_create(
                    cycle=cycle, name=department.name, leader=leader, people=people, by=self.officer
                )
            groups.append(group)
        return groups

    def recusal(self, group: AppraisalGroup) -> None:
        """One appraisee is a relative of the group's leader: rated by the principal leader instead (回避)."""
        leader_person = Person.objects.filter(user=group.leader).first()
        appraisee = group.appraisees.select_related("person", "group").order_by("person__name").first()
        if leader_person is None or appraisee is None or appraisee.rating_leader_id:
            return
        Kinship.objects.get_or_create(person=leader_person, relative=appraisee.person, defaults={"relation": "近姻亲"})
        setup.appraisee_rating_leader_set(appraisee=appraisee, leader=self.users[PRINCIPAL], by=self.officer)

    # ---- monthly logs ----------------------------------------------------------------------------------------

    def logs(self, groups: list[AppraisalGroup]) -> None:
        """Submitted logs for the past months (a few late, a few missing, one sent back, comments in 办公室), and
        drafts of this month for about half of the people."""
        people = [
            (group.name, a.person)
            for group in groups
            for a in group.appraisees.select_related("person").order_by("person__name")
        ]
        existing = set(
            MonthlyLog.objects.filter(year=self.year, person__in=[p for _g, p in people]).values_list(
                "person_id", "month"
            )
        )
        unit_head = self.users[UNIT_HEAD]
        staff_person = Person.objects.filter(user=self.users[STAFF]).first()
        returned_done = MonthlyLog.objects.filter(year=self.year, status=LogStatus.RETURNED).exists()
        past_months = list(range(1, self.today.month))
        logs: list[MonthlyLog] = []
        tasks: list[list[LogTask]] = []
        for month in [*past_months, self.today.month]:
            days = [day for day in _working_days(self.year, month) if day <= self.today]
            due = log_due_date(self.year, month).day
            current = month == self.today.month
            for department, person in people:
                if (person.pk, month) in existing:
                    continue
                # Whether a log is missing, late or not started depends on the person and month alone, so a second
                # run does not fill in the gaps of the first.
                roll = random.Random(f"{SEED}-{person.pk}-{self.year}-{month}").random()  # noqa: S311  # nosec B311  # demo data
                is_staff = person == staff_person
                if current and not is_staff and roll < 0.5:
                    continue  # not started yet
                if not current and not is_staff and roll < 0.03:
                    continue  # missing
                log = self.log(person, department, month, days)
                if current:
                    log.status = LogStatus.DRAFT
                elif not returned_done and department == "办公室" and month == past_months[-1] and not is_staff:
                    returned_done = True
                    log.status = LogStatus.RETURNED
                    log.submitted_at = self.stamp(due - datetime.timedelta(days=1))
                    log.return_reason = "本月完成工作任务填写过简，请补充各项任务的完成情况和完成时间后重新提交。"
                    log.returned_by = unit_head
                else:
                    late = not is_staff and roll > 0.93
                    submitted_on = (
                        due + datetime.timedelta(days=self.rng.randint(1, 6))
                        if late
                        else due - datetime.timedelta(days=self.rng.randint(0, 3))
                    )
                    log.status = LogStatus.SUBMITTED
                    log.is_late = late
                    log.submitted_at = self.stamp(min(submitted_on, self.today))
                    if department == "办公室" and person.user_id != unit_head.pk and self.rng.random() < 0.6:
                        log.unit_head_comment = self.rng.choice(
                            ["工作认真，完成较好。", "任务完成及时，材料质量较高。", "请进一步加强统筹，提高工作效率。"]
                        )
                        log.commented_by = unit_head
                        log.commented_at = min(log.submitted_at + datetime.timedelta(days=2), timezone.now())
                logs.append(log)
                tasks.append(self.tasks(department, days))
        MonthlyLog.objects.bulk_create(logs)
        for log, rows in zip(logs, tasks, strict=True):
            for position, task in enumerate(rows, start=1):
                task.log, task.position = log, position
        LogTask.objects.bulk_create(task for rows in tasks for task in rows)
        self.result.logs = len(logs)

    def stamp(self, day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(self.rng.randint(9, 17), self.rng.randint(0, 59)))
        )

    def log(self, person: Person, department: str, month: int, days: list[datetime.date]) -> MonthlyLog:
        leave = self.rng.choice([0, 0, 0, 0, 0, 1, 2, 3])
        pool = TASKS.get(department, GENERIC_TASKS)
        return MonthlyLog(
            person=person,
            year=self.year,
            month=month,
            unit=person.unit,
            duties=f"认真履行{person.position or '岗位'}职责，{self.rng.choice(pool)}，{self.rng.choice(pool)}。",
            attendance_days=max(len(days) - leave, 0),
            leave_days=leave,
            leave_note=self.rng.choice(LEAVE_NOTES) if leave else "",
            study_training=self.rng.choice(STUDY),
            integrity=self.rng.choice(INTEGRITY),
            next_month_plan=f"继续{self.rng.choice(pool)}，{self.rng.choice(pool)}。",
        )

    def tasks(self, department: str, days: list[datetime.date]) -> list[LogTask]:
        pool = TASKS.get(department, GENERIC_TASKS)
        chosen = self.rng.sample(pool, k=min(len(pool), self.rng.randint(2, 4)))
        return [
            LogTask(task=task, result=self.rng.choice(RESULTS), completed_on=self.rng.choice(days) if days else None)
            for task in chosen
        ]

    # ---- summaries, ratings, publications --------------------------------------------------------------------

    def summaries(self, groups: list[AppraisalGroup]) -> None:
        unit_head = self.users[UNIT_HEAD]
        office = {a.person_id for g in groups if g.name == "办公室" for a in g.appraisees.all()}
        rows = []
        for quarter in self.past_quarters:
            written = set(
                QuarterlySummary.objects.filter(year=self.year, quarter=quarter).values_list("person_id", flat=True)
            )
            for group in groups:
                for appraisee in group.appraisees.select_related("person__unit"):
                    person = appraisee.person
                    if person.pk in written:
                        continue
                    fields = summary_prefill(person=person, year=self.year, quarter=quarter)
                    rows.append(
                        QuarterlySummary(
                            person=person,
                            year=self.year,
                            quarter=quarter,
                            unit=person.unit,
                            duties=fields["duties"] or "按岗位职责开展工作。",
                            tasks_completed=fields["tasks_completed"] or "见各月工作记实。",
                            attendance=fields["attendance"],
                            unfinished_explanation=""
                            if "未提交" not in fields["attendance"]
                            else "个别月份月记实未按时提交，已督促补交。",
                            written_by=unit_head if person.pk in office else None,
                        )
                    )
        QuarterlySummary.objects.bulk_create(rows)
        self.result.summaries = len(rows)

    def grades(self, group: AppraisalGroup, quarter: int) -> dict[int, str]:
        """By appraisee id: the quota of 优秀 (15%, rounded down) in turn, a 基本称职 now and then, one 不称职 in
        the most recent past quarter, 称职 for the rest."""
        appraisees = list(group.appraisees.order_by("person__name"))
        quota = excellent_quota(len(appraisees), rules_for_year(self.year))
        grades = {a.pk: Grade.COMPETENT for a in appraisees}
        start = (quarter - 1) * max(quota, 1)
        for a in appraisees[start : start + quota]:
            grades[a.pk] = Grade.EXCELLENT
        if self.rng.random() < 0.5:
            grades[appraisees[-2].pk] = Grade.BASIC
        if group.name == INCOMPETENT_DEPARTMENT and quarter == self.past_quarters[-1]:
            grades[appraisees[-1].pk] = Grade.INCOMPETENT
        if quarter == self.past_quarters[0] and group.name == "办公室":
            grades[appraisees[-3].pk] = Grade.BASIC  # revised to 称职 below
        return grades

    def ratings(self, groups: list[AppraisalGroup]) -> None:
        for quarter in self.past_quarters:
            end = last_working_day_of_quarter(self.year, quarter).day
            at = _quarter_end_at(self.year, quarter)
            for group in groups:
                if Rating.objects.filter(group=group, period=quarter).exists():
                    continue
                grades = self.grades(group, quarter)
                entries = {pk: RatingEntry(grade, OPINIONS[grade]) for pk, grade in grades.items()}
                signers = [group.leader]
                if group.appraisees.filter(rating_leader__isnull=False).exists():
                    signers.append(self.users[PRINCIPAL])
                if group.name == UNSIGNED_DEPARTMENT and quarter == self.past_quarters[-1]:
                    signers.remove(group.leader)  # left for the demo leader to sign
                for signer in signers:
                    with _signing_as(signer) as password, audit_backdated(at):
                        signed = group_sign(
                            group=group, period=quarter, entries=entries, password=password, by=signer, today=end
                        )
                    self.backdate(signed, at)
                    self.result.ratings += len(signed)
        self.revision(groups)

    def backdate(self, ratings: list[Rating], at: datetime.datetime) -> None:
        """Signed on the quarter's last working day: the time is part of what was signed, so seal it again. The
        database refuses changes to signed ratings except under the maintenance switch (RELIABILITY R12)."""
        with sealed_rows_writable():
            for rating in ratings:
                content = {**rating.signed_content, "signed_at": at.isoformat()}
                Rating.objects.filter(pk=rating.pk).update(
                    signed_at=at, signed_content=content, content_hash=content_hash(content)
                )
        AdmonishmentTask.objects.filter(rating__in=ratings).update(opened_at=at)

    def revision(self, groups: list[AppraisalGroup]) -> None:
        """One 基本称职 of 办公室's first past quarter corrected to 称职, a week later, with its reason."""
        office = next((g for g in groups if g.name == "办公室"), None)
        if office is None or not self.past_quarters:
            return
        quarter = self.past_quarters[0]
        if Rating.objects.filter(group=office, period=quarter, revision__gt=1).exists():
            return
        rating = Rating.objects.filter(group=office, period=quarter, grade=Grade.BASIC).order_by("person__name").first()
        if rating is None:
            return
        end = last_working_day_of_quarter(self.year, quarter).day
        later = min(end + datetime.timedelta(days=7), self.today)
        at = min(timezone.make_aware(datetime.datetime.combine(later, datetime.time(10, 0))), timezone.now())
        at = at.astimezone(datetime.UTC)
        with _signing_as(office.leader) as password, audit_backdated(at):
            revised = rating_revise(
                rating=rating, grade=Grade.COMPETENT, opinion=OPINIONS[Grade.COMPETENT], reason=REVISION_REASON,
                password=password, by=office.leader, today=later,
            )  # fmt: skip
        self.backdate([revised], at)

    def publications(self, groups: list[AppraisalGroup]) -> None:
        """Each fully signed group's quarter is published five days after signing, except 办公室's most recent one,
        left for the demo officer to publish; the demo staff member has acknowledged her published results."""
        staff_person_id = Person.objects.filter(user=self.users[STAFF]).values_list("pk", flat=True).first()
        for quarter in self.past_quarters:
            end = last_working_day_of_quarter(self.year, quarter).day
            at = min(
                timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=5), datetime.time(9, 0))),
                timezone.now() - datetime.timedelta(hours=3),
            )
            for group in groups:
                if group.name == "办公室" and quarter == self.past_quarters[-1]:
                    continue
                signed = current_ratings(group, quarter)
                if len(signed) < group.appraisees.count():
                    continue
                if Publication.objects.filter(group=group, year=self.year, period=quarter).exists():
                    continue
                with audit_backdated(at):
                    publication = feedback.group_publish(group=group, period=quarter, by=self.officer)
                    mine = next((r for r in signed.values() if r.person_id == staff_person_id), None)
                    acknowledgement = None
                    if mine is not None and not Acknowledgement.objects.filter(rating=mine).exists():
                        acknowledgement = feedback.rating_acknowledge(rating=mine, by=self.users[STAFF])
                Publication.objects.filter(pk=publication.pk).update(published_at=at)
                self.result.publications += 1
                if acknowledgement is not None:
                    Acknowledgement.objects.filter(pk=acknowledgement.pk).update(
                        acknowledged_at=at + datetime.timedelta(hours=3)
                    )

    def commendations(self, groups: list[AppraisalGroup]) -> None:
        by_name = {g.name: list(g.appraisees.select_related("person").order_by("person__name")) for g in groups}
        for department, index, kind, level, title, work_item, number, days_ago in COMMENDATIONS:
            appraisees = by_name.get(department, [])
            if len(appraisees) <= index:
                continue
            person = appraisees[index].person
            document_number = number.format(y=self.year)
            if Commendation.objects.filter(person=person, document_number=document_number).exists():
                continue
            feedback.commendation_record(
                person=person, kind=kind, level=level, title=title, work_item=work_item,
                awarded_on=self.today - datetime.timedelta(days=days_ago), document_number=document_number,
                by=self.officer, today=self.today,
            )  # fmt: skip
            self.result.commendations += 1


def build_appraisal_demo(today: datetime.date) -> DemoResult:
    """Build or complete this year's routine appraisal of the demo organ. Call inside a transaction, after the
    demo people and logins exist."""
    builder = Builder(today)
    # The cycle opened at the start of the year; on a later run nothing here writes to the audit log again.
    with audit_backdated(builder.opened_at()):
        cycle, opened = builder.cycle()
        groups = builder.groups(cycle)
        for group in groups:
            if group.name == RECUSAL_DEPARTMENT:
                builder.recusal(group)
    if opened:
        Cycle.objects.filter(pk=cycle.pk).update(opened_at=builder.opened_at())
    builder.logs(groups)
    builder.summaries(groups)
    builder.ratings(groups)
    builder.publications(groups)
    builder.commendations(groups)
    builder.delegation()
    build_cadre_demo(today=today, users=builder.users, seed=SEED)
    reminders_send(today=today)
    return builder.result
