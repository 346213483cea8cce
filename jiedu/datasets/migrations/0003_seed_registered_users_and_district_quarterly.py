"""The two data sets every deployment starts with.

* ``registered_users`` (yearly, by county): the drug users registered with the police — the denominator of MMT
  coverage (persons in MMT per 100 registered opioid users) and of capacity planning.
* ``district_quarterly`` (quarterly, by county/district): the key indicators a city commission collects from its
  districts each quarter, and the districts' progress on key tasks.

``forward`` is idempotent (keyed by codes), so it also puts the data sets back after a test flush.
"""

from decimal import Decimal

from django.db import migrations

# code, name_zh, name_en, period type, reporting level
DATA_SETS = [
    ("registered_users", "登记吸毒人员年度数据", "Registered drug users (yearly)", "yearly", "county"),
    ("district_quarterly", "区县季度重点指标", "District quarterly key indicators", "quarterly", "county"),
]

# data set, code, name_zh, name_en, value type, required, help_zh, help_en
ELEMENTS = [
    ("registered_users", "total", "登记在册吸毒人员总数", "Registered drug users, total", "integer", True,
     "公安机关登记在册的吸毒人员，截至年末。", "Drug users registered with the police, at the end of the year."),
    ("registered_users", "opioid", "其中：阿片类（海洛因等）吸毒人员", "of which opioid (heroin etc.) users",
     "integer", True, "", ""),
    ("registered_users", "synthetic", "其中：合成毒品吸毒人员", "of which synthetic-drug users", "integer", True,
     "冰毒、氯胺酮、摇头丸等。", "Methamphetamine, ketamine, ecstasy and the like."),
    ("registered_users", "other", "其中：其他毒品吸毒人员", "of which users of other drugs", "integer", True,
     "", ""),
    ("registered_users", "new_registrations", "本年新发现登记吸毒人员", "New registrations in the year",
     "integer", True, "", ""),
    ("registered_users", "community_orders", "执行社区戒毒、社区康复人员", "Persons under community detox or rehab orders",
     "integer", False, "年末正在执行的决定。", "Orders in force at the end of the year."),
    ("registered_users", "compulsory_isolation", "年末强制隔离戒毒人员", "Persons in compulsory isolation at year end",
     "integer", False, "", ""),
    ("district_quarterly", "mmt_in_treatment", "美沙酮维持治疗在治人数", "Persons in MMT treatment",
     "integer", True, "本季度至少服药一次的人数。", "Persons given at least one dose in the quarter."),
    ("district_quarterly", "annual_retention", "年保持率（年初至今，%）", "Annual retention to date (%)",
     "percent", True, "", ""),
    ("district_quarterly", "urine_tests", "尿检人次", "Urine tests done", "integer", True, "", ""),
    ("district_quarterly", "venue_hiv_tests", "娱乐场所从业人员艾滋病检测人数", "HIV tests of entertainment-venue workers",
     "integer", True, "", ""),
    ("district_quarterly", "publicity_events", "禁毒宣传活动场次", "Publicity events held", "integer", True,
     "含6·26国际禁毒日、12·1世界艾滋病日活动。",
     "Including 26 June (International Day against Drug Abuse) and 1 December (World AIDS Day)."),
    ("district_quarterly", "trainings", "业务培训班次", "Trainings held", "integer", True, "", ""),
    ("district_quarterly", "key_task_progress", "重点任务完成进度（%）", "Key-task progress (%)", "percent", True,
     "本年度重点任务的完成进度。", "Progress on this year's key tasks."),
]

# data set, code, left, operator, right, right constant, message_zh, message_en
RULES = [
    ("registered_users", "by_drug_adds_up", "total", "=", "opioid+synthetic+other", None,
     "阿片类、合成毒品和其他毒品吸毒人员之和应等于登记吸毒人员总数",
     "Opioid, synthetic-drug and other users must add up to the total"),
    ("registered_users", "new_within_total", "new_registrations", "<=", "total", None,
     "本年新发现登记吸毒人员不应多于登记吸毒人员总数",
     "New registrations in the year cannot be more than the total"),
]  # fmt: skip


def forward(apps, schema_editor):
    DataSet = apps.get_model("datasets", "DataSet")
    DataElement = apps.get_model("datasets", "DataElement")
    ValidationRule = apps.get_model("datasets", "ValidationRule")
    sets = {}
    for code, name_zh, name_en, period_type, level in DATA_SETS:
        sets[code], _ = DataSet.objects.update_or_create(
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "period_type": period_type, "reporting_level": level},
        )
    order = {}
    for data_set, code, name_zh, name_en, value_type, required, help_zh, help_en in ELEMENTS:
        order[data_set] = order.get(data_set, 0) + 1
        DataElement.objects.update_or_create(
            data_set=sets[data_set],
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "value_type": value_type,
                "order": order[data_set],
                "required": required,
                "help_zh": help_zh,
                "help_en": help_en,
            },
        )
    for data_set, code, left, operator, right, constant, message_zh, message_en in RULES:
        ValidationRule.objects.update_or_create(
            data_set=sets[data_set],
            code=code,
            defaults={
                "left": left,
                "operator": operator,
                "right": right,
                "right_constant": None if constant is None else Decimal(constant),
                "message_zh": message_zh,
                "message_en": message_en,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("datasets", "0002_values_and_steps_append_only")]
    # Unapplying leaves the definitions: unapplying 0001 drops their tables.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
