"""An evaluation's results and parts are history: their rows refuse UPDATE and DELETE on PostgreSQL for every
role (the application refuses on SQLite)."""

from django.db import migrations

TABLES = ["evaluation_result", "evaluation_part"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}; "
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION jiedu_append_only();",
            params=None,
        )


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};", params=None)


class Migration(migrations.Migration):
    # The trigger function jiedu_append_only() is created by the MMT app's migration.
    dependencies = [("evaluation", "0002_seed_schemes"), ("mmt", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forward, reverse)]
