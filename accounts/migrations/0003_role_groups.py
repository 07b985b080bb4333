"""Create the role groups (admin, hr, leader, viewer) with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    from accounts.roles import sync_role_groups

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_unit"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("personnel", "0001_initial"),
        ("training", "0002_seed_course_types"),
        ("targets", "0002_seed_hn_2021_2025"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
