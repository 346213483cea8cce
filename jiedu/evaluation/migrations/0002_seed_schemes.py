"""The two schemes in use from the start, out of 100 points each.

* 戒毒医疗服务工作年度综合考评（县区）: a county's working group, as a prefecture or province evaluates them
  (seed 004 §(十一): 年度考评、表彰奖励; seed 002's targets: MMT annual retention ≥ 90 %).
* 戒毒药物维持治疗门诊年度考核: the MMT clinics of an area, as their commission evaluates them.

A deployment changes a scheme by adding a new one (a new code) and retiring the old: past evaluations keep the
terms they were scored on either way.
"""

from decimal import Decimal as D

from django.db import migrations

COUNTY = {
    "code": "county-annual",
    "name_zh": "戒毒医疗服务工作年度综合考评（县区）",
    "name_en": "Annual comprehensive evaluation of drug-rehabilitation medical work (counties)",
    "subject": "county",
    "institution_types": [],
    "commend_places": 3,
    "commend_minimum": D("85"),
    "basis": "《关于加强戒毒医疗服务工作的意见》（十一）加强督导检查：年度考评、表彰奖励；南安市2021年度工作计划（年保持率≥90%）",
}
COUNTY_CRITERIA = [
    # code, 中文, English, source, indicator, weight, no points at, full points at, when missing
    ("retention", "美沙酮维持治疗年保持率", "MMT annual retention", "indicator", "annual_retention", 20, 50, 90, "zero"),
    ("dropout", "脱失率", "Dropout rate", "indicator", "dropout_rate", 10, 30, 5, "zero"),
    ("urine", "尿检覆盖率", "Urine-test coverage", "indicator", "urine_coverage", 5, 50, 95, "zero"),
    ("hiv_testing", "HIV检测覆盖率", "HIV testing coverage", "indicator", "hiv_testing", 5, 50, 95, "zero"),
    ("inspection", "督导检查得分", "Inspection score", "inspection_score", "", 20, 60, 95, "exempt"),
    ("rectification", "整改按期完成率", "Rectification closed on time", "rectification", "", 15, 0, 100, "full"),
    ("capability", "医疗能力评估得分", "Capability score", "capability", "", 10, 60, 100, "exempt"),
    ("training", "培训人次", "Training person-times", "training_person_times", "", 5, 0, 100, "zero"),
    ("campaign_events", "宣传教育活动场次", "Education events", "campaign_events", "", 5, 0, 12, "zero"),
    ("campaign_settings", "宣传教育覆盖场所类型", "Settings reached by education", "campaign_settings", "", 5, 0, 6, "zero"),
]
CLINIC = {
    "code": "clinic-annual",
    "name_zh": "戒毒药物维持治疗门诊年度考核",
    "name_en": "Annual evaluation of MMT clinics",
    "subject": "institution",
    "institution_types": ["mmt_clinic"],
    "commend_places": 1,
    "commend_minimum": D("85"),
    "basis": "《关于加强戒毒医疗服务工作的意见》（十一）；精麻药品管理纳入年度目标考核（南安市2021年度工作计划）",
}
CLINIC_CRITERIA = [
    ("retention", "年保持率", "Annual retention", "indicator", "annual_retention", 25, 50, 90, "zero"),
    ("dropout", "脱失率", "Dropout rate", "indicator", "dropout_rate", 10, 30, 5, "zero"),
    ("urine", "尿检覆盖率", "Urine-test coverage", "indicator", "urine_coverage", 10, 50, 95, "zero"),
    ("hiv_testing", "HIV检测覆盖率", "HIV testing coverage", "indicator", "hiv_testing", 10, 50, 95, "zero"),
    ("inspection", "督导检查得分", "Inspection score", "inspection_score", "", 25, 60, 95, "exempt"),
    ("rectification", "整改按期完成率", "Rectification closed on time", "rectification", "", 10, 0, 100, "full"),
    ("capability", "医疗能力评估得分", "Capability score", "capability", "", 10, 60, 100, "exempt"),
]


def forward(apps, schema_editor):
    Scheme = apps.get_model("evaluation", "Scheme")
    Criterion = apps.get_model("evaluation", "Criterion")
    for spec, criteria in ((COUNTY, COUNTY_CRITERIA), (CLINIC, CLINIC_CRITERIA)):
        scheme, created = Scheme.objects.get_or_create(code=spec["code"], defaults=spec)
        if not created:
            continue
        Criterion.objects.bulk_create(
            [
                Criterion(
                    scheme=scheme,
                    code=code,
                    name_zh=zh,
                    name_en=en,
                    source=source,
                    parameter=parameter,
                    weight=D(weight),
                    zero_at=D(zero),
                    full_at=D(full),
                    missing=missing,
                    order=order,
                )
                for order, (code, zh, en, source, parameter, weight, zero, full, missing) in enumerate(
                    criteria, start=1
                )
            ]
        )


def reverse(apps, schema_editor):
    Scheme = apps.get_model("evaluation", "Scheme")
    Criterion = apps.get_model("evaluation", "Criterion")
    codes = [COUNTY["code"], CLINIC["code"]]
    Criterion.objects.filter(scheme__code__in=codes).delete()
    Scheme.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_schemes_evaluations_results")]
    operations = [migrations.RunPython(forward, reverse)]
