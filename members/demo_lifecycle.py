"""Demo data for the life of a party member (DOMAIN.md §2–§3), added by `seed_demo` after the people and meetings.

What a secretary should find on a first look: development steps behind every applicant, activist, development
target and probationary member (some due, some blocked by a timing rule, one conversion overdue, one probation
extended); a year of quarterly thought reports with one missing and one late; party standing changes; transfers
out, in, within the organ, one expiring and one overdue; a year of dues with a few members in arrears; floating,
elderly and hardship members for the ledgers; and branch committees, one term ending within 90 days and one
election overdue.

Idempotent and deterministic like members/demo.py: every row has a natural key (membership + step, membership +
quarter, letter number, membership + month, organisation + term number), and every choice comes from a random
generator seeded with the member's name. History that the services would only ever add to is written directly
here: it describes the years before the system was used.
"""

import datetime
import random
from collections import defaultdict

from django.db.models import Q

from branches.committees import term_end
from branches.models import CommitteeMember, CommitteePost, CommitteeTerm, PartyOrganization
from core.audit import audit_record

from .demo import SEED, Tree, branch_committee, id_check_digit, years_before
from .dues import dues_assess, dues_category_for, dues_payers
from .lifecycle_selectors import report_quarters
from .models import (
    PARTY_MEMBER_STAGES,
    DevelopmentStep,
    DevelopmentStepKind,
    DuesMonth,
    DuesPayment,
    Education,
    Gender,
    HardshipCase,
    HardshipHelp,
    Membership,
    MembershipStage,
    Person,
    ServiceStatus,
    Standing,
    StandingChange,
    StandingChangeKind,
    ThoughtReport,
    Transfer,
    TransferStatus,
)
from .periods import add_months, month_start, quarter_end, quarter_start

# People added to the main roster (their names use characters the generated names never draw, so they can
# never take over a generated person). Two elderly members (老党员), one long in the organ, one who transferred
# in; and four young people in 办公室, the demo secretary's branch, at the steps the lists are about:
# (name, gender, age, department, branch index, stage, days since the stage's date, admitted at age)
ELDERLY = [
    ("郑耀祖", Gender.MALE, 78, "办公室", 0, MembershipStage.FULL, None, 24),
    ("吴淑贞", Gender.FEMALE, 72, "宣传部", 2, MembershipStage.FULL, None, 27),
]
OFFICE_PIPELINE = [
    # activist for 11 months: blocked by the one-year rule, eligible next month
    ("林晓彤", Gender.FEMALE, 26, "办公室", 0, MembershipStage.ACTIVIST, 335, None),
    # activist for 13 months: due to become a development target
    ("陈思远", Gender.MALE, 29, "办公室", 0, MembershipStage.ACTIVIST, 396, None),
    # probationary for 345 days: conversion due in about 20 days
    ("黄雨萱", Gender.FEMALE, 28, "办公室", 0, MembershipStage.PROBATIONARY, 345, None),
    # applied 20 days ago: may become an activist after one month
    ("赵一鸣", Gender.MALE, 24, "办公室", 0, MembershipStage.APPLICANT, 20, None),
]
EXTRA_PEOPLE = ELDERLY + OFFICE_PIPELINE
LIFECYCLE_PEOPLE = len(EXTRA_PEOPLE)
ELDERLY_AREA_CODE = "370202"

RANK_BASES = [  # monthly income after tax, yuan, by rank keyword (the first that matches)
    ("一级调研员", 10_500, 12_500),
    ("二级调研员", 9_800, 11_000),
    ("三级调研员", 8_600, 9_900),
    ("四级调研员", 7_900, 8_800),
    ("一级主任科员", 7_000, 7_900),
    ("二级主任科员", 6_400, 7_200),
    ("三级主任科员", 5_600, 6_500),
    ("四级主任科员", 5_000, 5_800),
    ("一级科员", 4_300, 5_000),
    ("二级科员", 3_000, 3_800),
]

