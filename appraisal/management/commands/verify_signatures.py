"""Check every signed rating and every filed cadre result against what was sealed (issue 4 item 10;
RELIABILITY.md R12):

    python manage.py verify_signatures [--year 2026]

Prints each rating whose stored grade, score, opinion, signer or signed summary no longer matches its signature,
and each filed cadre result (中层干部考核) whose figures, inputs or filing no longer match its digest or whose total
is not reproduced from its inputs; exits non-zero when there is any, otherwise prints how many were checked."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from appraisal.cadre_services import result_verify
from appraisal.models import CadreResult, Rating
from appraisal.selectors_signing import period_label
from appraisal.services import rating_verify


class Command(BaseCommand):
    help = "校验领导评鉴的签名和已备案的中层干部考核结果；列出与签署或备案时不一致的记录，有则以非零状态退出。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, help="只校验该年度的评鉴和考核结果")

    def handle(self, *args, year: int | None = None, **options) -> None:
        checked, mismatched = self._ratings(year)
        results, results_mismatched = self._cadre_results(year)
        if mismatched or results_mismatched:
            raise CommandError(
                _(
                    "共校验 %(checked)d 条评鉴，%(n)d 条与签署时不一致；"
                    "%(results)d 条中层干部考核结果，%(m)d 条与备案时不一致。"
                )
                % {"checked": checked, "n": mismatched, "results": results, "m": results_mismatched}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("共校验 %(checked)d 条评鉴，签名全部一致；%(results)d 条中层干部考核结果，全部与备案一致。")
                % {"checked": checked, "results": results}
            )
        )

    def _ratings(self, year: int | None) -> tuple[int, int]:
        ratings = Rating.objects.select_related("person", "group__cycle").order_by("year", "period", "id")
        if year is not None:
            ratings = ratings.filter(year=year)
        checked = mismatched = 0
        for rating in ratings.iterator(chunk_size=2000):
            checked += 1
            if rating_verify(rating):
                continue
            mismatched += 1
            self.stdout.write(
                _("不一致：%(name)s（人员编号 %(person)d），%(period)s，第 %(revision)d 版，评鉴编号 %(id)d")
                % {
                    "name": rating.person.name,
                    "person": rating.person_id,
                    "period": period_label(rating.group.cycle, rating.period),
                    "revision": rating.revision,
                    "id": rating.pk,
                }
            )
        return checked, mismatched

    def _cadre_results(self, year: int | None) -> tuple[int, int]:
        results = CadreResult.objects.select_related("appraisee__person", "appraisee__exercise").order_by(
            "appraisee__exercise__year", "appraisee__exercise_id", "rank", "id"
        )
        if year is not None:
            results = results.filter(appraisee__exercise__year=year)
        checked = mismatched = 0
        for result in results.iterator(chunk_size=2000):
            checked += 1
            if result_verify(result):
                continue
            mismatched += 1
            self.stdout.write(
                _("不一致：%(title)s，%(name)s（人员编号 %(person)d），中层干部考核结果编号 %(id)d")
                % {
                    "title": result.appraisee.exercise.title,
                    "name": result.appraisee.person.name,
                    "person": result.appraisee.person_id,
                    "id": result.pk,
                }
            )
        return checked, mismatched
