"""Counts are history: day-close and stock-take rows and their lines refuse UPDATE and DELETE on PostgreSQL
like the ledgers (the application refuses on SQLite)."""

from django.db import migrations

TABLES = ["pharmacy_dayclose", "pharmacy_daycloseline"]


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
    dependencies = [("pharmacy", "0006_stock_takes_and_variances")]
    operations = [migrations.RunPython(forward, reverse)]
