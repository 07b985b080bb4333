"""Index the accent-free search text for substring search (PostgreSQL: pg_trgm GIN index).

`Person.objects.search()` filters with LIKE '%word%'; a trigram index serves that at 250,000 persons.
SQLite has no such index and needs none at its sizes, so the operation only runs on PostgreSQL.
Creating the extension needs a role allowed to (see README); it is created once per database.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS person_search_trgm ON personnel_person USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("personnel", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
