"""Default timing rules of the development pipeline and the default dues rates (DOMAIN.md §3), editable in admin.

Timing rules (months after the previous step; the validity is the deadline, after which a reason is required):
- 确定为入党积极分子: at least 1 month after the application (the branch talks to the applicant within a month,
  then the activist is nominated); a conventional default.
- 列为发展对象: at least 12 months as an activist (§3).
- 接收为预备党员: within 12 months of becoming a development target (a conventional validity: the political
  review and the training are then still current).
- 预备党员转正: one year of probation (§3), due on its last day (overdue from the next); an extension of
  probation moves both dates.

Dues: each band includes its upper bound (§3). In service ≤3,000 yuan 0.5%, ≤5,000 1%, ≤10,000 1.5%, above 2%;
retired ≤5,000 0.5%, above 1%; students, the unemployed and those on minimum allowances 0.20 yuan a month.
"""

from decimal import Decimal

from django.db import migrations

TIMING_RULES = [
    ("activist", "apply", 1, None, "递交入党申请书满1个月后，方可确定为入党积极分子"),
    ("target", "activist", 12, None, "入党积极分子经过一年以上培养教育和考察，方可列为发展对象"),
    ("admit", "target", 0, 12, "列为发展对象后12个月内应提交支部大会讨论接收为预备党员"),
    ("convert", "admit", 12, 12, "预备期为一年，预备期满应及时讨论转正"),
]

DUES_RATES = [
    ("in_service", 300_000, Decimal("0.0050"), None),
    ("in_service", 500_000, Decimal("0.0100"), None),
    ("in_service", 1_000_000, Decimal("0.0150"), None),
    ("in_service", None, Decimal("0.0200"), None),
    ("retired", 500_000, Decimal("0.0050"), None),
    ("retired", None, Decimal("0.0100"), None),
    ("flat", None, None, 20),
]


def create_defaults(apps, schema_editor):
    TimingRule = apps.get_model("members", "TimingRule")
    DuesRate = apps.get_model("members", "DuesRate")
    for step, previous, min_months, max_months, name in TIMING_RULES:
        TimingRule.objects.get_or_create(
            step=step,
            previous_step=previous,
            defaults={"min_months": min_months, "max_months": max_months, "name": name},
        )
    for category, up_to, rate, fixed in DUES_RATES:
        DuesRate.objects.get_or_create(category=category, up_to_fen=up_to, defaults={"rate": rate, "fixed_fen": fixed})


def remove_defaults(apps, schema_editor):
    apps.get_model("members", "TimingRule").objects.all().delete()
    apps.get_model("members", "DuesRate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0003_lifecycle")]
    operations = [migrations.RunPython(create_defaults, remove_defaults)]