OPINIONS = {
    DevelopmentStepKind.APPLY: "递交入党申请书；党支部于一个月内派支部委员谈话，了解基本情况。",
    DevelopmentStepKind.ACTIVIST: "经党员推荐、支委会研究，同意确定为入党积极分子，指定培养联系人。",
    DevelopmentStepKind.TARGET: "经支委会研究，听取党小组、培养联系人、党员和群众意见，同意列为发展对象。",
    DevelopmentStepKind.ADMIT: "支部大会应到{n}人，实到{n}人，赞成{n}票，同意接收为预备党员。",
}
HIGHER_OPINIONS = {
    DevelopmentStepKind.ACTIVIST: "已报机关工委备案。",
    DevelopmentStepKind.TARGET: "已报机关工委备案，经预审同意。",
    DevelopmentStepKind.ADMIT: "经机关工委审批，同意接收为中共预备党员，预备期一年。",
}
REPORT_SUMMARIES = [
    "学习党章和习近平新时代中国特色社会主义思想的体会，结合本职工作查找差距。",
    "参加入党积极分子培训班的收获，对党的宗旨和纪律的认识。",
    "学习贯彻全会精神的认识，本季度工作中发挥的作用和不足。",
    "参加主题党日和志愿服务的感受，下一步努力方向。",
]
REVIEW_COMMENTS = [
    "思想认识端正，学习有深度，希望继续在工作中发挥带头作用。",
    "汇报内容具体，联系实际较好，今后注意加强理论学习的系统性。",
    "态度认真，对照检查到位，望在服务群众方面进一步提高。",
]


def _rng(*key) -> random.Random:
    return random.Random(":".join(str(k) for k in (SEED, *key)))  # noqa: S311  # nosec B311  # reproducible demo data


def _full_members(branch: PartyOrganization) -> list[Person]:
    return list(
        Person.objects.filter(
            membership__branch=branch, membership__stage=MembershipStage.FULL, membership__left_on__isnull=True
        )
        .exclude(service_status=ServiceStatus.RETIRED)
        .order_by("name")
    )


def build_lifecycle_demo(tree: Tree, demo: dict[str, Person], today: datetime.date) -> None:
    """Add the party-life demo records; call after the people (members/demo.py). Safe to run again."""
    build_extra_people(tree, today)
    build_development_steps(tree, today)
    build_thought_reports(tree, demo, today)
    build_standing(tree, today)
    build_transfers(tree, demo, today)
    build_ledgers(tree, demo, today)
    build_dues(tree, demo, today)
    build_committees(tree, demo, today)


def _stage_dates(stage: str, days: int | None, birth: datetime.date, admitted_age: int | None, today) -> dict:
    """Stage dates in pipeline order, the current stage's date `days` ago (or at `admitted_age` for old members)."""
    day = datetime.timedelta
    if stage == MembershipStage.FULL:
        admitted = years_before(birth, -(admitted_age or 25)) + day(days=120)
        return {
            "applied_on": admitted - day(days=800),
            "activist_on": admitted - day(days=700),
            "target_on": admitted - day(days=200),
            "admitted_on": admitted,
            "full_on": years_before(admitted, -1),
        }
    current = today - day(days=days or 0)
    if stage == MembershipStage.PROBATIONARY:
        target = current - day(days=150)
        return {
            "applied_on": target - day(days=420),
            "activist_on": target - day(days=380),
            "target_on": target,
            "admitted_on": current,
            "full_on": None,
        }
    if stage == MembershipStage.ACTIVIST:
        return {
            "applied_on": current - day(days=75),
            "activist_on": current,
            "target_on": None,
            "admitted_on": None,
            "full_on": None,
        }
    return {"applied_on": current, "activist_on": None, "target_on": None, "admitted_on": None, "full_on": None}


