"""Triggers that follow people through their assignments (and note persons rather than their units)."""

from django.db import migrations

from reports import triggers


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_figures_in_two_views"),
        ("personnel", "0006_organisation_state"),
    ]

    operations = [migrations.RunPython(triggers.install_in_migration, migrations.RunPython.noop)]
