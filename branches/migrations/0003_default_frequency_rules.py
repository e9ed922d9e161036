"""The minimum frequencies of 000_da09f02f354fbeba.txt (DOMAIN.md §4), as editable default rules."""

from django.db import migrations

DEFAULTS = [
    ("committee_meeting", "quarter", 1),
    ("general_meeting", "half_year", 1),
    ("group_meeting", "quarter", 1),
    ("party_lecture", "quarter", 1),
]


def create_defaults(apps, schema_editor):
    Rule = apps.get_model("branches", "MeetingFrequencyRule")
    for kind, period, min_count in DEFAULTS:
        Rule.objects.get_or_create(organization=None, kind=kind, defaults={"period": period, "min_count": min_count})


def remove_defaults(apps, schema_editor):
    Rule = apps.get_model("branches", "MeetingFrequencyRule")
    Rule.objects.filter(organization=None, kind__in=[k for k, _, _ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("branches", "0002_initial")]
    operations = [migrations.RunPython(create_defaults, remove_defaults)]
