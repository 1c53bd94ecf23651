"""The figures the TLV management report counts, one row per submitted application (issue 10,
session 36), filled from the applications, their advice, decisions and terms."""

import django.db.models.deletion
from django.db import migrations, models


def _fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The computation of the code that writes them in step (``tlv.report_figures``), on this
    # migration's historical models.
    from passend.tlv.report_figures import refresh_submitted

    refresh_submitted(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('terms', '0004_open_terms_by_due_date_partial'),
        ('tlv', '0007_participations_of_decided_applications'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApplicationFigures',
            fields=[
                ('application', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='figures', serialize=False, to='tlv.tlvapplication')),
                ('submitted_on', models.DateField()),
                ('requested_type', models.CharField(choices=[('sbo', 'Speciaal basisonderwijs (SBO)'), ('so', 'Speciaal onderwijs (SO)'), ('vso', 'Voortgezet speciaal onderwijs (VSO)')], max_length=3)),
                ('route', models.CharField(choices=[('new', 'Nieuwe aanvraag'), ('extension', 'Verlenging van een aflopende TLV'), ('outside_swv', 'Aanvraag van een school buiten het SWV')], max_length=12)),
                ('status', models.CharField(choices=[('draft', 'In voorbereiding'), ('suspended', 'Opgeschort (onvolledig)'), ('submitted', 'Ingediend'), ('in_assessment', 'In beoordeling'), ('back_to_mdo', 'Terug naar multidisciplinair overleg'), ('advised', 'Advies uitgebracht'), ('decided', 'Besluit genomen'), ('withdrawn', 'Ingetrokken')], max_length=16)),
                ('triage_key', models.CharField(blank=True, max_length=16)),
                ('positive_advice', models.BooleanField(default=False)),
                ('by_gavel', models.BooleanField(default=False)),
                ('positive_decision', models.BooleanField(default=False)),
                ('receipt_completed', models.PositiveSmallIntegerField(default=0, verbose_name='ontvangstbevestiging: afgerond')),
                ('receipt_within', models.PositiveSmallIntegerField(default=0, verbose_name='ontvangstbevestiging: binnen termijn')),
                ('receipt_days', models.IntegerField(default=0, verbose_name='ontvangstbevestiging: dagen gebruikt')),
                ('receipt_open', models.PositiveSmallIntegerField(default=0, verbose_name='ontvangstbevestiging: lopend')),
                ('receipt_due', models.DateField(blank=True, null=True, verbose_name='ontvangstbevestiging: lopend tot')),
                ('advice_completed', models.PositiveSmallIntegerField(default=0, verbose_name='advies: afgerond')),
                ('advice_within', models.PositiveSmallIntegerField(default=0, verbose_name='advies: binnen termijn')),
                ('advice_days', models.IntegerField(default=0, verbose_name='advies: dagen gebruikt')),
                ('advice_open', models.PositiveSmallIntegerField(default=0, verbose_name='advies: lopend')),
                ('advice_due', models.DateField(blank=True, null=True, verbose_name='advies: lopend tot')),
                ('decision_completed', models.PositiveSmallIntegerField(default=0, verbose_name='besluit: afgerond')),
                ('decision_within', models.PositiveSmallIntegerField(default=0, verbose_name='besluit: binnen termijn')),
                ('decision_days', models.IntegerField(default=0, verbose_name='besluit: dagen gebruikt')),
                ('decision_open', models.PositiveSmallIntegerField(default=0, verbose_name='besluit: lopend')),
                ('decision_due', models.DateField(blank=True, null=True, verbose_name='besluit: lopend tot')),
                ('written_completed', models.PositiveSmallIntegerField(default=0, verbose_name='schriftelijk besluit: afgerond')),
                ('written_within', models.PositiveSmallIntegerField(default=0, verbose_name='schriftelijk besluit: binnen termijn')),
                ('written_days', models.IntegerField(default=0, verbose_name='schriftelijk besluit: dagen gebruikt')),
                ('written_open', models.PositiveSmallIntegerField(default=0, verbose_name='schriftelijk besluit: lopend')),
                ('written_due', models.DateField(blank=True, null=True, verbose_name='schriftelijk besluit: lopend tot')),
                ('overall_completed', models.PositiveSmallIntegerField(default=0, verbose_name='doorlooptijd: afgerond')),
                ('overall_within', models.PositiveSmallIntegerField(default=0, verbose_name='doorlooptijd: binnen termijn')),
                ('overall_days', models.IntegerField(default=0, verbose_name='doorlooptijd: dagen gebruikt')),
                ('overall_open', models.PositiveSmallIntegerField(default=0, verbose_name='doorlooptijd: lopend')),
                ('overall_due', models.DateField(blank=True, null=True, verbose_name='doorlooptijd: lopend tot')),
                ('overall_suspended', models.PositiveSmallIntegerField(default=0)),
                ('overall_suspended_days', models.IntegerField(default=0)),
                ('overall_suspended_since', models.DateField(blank=True, null=True)),
                ('overall_suspended_until', models.DateField(blank=True, null=True)),
                ('board', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
                ('intended_school', models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
                ('requesting_school', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
                ('swv', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation')),
            ],
            options={
                'verbose_name': 'cijfers van een TLV-aanvraag',
                'verbose_name_plural': 'cijfers van TLV-aanvragen',
                'indexes': [models.Index(fields=['swv', 'submitted_on'], name='tlvfigures_swv_submitted')],
            },
        ),
        migrations.RunPython(_fill, migrations.RunPython.noop, elidable=True),
    ]
