"""Build one report synchronously, with the same code as the report jobs (DOMAIN.md §8), for batch use and scripts:

    python manage.py build_report registration --scope unit:3 --period 2026Q1 --format pdf --user chief --out DIR
    python manage.py build_report pack --scope unit:1 --scope organization:1 --period 2026 --user chief --out DIR

The report is built with the permissions and scope of --user, as if that user had asked for it on the jobs page.
"""

import shutil
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from branches.models import PartyOrganization, Unit
from core.models import User
from members.models import Person
from reports.periods import ReportPeriod
from reports.registry import REGISTRY, ReportError, ReportTarget, get_kind
from reports.services import build_file, request_for

SCOPE_MODELS = {"unit": Unit, "organization": PartyOrganization, "person": Person}


class Command(BaseCommand):
    help = "生成一份报表（与报表任务相同的代码，同步执行）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=sorted(REGISTRY))
        parser.add_argument("--scope", action="append", required=True, help="unit:ID、organization:ID 或 person:ID")
        parser.add_argument("--period", required=True, help="2026、2026Q1 或 2026-03")
        parser.add_argument("--format", dest="fmt", help="pdf、xlsx 或 zip（默认为该报表的第一种格式）")
        parser.add_argument("--user", required=True, help="以该用户的权限和范围生成")
        parser.add_argument("--out", required=True, help="输出目录")

    def handle(self, *args, kind: str, scope: list[str], period: str, fmt: str | None, user: str, out: str,
               **options) -> None:  # fmt: skip
        try:
            report_kind = get_kind(kind)
            report_period = ReportPeriod.parse(period)
            target = ReportTarget(**dict(self._scope(item) for item in scope))
            requester = User.objects.get(username=user)
        except (ReportError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        except User.DoesNotExist:
            raise CommandError(f"没有用户 {user}") from None
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="zhibu-report-") as scratch:
            try:
                request = request_for(kind=report_kind, target=target, period=report_period, user=requester)
                built = build_file(request, fmt or report_kind.formats[0], Path(scratch))
            except ReportError as exc:
                raise CommandError(str(exc)) from None
            final = out_dir / built.name
            shutil.move(built, final)
        self.stdout.write(f"{final}（{final.stat().st_size} 字节，{time.monotonic() - started:.1f} 秒）")

    def _scope(self, item: str) -> tuple[str, object]:
        name, _, pk = item.partition(":")
        model = SCOPE_MODELS.get(name)
        if model is None or not pk.isdigit():
            raise CommandError(f"范围格式不正确：{item}（应为 unit:ID、organization:ID 或 person:ID）")
        try:
            return name, model.objects.get(pk=int(pk))
        except model.DoesNotExist:
            raise CommandError(f"找不到 {item}") from None
