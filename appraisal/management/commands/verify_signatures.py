"""Check every signed rating against what was signed (issue 4 item 10):

    python manage.py verify_signatures [--year 2026]

Prints each rating whose stored grade, score, opinion, signer or signed summary no longer matches its signature,
and exits non-zero when there is any; otherwise prints how many were checked."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from appraisal.models import Rating
from appraisal.selectors_signing import period_label
from appraisal.services import rating_verify


class Command(BaseCommand):
    help = "校验每条领导评鉴的签名；列出与签署时内容不一致的评鉴，有则以非零状态退出。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, help="只校验该年度的评鉴")

    def handle(self, *args, year: int | None = None, **options) -> None:
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
        if mismatched:
            raise CommandError(
                _("共校验 %(checked)d 条评鉴，%(n)d 条与签署时不一致。") % {"checked": checked, "n": mismatched}
            )
        self.stdout.write(self.style.SUCCESS(_("共校验 %(checked)d 条评鉴，签名全部一致。") % {"checked": checked}))