def build_extra_people(tree: Tree, today: datetime.date) -> None:
    for index, (name, gender, age, department, branch_index, stage, days, admitted_age) in enumerate(EXTRA_PEOPLE):
        birth = years_before(today, age) - datetime.timedelta(days=40 + 61 * index)
        sequence = 11 + 2 * index if gender == Gender.MALE else 12 + 2 * index
        first17 = f"{ELDERLY_AREA_CODE}{birth:%Y%m%d}{sequence:03d}"
        elderly = stage == MembershipStage.FULL
        person, _ = Person.objects.update_or_create(
            name=name,
            defaults={
                "gender": gender,
                "ethnicity": "汉族",
                "birth_date": birth,
                "education": Education.SECONDARY_OR_BELOW if elderly else Education.UNDERGRADUATE,
                "id_number": first17 + id_check_digit(first17),
                "phone": f"1531234{5600 + index:04d}",
                "unit": tree.departments[department],
                "position": "退休干部" if elderly else "科员",
                "rank": "四级调研员" if elderly else "一级科员",
                "service_status": ServiceStatus.RETIRED if elderly else ServiceStatus.IN_SERVICE,
            },
        )
        Membership.objects.update_or_create(
            person=person,
            defaults={
                "stage": stage,
                "branch": tree.branches[branch_index],
                "group": None,
                "left_on": None,
                **_stage_dates(stage, days, birth, admitted_age, today),
            },
        )


def build_development_steps(tree: Tree, today: datetime.date) -> None:
    """The recorded steps behind every member still in the pipeline, matching the dates of their membership."""
    pipeline = (
        Membership.objects.filter(branch__in=tree.branches)
        .exclude(stage=MembershipStage.FULL)
        .select_related("person", "branch")
        .order_by("person__name")
    )
    contacts_by_branch = {b.pk: _full_members(b) for b in tree.branches}
    for membership in pipeline:
        rng = _rng("steps", membership.person.name)
        candidates = contacts_by_branch[membership.branch_id]
        contacts = rng.sample(candidates, 2) if len(candidates) >= 2 else candidates
        dates = [
            (DevelopmentStepKind.APPLY, membership.applied_on),
            (DevelopmentStepKind.ACTIVIST, membership.activist_on),
            (DevelopmentStepKind.TARGET, membership.target_on),
            (DevelopmentStepKind.ADMIT, membership.admitted_on),
        ]
        for step, taken_on in dates:
            if taken_on is None:
                continue
            branch_size = 8 + rng.randint(0, 9)
            defaults = {
                "taken_on": taken_on,
                "opinion": OPINIONS[step].format(n=branch_size),
                "higher_opinion": HIGHER_OPINIONS.get(step, ""),
                "document_number": f"机工委发〔{taken_on.year}〕{10 + rng.randint(1, 60)}号"
                if step == DevelopmentStepKind.ADMIT
                else "",
            }
            record, _ = DevelopmentStep.objects.update_or_create(membership=membership, step=step, defaults=defaults)
            if step != DevelopmentStepKind.APPLY:
                record.responsible.set(contacts)
    # One probationary member whose probation was extended by six months (延长预备期).
    probationary = [m for m in pipeline if m.stage == MembershipStage.PROBATIONARY and m.admitted_on]
    candidates = [m for m in probationary if 200 <= (today - m.admitted_on).days <= 330]
    if candidates:
        membership = candidates[0]
        DevelopmentStep.objects.filter(membership__in=probationary, step=DevelopmentStepKind.EXTEND).exclude(
            membership=membership
        ).delete()
        DevelopmentStep.objects.update_or_create(
            membership=membership,
            step=DevelopmentStepKind.EXTEND,
            defaults={
                "taken_on": membership.admitted_on + datetime.timedelta(days=180),
                "extension_months": 6,
                "opinion": "对党的基本知识学习不够深入，联系群众不够，经支部大会讨论，延长预备期六个月继续考察。",
                "document_number": f"机工委发〔{(membership.admitted_on + datetime.timedelta(days=180)).year}〕7号",
            },
        )


