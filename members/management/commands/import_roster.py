"""import_roster FILE.xlsx [--dry-run]: the web roster import from the command line, without scope limits."""

from django.core.management.base import BaseCommand, CommandError

from members.roster import roster_import


class Command(BaseCommand):
    help = "从 Excel 花名册导入人员和党员信息（与网页导入相同的检查，不限管理范围）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="名册文件（.xlsx），格式见网页上的导入模板")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入")

    def handle(self, *args, path: str, dry_run: bool, **options) -> None:
        try:
            with open(path, "rb") as file:
                result = roster_import(file=file, by=None, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"无法打开文件 {path}：{exc.strerror}") from exc
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(f"共 {len(result.errors)} 处错误，未导入任何数据。")
        if dry_run:
            self.stdout.write(f"检查通过（未写入）：将新建 {result.created} 人，更新 {result.updated} 人。")
        else:
            self.stdout.write(self.style.SUCCESS(f"导入完成：新建 {result.created} 人，更新 {result.updated} 人。"))
