import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from members.demo import demo_counts, logins_table, seed_demo
from members.models import Person

LOGINS_FILE = "demo_logins.txt"

SUMMARY = [
    ("departments", "内设机构"),
    ("branches", "党支部"),
    ("groups", "党小组"),
    ("persons", "人员"),
    ("women", "其中女性"),
    ("minorities", "少数民族"),
    ("retired", "离退休"),
    ("stage_full", "正式党员"),
    ("stage_probationary", "预备党员"),
    ("stage_development_target", "发展对象"),
    ("stage_activist", "入党积极分子"),
    ("stage_applicant", "入党申请人"),
    ("non_members", "群众"),
    ("transferred_out", "已转出"),
    ("users", "登录账号"),
    ("meetings", "会议记录"),
    ("attendances", "出席登记"),
    ("late_entries", "补录会议"),
]


def logins_path() -> Path:
    return Path(settings.VAR_DIR) / LOGINS_FILE


class Command(BaseCommand):
    help = "生成演示数据：一个机关、两棵组织树、约120名人员、一年的“三会一课”记录和各角色的演示账号。可重复运行。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="已有人员数据时不生成，只显示上次保存的演示账号（make run 每次启动时调用）",
        )

    def handle(self, *args, if_empty: bool, **options) -> None:
        if if_empty and Person.objects.exists():
            self.show_saved_logins()
            return
        started = time.monotonic()
        with transaction.atomic():
            result = seed_demo()
        table = logins_table(result.logins)
        self.write_logins(table)
        counts = demo_counts()
        summary = "，".join(f"{label} {counts[key]}" for key, label in SUMMARY)
        self.stdout.write(
            f"演示数据已就绪（{time.monotonic() - started:.1f} 秒，新增会议 {result.meetings_created}）："
        )
        self.stdout.write(summary)
        self.stdout.write("")
        self.stdout.write(table)
        self.stdout.write(f"以上账号也已保存到 {logins_path()}（仅本机可读）。")

    def write_logins(self, table: str) -> None:
        path = logins_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created unreadable to others before the passwords go in.
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(table, encoding="utf-8")

    def show_saved_logins(self) -> None:
        path = logins_path()
        self.stdout.write("数据库中已有人员数据，未生成演示数据。")
        if path.exists():
            self.stdout.write("")
            self.stdout.write(path.read_text(encoding="utf-8"))
        else:
            self.stdout.write("没有找到演示账号文件。如需重置演示账号的密码，请运行：python manage.py seed_demo")
