"""The open terms by due date, as a partial index of just the open terms (issue 10, session 33).

Led by ``completed_on``, the index made SQLite's planner read it for every query of open
terms: its statistics keep an average number of rows per value (34) and cannot show that
NULL, the value asked for, has a fifth of all terms (23,788 on the large benchmark region). The
TLV work list then read every open term of the region twice (30-35 ms each). Partial, SQLite
takes the index of the module's open terms (``term_open_type_due_incl``) or ``term_object``.
PostgreSQL, whose statistics know the share of NULLs, had not used the index on any page.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("terms", "0003_open_terms_index_include"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="term",
            name="term_open_due",
        ),
        migrations.AddIndex(
            model_name="term",
            index=models.Index(
                condition=models.Q(("completed_on__isnull", True)),
                fields=["due_date", "id"],
                name="term_open_due",
            ),
        ),
    ]
