"""The catalogue seeded with the controlled drugs a county's institutions hold, and equipment checks made
append-only on PostgreSQL like the ledgers."""

from django.db import migrations

# code, name, class, form, strength, ledger unit, smallest package, ledger units per package, watch note
DRUGS = [
    ("methadone-oral-solution", "盐酸美沙酮口服溶液", "narcotic", "口服溶液", "1 mg/mL", "mL", "mL", 1, ""),
    ("morphine-hcl-injection", "盐酸吗啡注射液", "narcotic", "注射液", "10 mg/1 mL", "支", "支", 1, ""),
    ("morphine-sulfate-sr-tablet", "硫酸吗啡缓释片", "narcotic", "缓释片", "30 mg", "片", "盒", 10, ""),
    ("oxycodone-hcl-sr-tablet", "盐酸羟考酮缓释片", "narcotic", "缓释片", "10 mg", "片", "盒", 10, ""),
    ("pethidine-hcl-injection", "盐酸哌替啶注射液", "narcotic", "注射液", "50 mg/1 mL", "支", "支", 1, ""),
    ("fentanyl-citrate-injection", "枸橼酸芬太尼注射液", "narcotic", "注射液", "0.1 mg/2 mL", "支", "支", 1,
     "芬太尼类制剂：南安市2022年禁毒重点工作方案列为重点管控"),
    ("fentanyl-transdermal-patch", "芬太尼透皮贴剂", "narcotic", "透皮贴剂", "4.2 mg (25 μg/h)", "贴", "盒", 5,
     "芬太尼类制剂：南安市2022年禁毒重点工作方案列为重点管控"),
    ("buprenorphine-sublingual-tablet", "丁丙诺啡舌下片", "psychotropic_1", "舌下片", "0.2 mg", "片", "盒", 10, ""),
    ("methylphenidate-hcl-tablet", "盐酸哌甲酯片", "psychotropic_1", "片剂", "10 mg", "片", "盒", 20, ""),
    ("diazepam-tablet", "地西泮片", "psychotropic_2", "片剂", "2.5 mg", "片", "瓶", 100, ""),
    ("diazepam-injection", "地西泮注射液", "psychotropic_2", "注射液", "10 mg/2 mL", "支", "支", 1, ""),
    ("midazolam-injection", "咪达唑仑注射液", "psychotropic_2", "注射液", "5 mg/1 mL", "支", "支", 1, ""),
    ("tramadol-hcl-tablet", "盐酸曲马多片", "psychotropic_2", "片剂", "50 mg", "片", "盒", 10, ""),
    ("zolpidem-tartrate-tablet", "酒石酸唑吡坦片", "psychotropic_2", "片剂", "10 mg", "片", "盒", 7, ""),
    ("alprazolam-tablet", "阿普唑仑片", "psychotropic_2", "片剂", "0.4 mg", "片", "盒", 20, ""),
]

TRIGGER = (
    "DROP TRIGGER IF EXISTS pharmacy_equipmentcheck_append_only ON pharmacy_equipmentcheck; "
    "CREATE TRIGGER pharmacy_equipmentcheck_append_only BEFORE UPDATE OR DELETE ON pharmacy_equipmentcheck "
    "FOR EACH ROW EXECUTE FUNCTION jiedu_append_only();"
)


def forward(apps, schema_editor):
    Drug = apps.get_model("pharmacy", "Drug")
    for code, name, cls, form, strength, unit, package, per, note in DRUGS:
        Drug.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "control_class": cls,
                "form": form,
                "strength": strength,
                "unit": unit,
                "package_unit": package,
                "units_per_package": per,
                "on_watch_list": bool(note),
                "watch_note": note,
            },
        )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS pharmacy_equipmentcheck_append_only ON pharmacy_equipmentcheck;", params=None
        )


class Migration(migrations.Migration):
    dependencies = [("pharmacy", "0004_custody_catalogue_seal_cards_equipment")]
    operations = [migrations.RunPython(forward, reverse)]