def build_thought_reports(tree: Tree, demo: dict[str, Person], today: datetime.date) -> None:
    """A report for every quarter owed, reviewed; one activist missed the last quarter, another handed it late."""
    memberships = list(
        Membership.objects.filter(branch__in=tree.branches, activist_on__isnull=False)
        .filter(Q(admitted_on__isnull=True) | Q(admitted_on__gte=years_before(today, 2)))
        .select_related("person")
        .order_by("person__name")
    )
    by_name = {m.person.name: m.pk for m in memberships}
    missing, late = by_name.get(OFFICE_PIPELINE[0][0]), by_name.get(OFFICE_PIPELINE[1][0])
    reviewers = {tree.branches[0].pk: demo["secretary"]}
    for membership in memberships:
        rng = _rng("reports", membership.person.name)
        quarters = [q for q in report_quarters(membership, on=today) if quarter_end(*q) < today]
        for index, (year, quarter) in enumerate(quarters):
            is_last = index == len(quarters) - 1
            if is_last and membership.pk == missing:
                continue
            if is_last and membership.pk == late:
                received = min(quarter_end(year, quarter) + datetime.timedelta(days=12), today)
            else:
                received = quarter_end(year, quarter) - datetime.timedelta(days=rng.randint(5, 45))
                received = max(received, quarter_start(year, quarter), membership.activist_on)
            reviewed_on = min(received + datetime.timedelta(days=rng.randint(3, 14)), today)
            reviewed = not is_last or rng.random() < 0.5
            ThoughtReport.objects.get_or_create(
                membership=membership,
                year=year,
                quarter=quarter,
                defaults={
                    "received_on": received,
                    "summary": rng.choice(REPORT_SUMMARIES),
                    "reviewer": reviewers.get(membership.branch_id, demo["officer"]) if reviewed else None,
                    "review_comment": rng.choice(REVIEW_COMMENTS) if reviewed else "",
                    "reviewed_on": reviewed_on if reviewed else None,
                },
            )


def _pick(branch: PartyOrganization, key: str, offset: int = 0) -> Membership | None:
    """A full member of the branch chosen by key; never one of the demo accounts."""
    people = [p for p in _full_members(branch) if p.user_id is None]
    if not people:
        return None
    rng = _rng(key, branch.name)
    return people[(rng.randrange(len(people)) + offset) % len(people)].membership


def build_standing(tree: Tree, today: datetime.date) -> None:
    """One member lost contact (失去联系) five months ago; another kept their standing for a year and got it back."""
    changes = [
        (_pick(tree.branches[3], "lost"), [(StandingChangeKind.LOST_CONTACT, 150, "", "长期外出务工，多次联系未果")]),
        (
            _pick(tree.branches[1], "kept"),
            [
                (StandingChangeKind.KEPT, 480, "机工委发〔{y}〕21号", "受党纪处分期间，经党组织决定保留党籍"),
                (StandingChangeKind.RESTORED, 110, "机工委发〔{y}〕38号", "处分期满，经考察表现良好，恢复党籍"),
            ],
        ),
    ]
    for membership, history in changes:
        if membership is None:
            continue
        standing = Standing.NORMAL
        for kind, days_ago, document, reason in history:
            effective_on = today - datetime.timedelta(days=days_ago)
            after = {
                StandingChangeKind.LOST_CONTACT: Standing.LOST_CONTACT,
                StandingChangeKind.KEPT: Standing.KEPT,
            }.get(kind, Standing.NORMAL)
            StandingChange.objects.update_or_create(
                membership=membership,
                kind=kind,
                defaults={
                    "effective_on": effective_on,
                    "document_number": document.format(y=effective_on.year),
                    "reason": reason,
                    "standing_before": standing,
                    "standing_after": after,
                },
            )
            standing = after
        Membership.objects.filter(pk=membership.pk).update(standing=standing)


