"""The two assessment frameworks every deployment starts with.

* ``compulsory-centre-2022``: the six goals a province set its compulsory-centre medical units for the end of 2022
  (seed 001): departments such as psychiatry; X-ray, B-ultrasound, blood and biochemistry analysers; general
  practitioners and psychiatrists; complete rules; specialist alliance, local medical consortium, telemedicine,
  paired support and a dedicated ward; the drug-treatment qualification, psychiatry registration and seal card.
* ``mmt-clinic-2022``: the same six dimensions for an MMT clinic.

Weights and required counts are data: a province changes them here (or with a new framework) without code.
``forward`` is idempotent (keyed by codes), so it also puts the frameworks back after a test flush.
"""

from django.db import migrations

# code, name_zh, name_en, unit type
FRAMEWORKS = [
    ("compulsory-centre-2022", "强制隔离戒毒所医疗机构能力评估（2022）", "Compulsory-centre medical unit capability (2022)",
     "compulsory_centre"),
    ("mmt-clinic-2022", "美沙酮维持治疗门诊能力评估（2022）", "MMT clinic capability (2022)", "mmt_clinic"),
]

# framework, code, dimension, name_zh, name_en, source, parameter, required, weight
CRITERIA = [
    ("compulsory-centre-2022", "dept_internal_medicine", "departments", "设有内科", "Has an internal medicine department",
     "department", "internal_medicine", 1, 2),
    ("compulsory-centre-2022", "dept_psychiatry", "departments", "设有精神科", "Has a psychiatry department",
     "department", "psychiatry", 1, 3),
    ("compulsory-centre-2022", "dept_infectious", "departments", "设有传染病科（感染科）",
     "Has an infectious diseases department", "department", "infectious_diseases", 1, 2),
    ("compulsory-centre-2022", "dept_laboratory", "departments", "设有检验科", "Has a laboratory",
     "department", "laboratory", 1, 2),
    ("compulsory-centre-2022", "dept_imaging", "departments", "设有影像科", "Has an imaging department",
     "department", "imaging", 1, 1),
    ("compulsory-centre-2022", "dept_pharmacy", "departments", "设有药房", "Has a pharmacy", "department", "pharmacy", 1, 1),
    ("compulsory-centre-2022", "eq_xray", "equipment", "X光机在用", "X-ray machine in working order",
     "equipment", "xray", 1, 2),
    ("compulsory-centre-2022", "eq_ultrasound", "equipment", "B超机在用", "B-mode ultrasound in working order",
     "equipment", "b_ultrasound", 1, 2),
    ("compulsory-centre-2022", "eq_blood", "equipment", "血液分析仪在用", "Blood analyser in working order",
     "equipment", "blood_analyser", 1, 2),
    ("compulsory-centre-2022", "eq_biochemistry", "equipment", "全自动生化分析仪在用",
     "Biochemistry analyser in working order", "equipment", "biochemistry_analyser", 1, 2),
    ("compulsory-centre-2022", "eq_ecg", "equipment", "心电图机在用", "Electrocardiograph in working order",
     "equipment", "ecg", 1, 1),
    ("compulsory-centre-2022", "eq_defibrillator", "equipment", "除颤仪在用", "Defibrillator in working order",
     "equipment", "defibrillator", 1, 1),
    ("compulsory-centre-2022", "eq_trolley", "equipment", "抢救车在用", "Emergency trolley in working order",
     "equipment", "emergency_trolley", 1, 1),
    ("compulsory-centre-2022", "staff_gp", "staff", "至少1名持有效执业证书的全科医师",
     "At least 1 general practitioner with a valid practising certificate", "certified_staff",
     "general_practitioner", 1, 2),
    ("compulsory-centre-2022", "staff_psychiatrist", "staff", "至少1名持有效执业证书的精神科医师",
     "At least 1 psychiatrist with a valid practising certificate", "certified_staff", "psychiatrist", 1, 3),
    ("compulsory-centre-2022", "staff_nurses", "staff", "至少3名持有效执业证书的护士",
     "At least 3 nurses with a valid practising certificate", "certified_staff", "nurse", 3, 2),
    ("compulsory-centre-2022", "staff_pharmacist", "staff", "至少1名持有效注册的药师",
     "At least 1 pharmacist with a valid registration", "certified_staff", "pharmacist", 1, 1),
    ("compulsory-centre-2022", "staff_total", "staff", "医务人员不少于8人", "At least 8 medical staff in post",
     "medical_staff", "", 8, 2),
    ("compulsory-centre-2022", "rules_quality", "rules", "医疗质量安全管理制度", "Medical quality and safety rules in force",
     "rules", "medical_quality", 1, 2),
    ("compulsory-centre-2022", "rules_drugs", "rules", "药品及麻醉精神药品管理制度",
     "Drug and controlled-substance rules in force", "rules", "drug_management", 1, 2),
    ("compulsory-centre-2022", "rules_infection", "rules", "医院感染防控制度", "Infection-control rules in force",
     "rules", "infection_control", 1, 1),
    ("compulsory-centre-2022", "rules_emergency", "rules", "突发事件应急处置预案", "Emergency-response plan in force",
     "rules", "emergency", 1, 1),
    ("compulsory-centre-2022", "collab_alliance", "collaboration", "参加专科联盟", "In a specialist alliance",
     "collaboration", "specialist_alliance", 1, 3),
    ("compulsory-centre-2022", "collab_consortium", "collaboration", "参加驻地医联体",
     "In a local medical consortium", "collaboration", "medical_consortium", 1, 3),
    ("compulsory-centre-2022", "collab_telemedicine", "collaboration", "建成远程医疗协作网", "Telemedicine link in place",
     "collaboration", "telemedicine", 1, 2),
    ("compulsory-centre-2022", "collab_paired", "collaboration", "落实对口支援", "Paired support by a hospital",
     "collaboration", "paired_support", 1, 2),
    ("compulsory-centre-2022", "collab_ward", "collaboration", "戒毒人员专用病房", "Dedicated ward at a local hospital",
     "collaboration", "dedicated_ward", 1, 1),
    ("compulsory-centre-2022", "lic_drug_treatment", "qualifications", "取得戒毒医疗资质",
     "Drug-treatment medical qualification valid", "licence", "drug_treatment", 1, 3),
    ("compulsory-centre-2022", "lic_institution", "qualifications", "医疗机构执业许可证有效",
     "Medical institution practising licence valid", "licence", "medical_institution", 1, 2),
    ("compulsory-centre-2022", "lic_psychiatry", "qualifications", "精神科诊疗科目登记", "Psychiatry registration valid",
     "licence", "psychiatry", 1, 2),
    ("compulsory-centre-2022", "lic_seal_card", "qualifications", "取得印鉴卡", "Purchase seal card valid",
     "licence", "seal_card", 1, 2),
    ("mmt-clinic-2022", "dept_pharmacy", "departments", "设有药房（发药室）", "Has a pharmacy (dispensing room)",
     "department", "pharmacy", 1, 2),
    ("mmt-clinic-2022", "dept_laboratory", "departments", "设有检验室", "Has a laboratory", "department", "laboratory", 1, 2),
    ("mmt-clinic-2022", "dept_psychology", "departments", "设有心理咨询室", "Has psychological counselling",
     "department", "psychology", 1, 1),
    ("mmt-clinic-2022", "eq_urine", "equipment", "尿液分析仪在用", "Urine analyser in working order",
     "equipment", "urine_analyser", 1, 2),
    ("mmt-clinic-2022", "eq_trolley", "equipment", "抢救车在用", "Emergency trolley in working order",
     "equipment", "emergency_trolley", 1, 2),
    ("mmt-clinic-2022", "eq_oxygen", "equipment", "供氧设备在用", "Oxygen supply in working order",
     "equipment", "oxygen", 1, 1),
    ("mmt-clinic-2022", "eq_defibrillator", "equipment", "除颤仪在用", "Defibrillator in working order",
     "equipment", "defibrillator", 1, 1),
    ("mmt-clinic-2022", "staff_physicians", "staff", "至少2名持有效执业证书的医师",
     "At least 2 physicians with a valid practising certificate", "certified_staff", "physician", 2, 3),
    ("mmt-clinic-2022", "staff_nurses", "staff", "至少2名持有效执业证书的护士",
     "At least 2 nurses with a valid practising certificate", "certified_staff", "nurse", 2, 2),
    ("mmt-clinic-2022", "staff_pharmacist", "staff", "至少1名持有效注册的药师",
     "At least 1 pharmacist with a valid registration", "certified_staff", "pharmacist", 1, 2),
    ("mmt-clinic-2022", "staff_total", "staff", "医务人员不少于5人", "At least 5 medical staff in post",
     "medical_staff", "", 5, 1),
    ("mmt-clinic-2022", "rules_drugs", "rules", "麻醉药品“五专”管理制度",
     "Controlled-substance rules (the five dedicated controls) in force", "rules", "drug_management", 1, 3),
    ("mmt-clinic-2022", "rules_quality", "rules", "医疗质量安全管理制度", "Medical quality and safety rules in force",
     "rules", "medical_quality", 1, 2),
    ("mmt-clinic-2022", "rules_emergency", "rules", "突发事件应急处置预案", "Emergency-response plan in force",
     "rules", "emergency", 1, 1),
    ("mmt-clinic-2022", "collab_consortium", "collaboration", "参加医联体", "In a medical consortium",
     "collaboration", "medical_consortium", 1, 2),
    ("mmt-clinic-2022", "collab_alliance", "collaboration", "与精神专科医院建立专科联盟",
     "In a specialist alliance with a psychiatric hospital", "collaboration", "specialist_alliance", 1, 1),
    ("mmt-clinic-2022", "lic_mmt", "qualifications", "开展维持治疗的批准", "MMT clinic approval valid",
     "licence", "mmt_approval", 1, 3),
    ("mmt-clinic-2022", "lic_drug_treatment", "qualifications", "取得戒毒医疗资质",
     "Drug-treatment medical qualification valid", "licence", "drug_treatment", 1, 2),
    ("mmt-clinic-2022", "lic_institution", "qualifications", "医疗机构执业许可证有效",
     "Medical institution practising licence valid", "licence", "medical_institution", 1, 2),
    ("mmt-clinic-2022", "lic_seal_card", "qualifications", "取得印鉴卡", "Purchase seal card valid",
     "licence", "seal_card", 1, 3),
]  # fmt: skip


def forward(apps, schema_editor):
    Framework = apps.get_model("capability", "Framework")
    Criterion = apps.get_model("capability", "Criterion")
    frameworks = {}
    for code, name_zh, name_en, unit_type in FRAMEWORKS:
        frameworks[code], _ = Framework.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "unit_type": unit_type, "is_active": True}
        )
    order: dict[str, int] = {}
    for framework, code, dimension, name_zh, name_en, source, parameter, required, weight in CRITERIA:
        order[framework] = order.get(framework, 0) + 1
        Criterion.objects.get_or_create(
            framework=frameworks[framework],
            code=code,
            defaults={
                "dimension": dimension,
                "name_zh": name_zh,
                "name_en": name_en,
                "source": source,
                "parameter": parameter,
                "required": required,
                "weight": weight,
                "order": order[framework],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("capability", "0001_registers_frameworks_and_assessments")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
