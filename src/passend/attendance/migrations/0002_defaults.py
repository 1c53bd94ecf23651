"""Defaults: the DUO-report term (ABS-01: 5 working days) and the attendance rules row."""

from decimal import Decimal

from django.db import migrations

TERM_CODE = "attendance-duo-report"


def load(apps, schema_editor):
    TermRule = apps.get_model("terms", "TermRule")
    TermRule.objects.get_or_create(
        code=TERM_CODE,
        defaults={
            "name": "Verzuimmelding bij DUO (meldplicht school)",
            "rule_reference": "ABS-01",
            "length": 5,
            "unit": "working_days",
            "max_extension": 0,
        },
    )
    AttendanceRules = apps.get_model("attendance", "AttendanceRules")
    AttendanceRules.objects.get_or_create(
        id=1,
        defaults={
            "threshold_hours": Decimal("16"),
            "window_school_weeks": 4,
            "long_term_school_weeks": 4,
            "detection_lookback_days": 180,
            "home_stay_flag_months": 3,
            "export_min_count": 5,
        },
    )


def unload(apps, schema_editor):
    apps.get_model("terms", "TermRule").objects.filter(code=TERM_CODE).delete()
    apps.get_model("attendance", "AttendanceRules").objects.filter(id=1).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0001_initial"),
        ("terms", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, unload)]