def build_transfers(tree: Tree, demo: dict[str, Person], today: datetime.date) -> None:
    """The member of 政策研究室 who transferred out this year (with the receipt back); a move within the organ
    whose letter runs out in five days; a letter in from outside whose holder never reported (overdue); and the
    elderly member who transferred in."""
    left = Membership.objects.filter(branch__in=tree.branches, left_on__isnull=False).select_related("person").first()
    letters = []
    if left is not None:
        receipt = min(left.left_on + datetime.timedelta(days=9), today)
        letters.append(
            (
                "（演示）转字第001号",
                {
                    "person": left.person,
                    "from_branch": left.branch,
                    "to_branch": None,
                    "to_name": "中共某市财政局机关委员会第二支部委员会",
                    "transferred_on": left.left_on,
                    "valid_until": left.left_on + datetime.timedelta(days=30),
                    "reason": "工作调动",
                    "status": TransferStatus.COMPLETED,
                    "receipt_on": receipt,
                    "receipt_note": "回执已寄回",
                },
                left,
            )
        )
    moving = _pick(tree.branches[0], "moving")
    if moving is not None:
        issued = today - datetime.timedelta(days=25)
        letters.append(
            (
                "（演示）转字第002号",
                {
                    "person": moving.person,
                    "from_branch": tree.branches[0],
                    "to_branch": tree.branches[2],
                    "to_name": _path(tree.branches[2]),
                    "transferred_on": issued,
                    "valid_until": issued + datetime.timedelta(days=30),
                    "reason": "机关内部岗位调整",
                    "status": TransferStatus.PENDING,
                    "receipt_on": None,
                },
                moving,
            )
        )
    issued = today - datetime.timedelta(days=50)
    letters.append(
        (
            "（演示）转入第003号",
            {
                "person": None,
                "from_branch": None,
                "to_branch": tree.branches[0],
                "from_name": "中共某县农业农村局机关支部委员会",
                "to_name": _path(tree.branches[0]),
                "transferred_on": issued,
                "valid_until": issued + datetime.timedelta(days=30),
                "reason": "调入本机关工作",
                "status": TransferStatus.PENDING,
                "receipt_on": None,
                "name": "马文博",
                "gender": Gender.MALE,
                "age": 31,
                "ethnicity": "回族",
                "party_status": MembershipStage.FULL,
                "id_number": _id_number(today, 31, 21),
                "dues_paid_until": month_start(issued),
            },
            None,
        )
    )
    elderly = Membership.objects.filter(person__name=ELDERLY[1][0]).select_related("person", "branch").first()
    if elderly is not None:
        issued = today - datetime.timedelta(days=200)
        letters.append(
            (
                "（演示）转入第004号",
                {
                    "person": elderly.person,
                    "from_branch": None,
                    "to_branch": elderly.branch,
                    "from_name": "中共某县教育局机关支部委员会",
                    "to_name": _path(elderly.branch),
                    "transferred_on": issued,
                    "valid_until": issued + datetime.timedelta(days=60),
                    "reason": "随子女迁居，退休党员组织关系转入",
                    "status": TransferStatus.COMPLETED,
                    "receipt_on": issued + datetime.timedelta(days=6),
                },
                elderly,
            )
        )
    for letter_number, fields, membership in letters:
        if membership is not None:
            person = membership.person
            fields.setdefault("from_name", _path(membership.branch))
            fields.update(
                name=person.name,
                gender=person.gender,
                age=_age(person.birth_date, fields["transferred_on"]),
                ethnicity=person.ethnicity,
                party_status=membership.stage if membership.stage in PARTY_MEMBER_STAGES else MembershipStage.FULL,
                id_number=person.id_number or "",
            )
            fields.setdefault("dues_paid_until", add_months(month_start(fields["transferred_on"]), -1))
        transfer, created = Transfer.objects.update_or_create(letter_number=letter_number, defaults=fields)
        if created:
            audit_record(
                actor=demo["secretary"].user,
                action="transfer.issue" if transfer.direction != "in" else "transfer.register_in",
                obj=transfer,
                summary=f"{transfer.name} {transfer.from_name} → {transfer.to_name}",
            )


def _path(branch: PartyOrganization) -> str:
    from .lifecycle import organization_path

    return organization_path(branch)


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _id_number(today: datetime.date, age: int, sequence: int) -> str:
    birth = years_before(today, age) - datetime.timedelta(days=100)
    first17 = f"{ELDERLY_AREA_CODE}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_digit(first17)


