"""Defaults of the TLV module: terms (TLV-04/08/10/13), funding amounts (TLV-07), TLV length.

All editable by a functional administrator afterwards.
"""

from decimal import Decimal

from django.db import migrations

# code, name, rule, length, unit, max_extension
TERM_RULES = [
    ("tlv-receipt", "Ontvangst TLV-aanvraag bevestigen", "TLV-04", 1, "weeks", 0),
    ("tlv-advice", "Advies CvA aan het bestuur van het SWV", "TLV-04", 4, "weeks", 4),
    ("tlv-board", "Besluit bestuur SWV na advies", "TLV-04", 1, "weeks", 0),
    ("tlv-written", "Schriftelijke afhandeling en registratie", "TLV-04", 1, "weeks", 0),
    ("tlv-overall", "Besluit SWV na volledige aanvraag", "TLV-04", 6, "weeks", 0),
    ("tlv-crisis-file", "Volledig dossier bij crisisplaatsing", "TLV-08", 2, "weeks", 0),
    ("tlv-observation", "Observatieplaatsing", "TLV-08", 12, "weeks", 0),
    ("tlv-crisis", "Crisisplaatsing", "TLV-08", 6, "school_weeks", 0),
    ("tlv-objection", "Bezwaartermijn besluit toelaatbaarheid", "TLV-10", 6, "weeks", 0),
    ("tlv-objection-referral", "Bezwaar voorleggen aan de LBT", "TLV-10", 2, "weeks", 0),
    ("tlv-objection-decision", "Beslissing op bezwaar (Awb)", "TLV-10", 12, "weeks", 0),
    ("tlv-exit-prognosis", "Prognose uitstroomperspectief na instroom", "TLV-13", 6, "weeks", 0),
]

# TLV-07: 2014-15 amounts from seed 004 §11, kept as history.
FUNDING_2014 = [
    (1, Decimal("8682.52"), Decimal("371.74")),
    (2, Decimal("15429.69"), Decimal("703.02")),
    (3, Decimal("19201.03"), Decimal("850.95")),
]
# The current school year starts with the same amounts; the administrator updates them.
CURRENT_YEAR = "2026-2027"


def load(apps, schema_editor):
    TermRule = apps.get_model("terms", "TermRule")
    for code, name, rule, length, unit, max_extension in TERM_RULES:
        TermRule.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rule_reference": rule,
                "length": length,
                "unit": unit,
                "max_extension": max_extension,
            },
        )
    FundingCategory = apps.get_model("tlv", "FundingCategory")
    for year in ("2014-2015", CURRENT_YEAR):
        for category, personnel, material in FUNDING_2014:
            FundingCategory.objects.get_or_create(
                school_year=year,
                category=category,
                defaults={"personnel": personnel, "material": material},
            )
    TlvDuration = apps.get_model("tlv", "TlvDuration")
    for tlv_type, years in (("sbo", 2), ("so", 2), ("vso", 2)):
        TlvDuration.objects.get_or_create(tlv_type=tlv_type, defaults={"school_years": years})
    TlvSettings = apps.get_model("tlv", "TlvSettings")
    TlvSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("tlv", "0001_initial"), ("terms", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
