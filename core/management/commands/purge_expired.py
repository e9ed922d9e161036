from django.core.management.base import BaseCommand, CommandError

from core.retention import RETENTION, RetentionError, retention_purge


class Command(BaseCommand):
    help = (
        "Remove what has outlived its retention (core/retention.py, RELIABILITY.md R25): report files, audit rows "
        "(archived to a JSONL file first), login failure counters, expired sessions. --dry-run only counts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would be removed, change nothing")

    def handle(self, *args, **options) -> None:
        dry_run = options["dry_run"]
        try:
            counts = retention_purge(dry_run=dry_run)
        except RetentionError as error:
            raise CommandError(error.message) from error
        verb = "将清除" if dry_run else "已清除"
        for item in RETENTION:
            if item.purge is None:
                self.stdout.write(f"{item.label}：{item.keep}")
            else:
                self.stdout.write(f"{item.label}：{verb} {counts[item.key]} 项（保存期限：{item.keep}）")
