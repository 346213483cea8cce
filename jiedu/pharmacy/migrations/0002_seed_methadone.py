from django.db import migrations


def forward(apps, schema_editor):
    Drug = apps.get_model("pharmacy", "Drug")
    Drug.objects.get_or_create(
        code="methadone-oral-solution",
        defaults={"name": "盐酸美沙酮口服溶液", "control_class": "narcotic", "form": "口服溶液",
                  "strength": "1 mg/mL", "unit": "mL"},
    )


class Migration(migrations.Migration):
    dependencies = [("pharmacy", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
