from celery.exceptions import TimeoutError as CeleryTimeoutError
from django.core.management.base import BaseCommand, CommandError

from core.tasks import ping


class Command(BaseCommand):
    help = "检查 Celery 工作进程是否在线：发送一个任务并等待回复。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, timeout: float, **options) -> None:
        try:
            # A ping nobody answers in time expires, so a stopped worker does not come back to a pile of them.
            result = ping.apply_async(expires=timeout).get(timeout=timeout)
        except CeleryTimeoutError as exc:
            raise CommandError(f"{timeout:g} 秒内没有工作进程回复") from exc
        self.stdout.write(self.style.SUCCESS(f"工作进程在线：{result['hostname']}（数据库 {result['database']}）"))
