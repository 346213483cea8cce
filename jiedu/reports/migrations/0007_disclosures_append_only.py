"""These rows are history: they refuse UPDATE and DELETE on PostgreSQL for every role."""

from django.db import migrations

TABLES = ['reports_disclosure', 'reports_escalation']


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
    dependencies = [("reports", "0006_disclosures_and_escalations"), ("pharmacy", "0003_append_only_triggers")]
    operations = [migrations.RunPython(forward, reverse)]
