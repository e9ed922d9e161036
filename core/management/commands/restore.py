from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.backup import BackupError, backup_restore, backup_verify, postgres_conninfo


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into a database (the configured one unless --database-url is given) and "
        "the files, then compare every table with the backup's manifest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup_dir")
        parser.add_argument("--database-url", help="restore into this database instead of the configured one")
        parser.add_argument("--files-dir", help="restore the files here instead of the private storage root")
        parser.add_argument("--verify-only", action="store_true", help="only compare the database with the backup")
        parser.add_argument("--yes", action="store_true", help="confirm replacing the configured database")

    def handle(self, *args, **options) -> None:
        url = options["database_url"]
        if url is None:
            if not options["yes"] and not options["verify_only"]:
                raise CommandError("恢复会覆盖当前配置的数据库和文件：确认请加 --yes。")
            db = connection.settings_dict
            url = postgres_conninfo(db) if connection.vendor == "postgresql" else f"sqlite:///{db['NAME']}"
        connection.close()
        try:
            if not options["verify_only"]:
                files_dir = Path(options["files_dir"] or settings.PRIVATE_STORAGE_ROOT)
                backup_restore(Path(options["backup_dir"]), database_url=url, files_root=files_dir)
            mismatched = backup_verify(Path(options["backup_dir"]), database_url=url)
        except BackupError as error:
            raise CommandError(str(error)) from error
        if mismatched:
            raise CommandError("以下数据表与备份不一致：" + ", ".join(mismatched))
        self.stdout.write(self.style.SUCCESS("已恢复并校验：每张数据表都与备份一致。"))
