"""A block-range index on the dose day (PostgreSQL): doses are written day after day, so a BRIN index of a few
hundred kilobytes lets the nightly indicator refresh find the days it newly covers and the gaps reaching the
dropout length without reading fifty million rows. SQLite (one clinic's server) needs none."""

from django.db import migrations


def create(apps, schema_editor):  # noqa: ANN001, ARG001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS mmt_doseday_day_brin ON mmt_doseday USING brin (day)"
        )


def drop(apps, schema_editor):  # noqa: ANN001, ARG001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS mmt_doseday_day_brin")


class Migration(migrations.Migration):
    dependencies = [("mmt", "0004_taper_plans")]

    operations = [migrations.RunPython(create, drop)]