def build_ledgers(tree: Tree, demo: dict[str, Person], today: datetime.date) -> None:
    """Two floating members (流动党员) and two members in difficulty (困难党员) with the help given."""
    floating = [
        (_pick(tree.branches[0], "floating"), "北京市西城区（借调至省驻京办事处）", 210),
        (_pick(tree.branches[4], "floating"), "浙江省杭州市（随配偶异地工作，长期病休）", 400),
    ]
    for membership, destination, days in floating:
        if membership is not None:
            Membership.objects.filter(pk=membership.pk).update(
                is_floating=True, floating_destination=destination, floating_since=today - datetime.timedelta(days=days)
            )
    hardship = [
        (
            Membership.objects.filter(person__name=ELDERLY[0][0]).first(),
            "illness",
            "本人患慢性病多年，配偶长期卧床，医疗支出大，家庭生活困难。",
            400,
            [
                (380, "money", 80_000, "春节走访慰问，送去慰问金", "机关工委"),
                (200, "goods", 0, "“七一”走访慰问，送去米面油等慰问品", "办公室党支部"),
                (30, "pairing", 0, "支部书记结对帮扶，协助办理医保报销", "周建华"),
            ],
        ),
        (
            _pick(tree.branches[2], "hardship"),
            "living",
            "子女患重病住院治疗，家庭负担较重。",
            150,
            [
                (120, "money", 50_000, "党内关怀帮扶基金慰问", "机关工委"),
                (20, "other", 0, "协调单位工会申请大病救助", "宣传部党支部"),
            ],
        ),
    ]
    for membership, category, situation, days, helps in hardship:
        if membership is None:
            continue
        case, _ = HardshipCase.objects.update_or_create(
            membership=membership,
            closed_on=None,
            defaults={"category": category, "situation": situation, "since": today - datetime.timedelta(days=days)},
        )
        for days_ago, kind, amount, description, given_by in helps:
            HardshipHelp.objects.update_or_create(
                case=case,
                description=description,
                defaults={
                    "given_on": today - datetime.timedelta(days=days_ago),
                    "kind": kind,
                    "amount_fen": amount,
                    "given_by": given_by,
                },
            )


def _base_fen(person: Person) -> int:
    rng = _rng("dues", person.name)
    if person.service_status == ServiceStatus.RETIRED:
        return rng.randint(4_200, 6_800) * 100 + rng.choice([0, 50])
    for keyword, low, high in RANK_BASES:
        if keyword in person.rank:
            return rng.randint(low, high) * 100 + rng.choice([0, 0, 50, 37])
    return rng.randint(5_000, 7_000) * 100


def build_dues(tree: Tree, demo: dict[str, Person], today: datetime.date) -> None:
    """A year of dues: every member's base, twelve months assessed, nearly all paid. In arrears: the member who
    lost contact, two in 办公室党支部 for the last two months and one in 宣传部党支部 for the last three."""
    members = list(
        Membership.objects.filter(branch__in=tree.branches, stage__in=PARTY_MEMBER_STAGES).select_related("person")
    )
    for membership in members:
        base = _base_fen(membership.person)
        if membership.dues_base_fen != base:
            Membership.objects.filter(pk=membership.pk).update(dues_base_fen=base)
    this_month = month_start(today)
    months = [add_months(this_month, -i) for i in range(11, -1, -1)]
    unpaid: dict[int, set[datetime.date]] = defaultdict(set)
    for branch_index, count, months_owed in ((0, 2, 2), (2, 1, 3)):
        owing = [m for m in members if m.branch_id == tree.branches[branch_index].pk and not m.left_on]
        owing.sort(key=lambda m: _rng("arrears", m.person.name).random())
        for membership in owing[:count]:
            unpaid[membership.pk] |= {add_months(this_month, -i) for i in range(1, months_owed + 1)}
    lost = StandingChange.objects.filter(kind=StandingChangeKind.LOST_CONTACT).values_list(
        "membership_id", "effective_on"
    )
    for membership_id, since in lost:
        unpaid[membership_id] |= {m for m in months if m >= month_start(since)}
    existing = set(DuesMonth.objects.filter(month__in=months).values_list("membership_id", "month"))
    new_rows = []
    for month in months:
        for payer in dues_payers(organization_ids={b.pk for b in tree.branches}, month=month):
            if (payer.pk, month) in existing:
                continue
            payer.dues_base_fen = _base_fen(payer.person)
            assessment = dues_assess(category=dues_category_for(payer), base_fen=payer.dues_base_fen)
            new_rows.append(
                DuesMonth(
                    membership=payer,
                    branch_id=payer.branch_id,
                    month=month,
                    category=assessment.category,
                    base_fen=assessment.base_fen,
                    rate=assessment.rate,
                    due_fen=assessment.due_fen,
                )
            )
    DuesMonth.objects.bulk_create(new_rows)
    payments, paid_rows = [], []
    recorder = demo["secretary"].user
    for row in DuesMonth.objects.filter(month__in=months, paid_fen=0).select_related("membership__person"):
        rng = _rng("paid", row.membership.person.name, row.month)
        if row.month in unpaid.get(row.membership_id, set()):
            continue
        if row.month == this_month and rng.random() < 0.45:
            continue
        paid_on = min(row.month + datetime.timedelta(days=rng.randint(2, 20)), today)
        payments.append(DuesPayment(dues_month=row, amount_fen=row.due_fen, paid_on=paid_on, recorded_by=recorder))
        row.paid_fen, row.last_paid_on = row.due_fen, paid_on
        paid_rows.append(row)
    DuesPayment.objects.bulk_create(payments)
    DuesMonth.objects.bulk_update(paid_rows, ["paid_fen", "last_paid_on"])


