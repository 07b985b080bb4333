"""Seed the course types of the programme spec, section 2."""

from django.db import migrations

from training.choices import COURSE_TYPES


def seed(apps, schema_editor):
    CourseType = apps.get_model("training", "CourseType")
    for order, (code, name) in enumerate(COURSE_TYPES, start=1):
        CourseType.objects.update_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
