"""The open terms of given objects, read from an index of their own (issue 10, session 42).

The start page's TLV work joins the applications in the user's scope to their open terms;
PostgreSQL cast and hashed (or sorted) every open application term of the region for it, as
no index served a look-up by object among the open terms only (``term_object`` holds the
completed ones as well and not the due date). Partial and covering on PostgreSQL: one probe
per application, from the index alone.
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("terms", "0004_open_terms_by_due_date_partial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="term",
            index=models.Index(
                condition=models.Q(("completed_on__isnull", True)),
                fields=["object_type", "object_id"],
                include=("id", "due_date", "suspended_since", "rule"),
                name="term_open_object",
            ),
        ),
    ]
