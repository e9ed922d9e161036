from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_chain_verify, audit_record


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain (RELIABILITY.md R23) and report the first row that was changed, "
        "removed or slipped in behind the application's back. Exits 1 when the chain is broken."
    )

    def handle(self, *args, **options) -> None:
        report = audit_chain_verify()
        audit_record(
            actor=None,
            action="audit.verify",
            obj=None,
            data={"checked": report.checked, "first_broken_id": report.first_broken_id},
            result="success" if report.first_broken_id is None else "failure",
        )
        if report.first_broken_id is not None:
            raise CommandError(
                f"审计记录哈希链在第 {report.first_broken_id} 号记录处断开（{report.reason}）；"
                f"此前 {report.checked} 条记录完好。"
            )
        self.stdout.write(self.style.SUCCESS(f"审计记录哈希链完好：共校验 {report.checked} 条记录。"))
