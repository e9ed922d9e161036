"""import_cadre_scores FILE.xlsx --year YYYY [--unit NAME] [--dry-run]: the web import of a cadre appraisal's scores
and commendations from the command line, with the same checks and without scope limits."""

from django.core.management.base import BaseCommand, CommandError

from appraisal.cadre_import import cadre_scores_import
from appraisal.models import CadreExercise


class Command(BaseCommand):
    help = "从 Excel 导入中层干部考核的评分与表彰处分（与网页导入相同的检查，不限管理范围）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="评分文件（.xlsx），格式见网页上本次考核的导入模板")
        parser.add_argument("--year", type=int, required=True, help="考核年度")
        parser.add_argument("--unit", help="单位名称；该年度有多个单位的考核时必填")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入")

    def handle(self, *args, path: str, year: int, unit: str | None, dry_run: bool, **options) -> None:
        exercises = CadreExercise.objects.filter(year=year).select_related("unit")
        if unit:
            exercises = exercises.filter(unit__name=unit)
        found = list(exercises)
        if not found:
            where = f"{unit}" if unit else ""
            raise CommandError(f"没有{where}{year}年度的中层干部考核。")
        if len(found) > 1:
            names = "、".join(e.unit.name for e in found)
            raise CommandError(f"{year}年度有多个单位的中层干部考核（{names}），请用 --unit 指定单位。")
        exercise = found[0]
        try:
            with open(path, "rb") as file:
                result = cadre_scores_import(exercise=exercise, file=file, by=None, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(f"无法打开文件 {path}：{exc.strerror}") from exc
        for error in result.errors:
            self.stderr.write(str(error))
        if result.errors:
            raise CommandError(f"共 {len(result.errors)} 处错误，未导入任何数据。")
        counts = (
            f"评分 {result.scores_changed} 项有变动，新录入表彰与处分 {result.commendations_created} 条"
            f"（已录入过、跳过 {result.commendations_existing} 条）"
        )
        if dry_run:
            self.stdout.write(f"检查通过（未写入）：{exercise.title}，{counts}。")
        else:
            self.stdout.write(self.style.SUCCESS(f"导入完成：{exercise.title}，{counts}。"))
