"""Give every person the one assignment their personnel row describes (organisation-history.md, section 3):
in their unit and category, from the later of their start date and the unit's opening date, until their
leaving date."""

from django.db import migrations


def create_assignments(apps, schema_editor):
    Person = apps.get_model("personnel", "Person")
    Assignment = apps.get_model("personnel", "Assignment")
    batch = []
    rows = Person.objects.filter(assignments__isnull=True).values_list(
        "id", "unit_id", "unit__opened_on", "category", "leadership_level", "position_title", "start_date", "end_date"
    )
    for pk, unit_id, opened_on, category, leadership, title, start, end in rows.iterator(chunk_size=5000):
        if opened_on is not None and (start is None or start < opened_on):
            start = opened_on
        if start is not None and end is not None and end <= start:  # left before the unit opened: keep the row
            start = None
        batch.append(
            Assignment(
                person_id=pk,
                unit_id=unit_id,
                category=category,
                leadership_level=leadership,
                position_title=title,
                start_date=start,
                end_date=end,
            )
        )
        if len(batch) >= 5000:
            Assignment.objects.bulk_create(batch)
            batch = []
    Assignment.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("personnel", "0004_units_over_time_and_assignments")]

    operations = [migrations.RunPython(create_assignments, migrations.RunPython.noop)]
