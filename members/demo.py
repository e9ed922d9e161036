"""Demo data for `manage.py seed_demo`: a district organ with about 120 people and a year of 三会一课.

Everything is keyed on natural keys (unit and organisation names under their parent, person names, usernames,
meeting organisation + kind + date), so a second run updates rows in place and adds nothing. The people come
from a fixed random.Random seed, so every run draws the same names, dates and ID numbers for the same day.
Meetings go through branches.services.meeting_record, so attendance validation is the real one.
"""

import datetime
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from appraisal.demo import build_appraisal_demo
from branches.models import Meeting, MeetingAttendance, MeetingKind, PartyOrganization, Unit
from branches.services import AttendanceEntry, is_late_entry, meeting_participants, meeting_record
from core.audit import audit_backdated
from core.models import User
from core.roles import ADMIN_ROLES, Role

from .models import PARTY_MEMBER_STAGES, Education, Gender, Membership, MembershipStage, Person, RoleAssignment
from .services import role_assign, role_assignment_sync_groups

SEED = 20260701
LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"
LOGINS_HEADING = "演示账号（仅用于演示数据）"

ORGAN = "某区区委机关"
# Department, the title of its head, and how many generated people work there (the demo users come on top).
DEPARTMENTS = [
    ("办公室", "主任", 19),
    ("组织部", "部长", 20),
    ("宣传部", "部长", 20),
    ("统战部", "部长", 18),
    ("政策研究室", "主任", 18),
    ("团工委", "书记", 16),
]
WORKING_COMMITTEE = "区直机关工委"
GENERAL_BRANCHES = ["机关第一党总支", "机关第二党总支"]
# One branch per department, in department order; the first three under the first general branch.
BRANCHES = [f"{name}党支部" for name, _, _ in DEPARTMENTS]
GROUPS = ["第一党小组", "第二党小组"]  # named after the department: 办公室第一党小组
# The deliberate gaps (DOMAIN.md §4): a branch formed this year (exempt periods), a branch that skipped its
# 支委会 in the last full quarter (red), a branch with no meeting for 45 days (silent).
NEW_BRANCH = 5
SKIPPED_COMMITTEE_BRANCH = 2
SILENT_BRANCH = 3
SILENT_DAYS = 45
# (branch index, group index or None, meeting kind): one late entry (补录) each.
LATE_ENTRIES = [
    (0, 1, MeetingKind.GROUP_MEETING),
    (1, None, MeetingKind.PARTY_LECTURE),
    (4, None, MeetingKind.COMMITTEE_MEETING),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
# The most common surnames are drawn more often, as in any roster.
SURNAME_WEIGHTS = [8] * 5 + [4] * 10 + [1] * (len(SURNAMES) - 15)
MALE_CHARS = (
    "伟刚勇毅俊峰强军平东文辉力明永健世广志义兴良海山仁波宁福生龙全国胜学祥才武新利清飞彬顺信杰涛昌成康星光"
    "天达安岩中茂进林坚和博诚先振会思群豪承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦奇翰朗宏鸣朋斌栋维启克伦翔"
    "旭鹏泽晨辰建家树德泰盛雄钧冠策腾航弘"
)
FEMALE_CHARS = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红玲芬芳燕彩春菊兰凤洁梅琳素云莲真雪荣爱霞香月媛艳瑞佳嘉琼勤珍莉桂叶"
    "璐琦晶妍茜秋珊莎锦青倩婷婉娴瑾颖露瑶怡雁蓓仪荷丹蓉君琴蕊薇菁梦岚婕馨韵园艺卿澜悦昭冰爽茗羽欣滢筠柔竹凝"
    "晓欢枫芸菲宜可舒思丽"
)
MINORITIES = ["回族", "满族", "蒙古族", "壮族", "土家族", "朝鲜族"]
# Real county-level codes of one province (山东济南) and two neighbours.
AREA_CODES = ["370102", "370103", "370104", "370105", "370112", "370113", "370181", "410105", "130102"]
PHONE_PREFIXES = [f"13{d}" for d in "0123456789"] + [f"15{d}" for d in "012356789"] + [f"18{d}" for d in "0123456789"]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# Letters and digits that cannot be mistaken for one another when read off a screen.
UNAMBIGUOUS_CHARS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ABSENCE_REASONS = ["病假", "出差", "公务外出", "事假", "参加培训", "休假", "下乡调研"]
RETIRED_ABSENCE_REASONS = ["身体原因", "病假", "外地探亲"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    name: str
    gender: str
    age: int
    education: str
    unit: str  # a department name, or ORGAN
    position: str
    rank: str = ""
    ethnicity: str = "汉族"
    branch: int | None = None  # index into BRANCHES; None: not a party member
    group: int | None = None


DEMO_ACCOUNTS = [
    DemoAccount("staff", Role.STAFF, "王晓雨", Gender.FEMALE, 27, Education.UNDERGRADUATE, "办公室", "科员",
                "一级科员", branch=0, group=0),
    DemoAccount("unithead", Role.UNIT_HEAD, "李国强", Gender.MALE, 48, Education.UNDERGRADUATE, "办公室", "主任",
                "二级调研员", branch=0, group=1),
    DemoAccount("leader", Role.LEADER, "赵志刚", Gender.MALE, 53, Education.POSTGRADUATE, ORGAN, "区委常委",
                branch=0),
    DemoAccount("principal", Role.PRINCIPAL_LEADER, "陈立新", Gender.MALE, 56, Education.POSTGRADUATE, ORGAN,
                "区委副书记", branch=0),
    DemoAccount("officer", Role.ORG_OFFICER, "刘慧敏", Gender.FEMALE, 45, Education.POSTGRADUATE, "组织部",
                "机关工委专职副书记", "三级调研员", ethnicity="满族", branch=1, group=0),
    DemoAccount("secretary", Role.BRANCH_SECRETARY, "周建华", Gender.MALE, 44, Education.UNDERGRADUATE, "办公室",
                "副主任", "四级调研员", branch=0, group=0),
    DemoAccount("sysadmin", Role.SYSTEM_ADMIN, "孙浩然", Gender.MALE, 31, Education.UNDERGRADUATE, "办公室", "科员",
                "四级主任科员"),
    # The three separate administrators of MLPS level 3 (RELIABILITY.md R5): system, security, audit.
    DemoAccount("secadmin", Role.SECURITY_ADMIN, "吴静怡", Gender.FEMALE, 35, Education.UNDERGRADUATE, "办公室", "科员",
                "二级主任科员", branch=0, group=1),
    DemoAccount("auditadmin", Role.AUDIT_ADMIN, "郑文博", Gender.MALE, 39, Education.POSTGRADUATE, "组织部", "科员",
                "一级主任科员", branch=1, group=1),
]  # fmt: skip

TOPICS = {
    MeetingKind.COMMITTEE_MEETING: [
        "研究部署{month}月份支部工作",
        "党费收缴情况通报",
        "讨论发展党员工作",
        "研究党员教育培训计划",
        "研究“三会一课”落实情况",
        "讨论预备党员转正事宜",
        "研究主题党日活动安排",
        "研究困难党员走访慰问安排",
        "研究民主评议党员工作方案",
        "研究支部年度工作计划",
    ],
    MeetingKind.GENERAL_MEETING: [
        "学习贯彻党的二十届三中全会精神，通报上半年支部工作",
        "讨论接收预备党员，通报下半年支部工作",
    ],
    MeetingKind.PARTY_LECTURE: [
        "专题党课：学习贯彻习近平新时代中国特色社会主义思想",
        "专题党课：深入贯彻中央八项规定精神",
        "专题党课：严守政治纪律和政治规矩",
        "书记讲党课：以高质量党建引领机关建设",
    ],
    MeetingKind.THEMED_PARTY_DAY: [
        "参观革命纪念馆，重温入党誓词",
        "开展“我为群众办实事”志愿服务",
        "学习《中国共产党纪律处分条例》",
        "走访慰问困难党员和老党员",
        "为{month}月入党的党员过“政治生日”",
        "读书分享会：学习《习近平谈治国理政》",
        "到社区报到开展志愿服务",
        "观看警示教育片并交流讨论",
    ],
    MeetingKind.GROUP_MEETING: [
        "学习贯彻党的二十大精神交流研讨",
        "学习党章党规，交流学习心得",
        "开展批评与自我批评",
        "讨论本组入党积极分子思想汇报情况",
    ],
    MeetingKind.LIFE_MEETING: ["{year}年度组织生活会暨民主评议党员"],
}
PLACES = {
    MeetingKind.COMMITTEE_MEETING: ["机关三楼第二会议室", "支部书记办公室"],
    MeetingKind.GENERAL_MEETING: ["机关五楼大会议室"],
    MeetingKind.PARTY_LECTURE: ["机关五楼大会议室", "机关党员活动室"],
    MeetingKind.THEMED_PARTY_DAY: ["区革命纪念馆", "机关党员活动室", "幸福里社区党群服务中心"],
    MeetingKind.GROUP_MEETING: ["机关三楼第一会议室", "机关党员活动室"],
    MeetingKind.LIFE_MEETING: ["机关三楼第二会议室"],
}


# ---- small helpers -------------------------------------------------------------------------------


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def id_check_digit(first17: str) -> str:
    """GB 11643-1999: weighted sum of the first 17 digits modulo 11."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def is_workday(day: datetime.date) -> bool:
    try:
        import chinese_calendar

        return chinese_calendar.is_workday(day)
    except (ImportError, NotImplementedError):  # years the package does not know: Monday to Friday
        return day.weekday() < 5


def workday_on_or_after(day: datetime.date) -> datetime.date:
    while not is_workday(day):
        day += datetime.timedelta(days=1)
    return day


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def skipped_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last full quarter before today's: the one in which SKIPPED_COMMITTEE_BRANCH held no 支委会."""
    end = quarter_start(today) - datetime.timedelta(days=1)
    return quarter_start(end), end


def new_branch_founded_on(today: datetime.date) -> datetime.date:
    """Mid-year this year, or as close to it as today allows: always this year, never in the future."""
    founded = datetime.date(today.year, 6, 15)
    if founded > today - datetime.timedelta(days=30):
        founded = max(datetime.date(today.year, 1, 2), today - datetime.timedelta(days=30))
    return min(founded, today)


def display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def logins_table(logins: list[tuple[str, str, str]]) -> str:
    """The text written to demo_logins.txt and printed: role in Chinese, username, password."""
    header = ("角色", "用户名", "密码")
    widths = [max(display_width(row[i]) for row in [header, *logins]) + 2 for i in range(3)]
    lines = [LOGINS_HEADING, f"登录地址：{LOGIN_URL}", ""]
    for row in [header, *logins]:
        lines.append("".join(pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip())
    return "\n".join(lines) + "\n"


# ---- people --------------------------------------------------------------------------------------


@dataclass
class PersonSpec:
    name: str
    gender: str
    age: int
    unit: str
    education: str = Education.UNDERGRADUATE
    ethnicity: str = "汉族"
    position: str = ""
    rank: str = ""
    retired: bool = False
    stage: str | None = MembershipStage.FULL
    branch: int | None = None
    group: int | None = None
    left: bool = False
    admitted_days_ago: int | None = None  # a probationary member placed near conversion (§3)
    username: str = ""
    # Filled in by PeopleBuilder.finish
    fields: dict = field(default_factory=dict)
    membership: dict = field(default_factory=dict)


class PeopleBuilder:
    """Draws the people from one seeded generator, in a fixed order, so every run draws the same."""

    def __init__(self, today: datetime.date) -> None:
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311  # nosec B311  # reproducible demo data, not a secret
        self.names: set[str] = {a.name for a in DEMO_ACCOUNTS}
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()

    def days(self, low: int, high: int) -> datetime.timedelta:
        return datetime.timedelta(days=self.rng.randint(low, high))

    def name(self, gender: str) -> str:
        chars = MALE_CHARS if gender == Gender.MALE else FEMALE_CHARS
        while True:
            given = self.rng.choice(chars)
            if self.rng.random() < 0.7:
                second = self.rng.choice(chars)
                if second == given:
                    continue
                given += second
            name = self.rng.choices(SURNAMES, SURNAME_WEIGHTS)[0] + given
            if name not in self.names:
                self.names.add(name)
                return name

    def education(self, age: int) -> str:
        bands = [
            Education.POSTGRADUATE,
            Education.UNDERGRADUATE,
            Education.JUNIOR_COLLEGE,
            Education.SECONDARY_OR_BELOW,
        ]
        if age < 35:
            weights = [30, 64, 6, 0]
        elif age <= 50:
            weights = [15, 62, 17, 6]
        else:
            weights = [4, 40, 34, 22]
        return self.rng.choices(bands, weights)[0]

    def generated(self) -> list[PersonSpec]:
        """The people besides the demo accounts: department by department, heads first."""
        people: list[PersonSpec] = []
        retired_left = 10
        for index, (department, head_title, count) in enumerate(DEPARTMENTS):
            staff: list[PersonSpec] = []
            for n in range(count):
                gender = Gender.FEMALE if self.rng.random() < 0.4 else Gender.MALE
                retired = retired_left > 0 and n in (3, 11)
                if retired:
                    retired_left -= 1
                    age = self.rng.randint(60, 68)
                else:
                    age = min(59, max(23, round(self.rng.triangular(23, 59, 40))))
                spec = PersonSpec(
                    name=self.name(gender),
                    gender=gender,
                    age=age,
                    unit=department,
                    education=self.education(age),
                    retired=retired,
                    branch=index,
                )
                if self.rng.random() < 0.04:
                    spec.ethnicity = self.rng.choice(MINORITIES)
                staff.append(spec)
            self.positions(index, head_title, [s for s in staff if not s.retired])
            for spec in staff:
                if spec.retired:
                    spec.rank = self.rng.choice(["四级调研员", "三级调研员", "一级主任科员", "二级主任科员"])
            people.extend(staff)
        self.stages(people)
        return people

    def positions(self, index: int, head_title: str, staff: list[PersonSpec]) -> None:
        deputy_title = "副" + head_title
        # The demo 主任 and 副主任 of 办公室 are demo accounts: the office gets no second head.
        titles = ([] if index == 0 else [(head_title, ["一级调研员", "二级调研员"])]) + [
            (deputy_title, ["三级调研员", "四级调研员"]),
            (deputy_title, ["三级调研员", "四级调研员"]),
            ("科长", ["一级主任科员", "四级调研员"]),
            ("科长", ["一级主任科员", "二级主任科员"]),
            ("副科长", ["二级主任科员", "三级主任科员"]),
            ("副科长", ["三级主任科员", "四级主任科员"]),
        ]
        if index == 0:
            titles.pop(0)  # only one more 副主任 besides the demo secretary
        by_seniority = sorted(staff, key=lambda s: s.age + self.rng.uniform(-4, 4), reverse=True)
        for spec, (title, ranks) in zip(by_seniority, titles, strict=False):
            spec.position, spec.rank = title, self.rng.choice(ranks)
        for spec in by_seniority[len(titles) :]:
            spec.position = "科员"
            if spec.age < 26:
                spec.rank = "二级科员"
            elif spec.age < 30:
                spec.rank = "一级科员"
            elif spec.age < 36:
                spec.rank = "四级主任科员"
            elif spec.age < 45:
                spec.rank = "三级主任科员"
            else:
                spec.rank = self.rng.choice(["二级主任科员", "一级主任科员"])

    def stages(self, people: list[PersonSpec]) -> None:
        """Most are full members; the pipeline stages go to young 科员, and nine people are not members."""
        clerks = [p for p in people if p.position == "科员"]
        young = [p for p in clerks if p.age <= 35]
        pipeline = self.rng.sample(young, 18)
        for spec, stage in zip(
            pipeline,
            [MembershipStage.APPLICANT] * 3
            + [MembershipStage.ACTIVIST] * 4
            + [MembershipStage.DEVELOPMENT_TARGET] * 3
            + [MembershipStage.PROBATIONARY] * 8,
            strict=True,
        ):
            spec.stage = stage
        rest = [p for p in clerks if p not in pipeline]
        for spec in self.rng.sample(rest, 9):
            spec.stage = None
            spec.branch = None
        # One member of 政策研究室 transferred out this year (§3: leaves the counts, keeps the history).
        candidates = [p for p in people if p.branch == 4 and p.stage == MembershipStage.FULL and not p.retired]
        candidates[-1].left = True

    def demo(self) -> list[PersonSpec]:
        return [
            PersonSpec(
                name=a.name,
                gender=a.gender,
                age=a.age,
                unit=a.unit,
                education=a.education,
                ethnicity=a.ethnicity,
                position=a.position,
                rank=a.rank,
                stage=MembershipStage.FULL if a.branch is not None else None,
                branch=a.branch,
                group=a.group,
                username=a.username,
            )
            for a in DEMO_ACCOUNTS
        ]

    def assign_groups(self, people: list[PersonSpec]) -> None:
        """Party members take turns between their branch's two groups; a few (leaders, newcomers) have none."""
        turn = Counter()
        for spec in people:
            if spec.username or spec.stage not in PARTY_MEMBER_STAGES or spec.branch is None:
                continue
            if self.rng.random() < 0.08:
                continue
            spec.group = turn[spec.branch] % 2
            turn[spec.branch] += 1

    def finish(self, spec: PersonSpec) -> None:
        today = self.today
        birth = years_before(today, spec.age) - self.days(1, 360)
        while True:
            sequence = self.rng.randint(0, 999)
            if (sequence % 2 == 1) != (spec.gender == Gender.MALE):
                sequence = (sequence + 1) % 1000
            first17 = f"{self.rng.choice(AREA_CODES)}{birth:%Y%m%d}{sequence:03d}"
            id_number = first17 + id_check_digit(first17)
            if id_number not in self.id_numbers:
                self.id_numbers.add(id_number)
                break
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                break
        spec.fields = {
            "gender": spec.gender,
            "ethnicity": spec.ethnicity,
            "birth_date": birth,
            "education": spec.education,
            "id_number": id_number,
            "phone": phone,
            "position": spec.position,
            "rank": spec.rank,
            "service_status": "retired" if spec.retired else "in_service",
        }
        if spec.stage is not None:
            spec.membership = self.membership_dates(spec, birth)

    def membership_dates(self, spec: PersonSpec, birth: datetime.date) -> dict:
        """Stage dates in the order of the development pipeline (§3), each at a plausible distance."""
        today = self.today
        dates: dict[str, datetime.date | None] = dict.fromkeys(
            ["applied_on", "activist_on", "target_on", "admitted_on", "full_on", "left_on"]
        )
        stage = spec.stage
        if stage in (MembershipStage.FULL, MembershipStage.PROBATIONARY):
            if stage == MembershipStage.FULL:
                admit_age = self.rng.randint(21, max(21, min(spec.age - 2, 45)))
                admitted = years_before(birth, -admit_age) + self.days(0, 200)
                admitted = min(admitted, today - self.days(400, 500))
                full = years_before(admitted, -1) + self.days(0, 15)
                dates["full_on"] = min(full, today)
            elif spec.admitted_days_ago is not None:
                admitted = today - datetime.timedelta(days=spec.admitted_days_ago)
            else:
                admitted = today - self.days(20, 340)
            dates["admitted_on"] = admitted
            dates["applied_on"] = admitted - self.days(700, 1000)
            dates["activist_on"] = dates["applied_on"] + self.days(30, 90)
            dates["target_on"] = dates["activist_on"] + self.days(365, 425)
        elif stage == MembershipStage.DEVELOPMENT_TARGET:
            dates["applied_on"] = today - self.days(700, 900)
            dates["activist_on"] = dates["applied_on"] + self.days(30, 60)
            dates["target_on"] = min(dates["activist_on"] + self.days(370, 520), today - self.days(10, 30))
        elif stage == MembershipStage.ACTIVIST:
            dates["applied_on"] = today - self.days(200, 500)
            dates["activist_on"] = dates["applied_on"] + self.days(30, 150)
        else:
            dates["applied_on"] = today - self.days(10, 180)
        if spec.left:
            dates["left_on"] = max(today - datetime.timedelta(days=60), datetime.date(today.year, 1, 1))
        return {"stage": stage, **dates}

    def all(self) -> list[PersonSpec]:
        people = self.demo() + self.generated()
        self.assign_groups(people)
        # Two probationary members near conversion (§3: due within 30 days, and overdue).
        probationary = [p for p in people if p.stage == MembershipStage.PROBATIONARY]
        probationary[0].admitted_days_ago, probationary[1].admitted_days_ago = 350, 380
        for spec in people:
            self.finish(spec)
        return people


# ---- the builder ---------------------------------------------------------------------------------


@dataclass
class Tree:
    organ: Unit
    departments: dict[str, Unit]
    committee: PartyOrganization
    branches: list[PartyOrganization]
    groups: list[list[PartyOrganization]]


def build_trees(today: datetime.date) -> Tree:
    organ, _ = Unit.objects.update_or_create(
        parent=None, name=ORGAN, defaults={"kind": Unit.Kind.ORGAN, "sort_order": 0}
    )
    departments = {
        name: Unit.objects.update_or_create(
            parent=organ, name=name, defaults={"kind": Unit.Kind.DEPARTMENT, "sort_order": i + 1}
        )[0]
        for i, (name, _, _) in enumerate(DEPARTMENTS)
    }
    committee, _ = PartyOrganization.objects.update_or_create(
        parent=None,
        name=WORKING_COMMITTEE,
        defaults={"kind": PartyOrganization.Kind.WORKING_COMMITTEE, "founded_on": datetime.date(2003, 7, 1)},
    )
    generals = [
        PartyOrganization.objects.update_or_create(
            parent=committee,
            name=name,
            defaults={
                "kind": PartyOrganization.Kind.GENERAL_BRANCH,
                "founded_on": datetime.date(2005, 3, 1),
                "sort_order": i + 1,
            },
        )[0]
        for i, name in enumerate(GENERAL_BRANCHES)
    ]
    branches, groups = [], []
    for i, name in enumerate(BRANCHES):
        founded = new_branch_founded_on(today) if i == NEW_BRANCH else datetime.date(2006 + i, 4, 1)
        branch = PartyOrganization.objects.update_or_create(
            parent=generals[i // 3],
            name=name,
            defaults={"kind": PartyOrganization.Kind.BRANCH, "founded_on": founded, "sort_order": i + 1},
        )[0]
        branches.append(branch)
        groups.append(
            [
                PartyOrganization.objects.update_or_create(
                    parent=branch,
                    name=f"{DEPARTMENTS[i][0]}{group_name}",
                    defaults={"kind": PartyOrganization.Kind.GROUP, "founded_on": founded, "sort_order": g + 1},
                )[0]
                for g, group_name in enumerate(GROUPS)
            ]
        )
    return Tree(organ, departments, committee, branches, groups)


def build_people(tree: Tree, today: datetime.date) -> dict[str, Person]:
    """Create or update every person and membership; return the demo accounts' persons by username."""
    specs = PeopleBuilder(today).all()
    units = {**tree.departments, ORGAN: tree.organ}
    demo: dict[str, Person] = {}
    for spec in specs:
        person, _ = Person.objects.update_or_create(name=spec.name, defaults={**spec.fields, "unit": units[spec.unit]})
        if spec.username:
            demo[spec.username] = person
        if spec.stage is None:
            Membership.objects.filter(person=person).delete()
            continue
        Membership.objects.update_or_create(
            person=person,
            defaults={
                **spec.membership,
                "branch": tree.branches[spec.branch],
                "group": tree.groups[spec.branch][spec.group] if spec.group is not None else None,
            },
        )
    return demo


def build_users(tree: Tree, demo: dict[str, Person]) -> list[tuple[str, str, str]]:
    """One login per role, each with a fresh random password; returns (role label, username, password)."""
    office, publicity = tree.departments["办公室"], tree.departments["宣传部"]
    scopes: dict[str, list[dict]] = {
        "staff": [],
        "unithead": [{"role": Role.UNIT_HEAD, "unit": office}],
        "leader": [{"role": Role.LEADER, "unit": office}, {"role": Role.LEADER, "unit": publicity}],
        "principal": [{"role": Role.PRINCIPAL_LEADER, "unit": tree.organ}],
        "officer": [{"role": Role.ORG_OFFICER, "organization": tree.committee, "unit": tree.organ}],
        "secretary": [{"role": Role.BRANCH_SECRETARY, "organization": tree.branches[0]}],
        "sysadmin": [{"role": Role.SYSTEM_ADMIN}],
        "secadmin": [{"role": Role.SECURITY_ADMIN}],
        "auditadmin": [{"role": Role.AUDIT_ADMIN}],
    }
    logins = []
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=account.username)
        password = "".join(secrets.choice(UNAMBIGUOUS_CHARS) for _ in range(12))
        user.set_password(password)
        user.last_name, user.first_name = account.name[0], account.name[1:]
        user.is_active = True
        user.is_superuser = False
        user.is_staff = account.role in ADMIN_ROLES
        user.save()
        person = demo[account.username]
        Person.objects.filter(user=user).exclude(pk=person.pk).update(user=None)
        if person.user_id != user.pk:
            person.user = user
            person.save(update_fields=["user", "updated_at"])
        for assignment in scopes[account.username]:
            role_assign(user=user, **assignment)
        role_assignment_sync_groups(user=user)  # staff holds no assignment: the linked person makes the role
        logins.append((str(Role(account.role).label), account.username, password))
    return logins


# ---- meetings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedMeeting:
    organization: PartyOrganization
    kind: str
    held_on: datetime.date
    branch_index: int
    group_index: int | None = None


def months_between(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def plan_meetings(tree: Tree, today: datetime.date, rng: random.Random) -> list[PlannedMeeting]:
    """A year of 三会一课 per branch and group, on working days. Quarterly kinds fall in a quarter's first month
    and half-yearly ones in its third, so the silent branch's quiet 45 days never empty a whole period."""
    start = years_before(today, 1)
    skipped_from, skipped_to = skipped_quarter(today)
    planned: list[PlannedMeeting] = []

    def add(org: PartyOrganization, kind: str, year: int, month: int, day: int, b: int, g: int | None = None):
        held_on = workday_on_or_after(datetime.date(year, month, day))
        if not start <= held_on <= today or (org.founded_on and held_on < org.founded_on):
            return
        if b == SILENT_BRANCH and (today - held_on).days <= SILENT_DAYS:
            return
        if (
            b == SKIPPED_COMMITTEE_BRANCH
            and kind == MeetingKind.COMMITTEE_MEETING
            and skipped_from <= held_on <= skipped_to
        ):
            return
        planned.append(PlannedMeeting(org, kind, held_on, b, g))

    for year, month in months_between(start, today):
        first_of_quarter = month % 3 == 1
        for b, branch in enumerate(tree.branches):
            add(branch, MeetingKind.COMMITTEE_MEETING, year, month, 6 + b, b)
            if rng.random() < 0.85:
                add(branch, MeetingKind.THEMED_PARTY_DAY, year, month, 20 + b % 3, b)
            if first_of_quarter:
                add(branch, MeetingKind.PARTY_LECTURE, year, month, 14 + b, b)
                for g, group in enumerate(tree.groups[b]):
                    add(group, MeetingKind.GROUP_MEETING, year, month, 8 + b if g == 0 else 22 + b % 4, b, g)
            if month in (3, 9):
                add(branch, MeetingKind.GENERAL_MEETING, year, month, 18 + b % 3, b)
            if month == 1:
                add(branch, MeetingKind.LIFE_MEETING, year, month, 25, b)
    return sorted(planned, key=lambda p: (p.held_on, p.branch_index, p.group_index or 0, p.kind))


def meeting_stamp(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def build_meetings(tree: Tree, demo: dict[str, Person], today: datetime.date) -> int:
    """Record the planned meetings that do not exist yet; return how many were created."""
    rng = random.Random(SEED + 1)  # noqa: S311  # nosec B311  # reproducible demo data, not a secret
    plans = plan_meetings(tree, today, rng)
    org_ids = [p.organization.pk for p in plans]
    existing = set(
        Meeting.objects.filter(organization_id__in=org_ids).values_list("organization_id", "kind", "held_on")
    )
    already_late = set(
        Meeting.objects.filter(organization_id__in=org_ids, is_late_entry=True).values_list("organization_id", "kind")
    )
    participants = {
        org_id: meeting_participants(org) for org_id, org in {p.organization.pk: p.organization for p in plans}.items()
    }
    admitted = dict(Membership.objects.values_list("person_id", "admitted_on"))
    retired = set(Person.objects.filter(service_status="retired").values_list("id", flat=True))
    secretary_user, officer_user = demo["secretary"].user, demo["officer"].user
    committees = {
        b: branch_committee(participants[branch.pk], retired, demo["secretary"] if b == 0 else None)
        for b, branch in enumerate(tree.branches)
        if branch.pk in participants
    }
    late_specs = {(b, g, kind) for b, g, kind in LATE_ENTRIES}
    now = timezone.now()
    created = 0
    for plan in plans:
        org = plan.organization
        if (org.pk, plan.kind, plan.held_on) in existing:
            continue
        members = [p for p in participants[org.pk] if admitted.get(p.pk) and admitted[p.pk] <= plan.held_on]
        committee = committees.get(plan.branch_index) or members[:1]
        if plan.kind == MeetingKind.COMMITTEE_MEETING:
            members = [p for p in committee if p in members] or members
        if not members:
            continue
        absentees = [0, 0, 1] if plan.kind == MeetingKind.COMMITTEE_MEETING else [0, 1, 1, 2, 2, 3]
        absent = set(rng.sample(members, min(len(members) - 1, rng.choice(absentees))))
        attendances = [
            AttendanceEntry(p, MeetingAttendance.Status.PRESENT)
            if p not in absent
            else AttendanceEntry(
                p,
                MeetingAttendance.Status.ABSENT,
                rng.choice(RETIRED_ABSENCE_REASONS if p.pk in retired else ABSENCE_REASONS),
            )
            for p in members
        ]
        if plan.kind == MeetingKind.GROUP_MEETING:
            host = members[0]
            recorder = members[1] if len(members) > 1 else members[0]
        else:
            host, recorder = committee[0], committee[1] if len(committee) > 1 else committee[0]
        topic = rng.choice(TOPICS[plan.kind]).format(month=plan.held_on.month, year=plan.held_on.year - 1)
        present = len(members) - len(absent)
        place = rng.choice(PLACES[plan.kind])
        # Seeding enters a year of meetings today; the service would flag all but the last month as 补录.
        # Give each the time a secretary would have entered it, and make the chosen few real late entries. The audit
        # row is written with that time (the log is append-only, RELIABILITY.md R23); its late_entry says what the
        # service saw on the day of seeding.
        late_key = (plan.branch_index, plan.group_index, plan.kind)
        age = (today - plan.held_on).days
        if late_key in late_specs and (org.pk, plan.kind) not in already_late and 60 <= age <= 240:
            already_late.add((org.pk, plan.kind))
            recorded_on = plan.held_on + datetime.timedelta(days=rng.randint(40, 55))
            recorded_at = meeting_stamp(recorded_on, 10, rng.randint(0, 59))
        else:
            recorded_on = plan.held_on + datetime.timedelta(days=rng.randint(0, 3))
            recorded_at = meeting_stamp(recorded_on, rng.randint(16, 18), rng.randint(0, 59))
        recorded_at = min(recorded_at, now)
        resolutions = "会议形成一致意见，由支委会抓好落实。" if plan.kind == MeetingKind.COMMITTEE_MEETING else ""
        with audit_backdated(recorded_at):
            meeting = meeting_record(
                organization=org,
                kind=plan.kind,
                held_on=plan.held_on,
                place=place,
                topic=topic,
                host=host,
                recorder=recorder,
                minutes=(
                    f"应到{len(members)}人，实到{present}人。{host.name}主持会议，围绕“{topic}”开展学习讨论，"
                    f"与会同志逐一发言，结合岗位工作谈认识、谈打算。"
                ),
                resolutions=resolutions,
                attendances=attendances,
                by=secretary_user if plan.branch_index == 0 else officer_user,
            )
        created += 1
        late = is_late_entry(plan.held_on, timezone.localdate(recorded_at))
        Meeting.objects.filter(pk=meeting.pk).update(
            recorded_at=recorded_at, updated_at=recorded_at, is_late_entry=late
        )
    return created


def branch_committee(members: list[Person], retired: set[int], secretary: Person | None) -> list[Person]:
    """The branch committee (支委): the secretary, then the most senior members in service, five in all."""
    seniority = {"主任": 0, "部长": 0, "书记": 0, "副主任": 1, "副部长": 1, "副书记": 1, "科长": 2, "副科长": 3}
    candidates = sorted(
        (p for p in members if p.pk not in retired and p != secretary and p.position in seniority),
        key=lambda p: (seniority[p.position], p.name),
    )
    head = [secretary] if secretary else []
    return (head + candidates)[:5]


# ---- entry point ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    logins: list[tuple[str, str, str]]
    meetings_created: int


def seed_demo(today: datetime.date | None = None) -> SeedResult:
    """Build or refresh the demo organ. Call inside a transaction."""
    today = today or timezone.localdate()
    tree = build_trees(today)
    demo = build_people(tree, today)
    logins = build_users(tree, demo)
    for person in demo.values():
        person.refresh_from_db()
    created = build_meetings(tree, demo, today)
    from .demo_lifecycle import build_lifecycle_demo  # imported here: it builds on this module's helpers

    build_lifecycle_demo(tree, demo, today)
    build_appraisal_demo(today)
    from reviews.demo import build_reviews_demo  # the reviews app builds on members

    users = {u.username: u for u in User.objects.filter(username__in=["secretary", "officer"])}
    build_reviews_demo(today=today, secretary=users["secretary"], officer=users["officer"], branch=tree.branches[0])
    return SeedResult(logins, created)


def demo_counts() -> dict[str, int]:
    """What the demo consists of, for the summary and the tests."""
    stages = Counter(Membership.objects.values_list("stage", flat=True))
    kinds = Counter(PartyOrganization.objects.values_list("kind", flat=True))
    return {
        "units": Unit.objects.count(),
        "departments": Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).count(),
        "working_committees": kinds[PartyOrganization.Kind.WORKING_COMMITTEE],
        "general_branches": kinds[PartyOrganization.Kind.GENERAL_BRANCH] + kinds[PartyOrganization.Kind.COMMITTEE],
        "branches": kinds[PartyOrganization.Kind.BRANCH],
        "groups": kinds[PartyOrganization.Kind.GROUP],
        "persons": Person.objects.count(),
        "women": Person.objects.filter(gender=Gender.FEMALE).count(),
        "minorities": Person.objects.exclude(ethnicity="汉族").count(),
        "retired": Person.objects.filter(service_status="retired").count(),
        "non_members": Person.objects.filter(membership__isnull=True).count(),
        **{f"stage_{stage}": stages[stage] for stage in MembershipStage.values},
        "transferred_out": Membership.objects.filter(left_on__isnull=False).count(),
        "users": User.objects.count(),
        "role_assignments": RoleAssignment.objects.count(),
        "meetings": Meeting.objects.count(),
        "attendances": MeetingAttendance.objects.count(),
        "late_entries": Meeting.objects.filter(is_late_entry=True).count(),
    }