# Posts in order of seniority for a committee of up to five (§2).
POSTS = [
    CommitteePost.SECRETARY,
    CommitteePost.DEPUTY_SECRETARY,
    CommitteePost.ORGANIZATION,
    CommitteePost.PUBLICITY,
    CommitteePost.DISCIPLINE,
]


def build_committees(tree: Tree, demo: dict[str, Person], today: datetime.date) -> None:
    """A committee for every branch: 办公室 ends its term within 90 days (and has a past term), 组织部's
    election is two months overdue, the branch formed this year elected when it was founded."""
    retired = set(Person.objects.filter(service_status=ServiceStatus.RETIRED).values_list("id", flat=True))
    for index, branch in enumerate(tree.branches):
        members = [
            m.person
            for m in Membership.objects.filter(
                branch=branch, stage__in=PARTY_MEMBER_STAGES, left_on__isnull=True
            ).select_related("person")
        ]
        members.sort(key=lambda p: p.name)
        committee = branch_committee(members, retired, demo["secretary"] if index == 0 else None)
        if index == 0:
            current = add_months(today, -34)
            terms = [add_months(current, -36), current]
        elif index == 1:
            terms = [add_months(today, -38)]
        elif branch.founded_on and branch.founded_on.year == today.year:
            terms = [branch.founded_on]
        else:
            terms = [add_months(today, -(8 + 6 * index))]
        existing = list(CommitteeTerm.objects.filter(organization=branch).order_by("elected_on"))
        for number, elected_on in enumerate(terms):
            fields = {
                "elected_on": elected_on,
                "term_years": 3,
                "ends_on": term_end(elected_on, 3),
                "document_number": f"机工委复〔{elected_on.year}〕{number + 3 * index + 2}号",
                "note": "党员大会选举产生，报机关工委批复。",
            }
            if number < len(existing):
                term = existing[number]
                for key, value in fields.items():
                    setattr(term, key, value)
                term.save()
            else:
                term = CommitteeTerm.objects.create(organization=branch, **fields)
            # An earlier committee had a different secretary; the rest of its members overlap.
            people = committee if number == len(terms) - 1 else [*committee[1:], *committee[:1]]
            wanted = [(person.pk, post.value) for person, post in zip(people, POSTS, strict=False)]
            have = list(term.members.order_by("id").values_list("person_id", "post"))
            if have != wanted:
                term.members.all().delete()
                CommitteeMember.objects.bulk_create(
                    CommitteeMember(term=term, person_id=person_id, post=post) for person_id, post in wanted
                )
