"""The settings of the "six into" education (seed 002: 进学校、进单位、进家庭、进场所、进社区、进农村) and the key
campaigns of the year (seed 002: 6·26 International Day against Drug Abuse, 12·1 World AIDS Day, the publicity
month), as data. ``forward`` is idempotent (keyed by codes), so it also puts them back after a test flush."""

from django.db import migrations

# code, name_zh, name_en, order, counts for coverage
SETTINGS = [
    ("school", "学校", "Schools", 1, True),
    ("workplace", "单位", "Workplaces", 2, True),
    ("family", "家庭", "Families", 3, True),
    ("venue", "娱乐等公共场所", "Entertainment and public venues", 4, True),
    ("community", "社区", "Communities", 5, True),
    ("village", "农村", "Villages", 6, True),
    ("other", "其他", "Elsewhere", 7, False),
]

# code, name_zh, name_en, order, key campaign, usual first day, usual last day
KINDS = [
    ("626", "6·26国际禁毒日", "26 June, International Day against Drug Abuse", 1, True, "06-01", "06-30"),
    ("121", "12·1世界艾滋病日", "1 December, World AIDS Day", 2, True, "11-20", "12-10"),
    ("publicity_month", "全民禁毒宣传月", "National drug-control publicity month", 3, True, "06-01", "06-30"),
    ("other", "其他专题宣传活动", "Other campaign", 9, False, "", ""),
]


def forward(apps, schema_editor):
    Setting = apps.get_model("campaigns", "Setting")
    CampaignKind = apps.get_model("campaigns", "CampaignKind")
    for code, name_zh, name_en, order, counts in SETTINGS:
        Setting.objects.get_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "order": order, "counts_for_coverage": counts},
        )
    for code, name_zh, name_en, order, key, start, end in KINDS:
        CampaignKind.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "order": order,
                "is_key": key,
                "usual_start": start,
                "usual_end": end,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_events_versions_and_evidence")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
