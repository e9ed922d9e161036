from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the stored files into a new directory with a manifest of table digests."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", default=str(Path(settings.VAR_DIR) / "backups"), help="parent directory")

    def handle(self, *args, **options) -> None:
        try:
            target = backup_create(Path(options["out"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"备份已写入 {target}"))
