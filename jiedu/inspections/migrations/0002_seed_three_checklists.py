"""The three checklists every deployment starts with, as published version 1 of each (100 points each).

* ``mmt_joint`` — the joint supervision of an MMT clinic by health, police, the drug regulator and the CDC
  (seed 000, Beijing 2019): organisation and management, the working group's coordination mechanisms, clinic
  safety, drug management, the storage of methadone oral solution under the narcotic rules, the prevention of
  unauthorised take-away, staffing and incentives.
* ``five_special`` — the 五专 rule for narcotics and psychotropics at any holder of controlled-substance stores
  (dedicated keepers, locked stores, dedicated ledgers, special prescriptions, dedicated registers; two-person
  checks, stock-takes, loss reports, the purchase seal card).
* ``compulsory_unit`` — the medical unit of a compulsory isolation centre against the six-fold goal of seed 001
  (Hebei 2021): institution, equipment, staff structure, rules, social collaboration, capability.

The item texts are the authorities' wording, in Chinese. ``forward`` is idempotent (keyed by code: a checklist
that exists is left as it is), so it also puts the checklists back after a test flush.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

SEEDED_AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
P, G, D = "pass_fail", "graded", "deduction"

# (text, max score, rule, deduction per instance, evidence required, fact key, how to check)
CHECKLISTS = [
    (
        "mmt_joint",
        "美沙酮维持治疗门诊联合督导检查表",
        "Joint supervision of an MMT clinic",
        "mmt_clinic",
        [
            ("组织管理", "Organisation and management", [
                ("门诊设置经省级卫生健康行政部门批准，执业许可、戒毒医疗资质等证照齐全有效", "5", P, None, True, "",
                 "查看批准文件和证照原件，拍照留存"),
                ("门诊负责人明确，岗位职责和工作流程上墙公示", "5", G, None, False, "", "现场查看"),
                ("服药管理、尿检、药品管理、安全保卫、信息报告等内部管理制度健全并有执行记录", "5", G, None, False, "",
                 "抽查近3个月记录"),
            ]),
            ("工作机制与部门联动", "Coordination mechanisms", [
                ("与辖区公安派出所建立信息通报机制，入组、脱失、复吸等信息按时报告", "5", G, None, False, "overdue_reports",
                 "核对报告登记与回执"),
                ("与社区戒毒社区康复工作机构、疾病预防控制中心建立转介和协作机制", "5", G, None, False, "",
                 "查看协作协议和转介记录"),
                ("区县工作组定期召开联席会议，门诊参加并落实工作组部署", "5", G, None, False, "",
                 "查看会议纪要；工作组成员单位是否积极参与"),
            ]),
            ("门诊安全", "Clinic safety", [
                ("服药窗口设置防护设施，视频监控覆盖服药区和药品储存区，录像保存不少于30天", "5", P, None, True, "",
                 "现场查看并拍照，调阅录像"),
                ("制定药物过量、冲突、停电停网等突发事件应急预案并定期演练", "5", G, None, False, "",
                 "查看预案和演练记录"),
            ]),
            ("药品管理", "Drug management", [
                ("麻醉药品专人负责、专柜加锁，双人双锁保管", "5", P, None, True, "", "现场查看保险柜和钥匙管理"),
                ("专用账册逐日登记，日清日结，账物相符", "5", D, "1", False, "stock_variances",
                 "每发现一处账物不符扣1分"),
                ("每日盘点和每月全面盘点按时完成，双人签字", "5", D, "1", False, "overdue_stocktakes",
                 "每发现一次未按时盘点扣1分"),
                ("麻醉药品、第一类精神药品购用印鉴卡在有效期内，到期前按规定申请换发", "5", P, None, False, "seal_card",
                 "查看印鉴卡"),
            ]),
            ("美沙酮口服溶液储存", "Storage of methadone oral solution", [
                ("美沙酮口服溶液储存于专用保险柜，符合麻醉药品管理规定", "5", P, None, True, "", "现场查看并拍照"),
                ("配制、分装、发放记录完整，双人核对签字，日结记录按日完成", "5", G, None, False, "last_day_close",
                 "抽查日结记录"),
            ]),
            ("防止擅自带药与治疗依从", "Preventing unauthorised take-away, adherence", [
                ("服药人员在窗口当面服药，工作人员确认咽下后方可离开", "4", P, None, False, "", "现场观察服药过程"),
                ("发现擅自带药的及时制止、记录并报告", "4", D, "2", False, "",
                 "每发现一例擅自带药未处置扣2分"),
                ("脱失人员及时追踪并按规定报告", "4", G, None, False, "dropout_rate", "抽查脱失人员追踪记录"),
                ("治疗保持率达到工作目标", "3", G, None, False, "retention", "对照工作方案目标"),
            ]),
            ("人员配备与激励", "Staffing and incentives", [
                ("按规定配备医师、护士、药剂人员，持证上岗", "5", G, None, False, "", "查看人员名册和执业证书"),
                ("医务人员参加专业培训，达到规定学时", "5", G, None, False, "", "查看培训记录"),
                ("建立绩效激励机制，医务人员相对稳定", "5", G, None, False, "", "了解近一年人员流动情况"),
            ]),
        ],
    ),
    (
        "five_special",
        "麻醉药品和精神药品“五专”管理检查表",
        "Narcotics and psychotropics: the five dedicated controls",
        "store_holder",
        [
            ("专人负责", "Dedicated keepers", [
                ("指定专人负责麻醉药品、第一类精神药品管理，有书面任命", "5", P, None, True, "", "查看任命文件并拍照"),
                ("保管人员熟悉管理规定，经过培训", "5", G, None, False, "", "现场询问"),
                ("实行双人双锁，钥匙分别由两人保管", "10", P, None, True, "", "现场查看并拍照"),
            ]),
            ("专柜加锁", "Locked stores", [
                ("设立专库或保险柜，安装防盗设施和报警装置", "10", P, None, True, "", "现场查看并拍照"),
                ("储存场所有视频监控，录像可调阅", "5", P, None, False, "", "调阅录像"),
            ]),
            ("专用账册", "Dedicated ledgers", [
                ("专用账册逐日登记，账物相符", "10", D, "2", False, "stock_variances", "每发现一处账物不符扣2分"),
                ("入库验收双人核对至最小包装并签字，记录要素齐全", "5", G, None, False, "", "抽查验收记录"),
                ("每日盘点和每月全面盘点按时完成", "5", D, "1", False, "overdue_stocktakes",
                 "每发现一次未按时盘点扣1分"),
                ("专用账册保存至药品有效期满后不少于5年", "5", P, None, False, "", "查看历年账册"),
            ]),
            ("专用处方", "Special prescriptions", [
                ("使用专用处方（麻、精一为淡红色，精二为白色），处方书写规范", "10", D, "2", False, "",
                 "每发现一张不规范处方扣2分"),
                ("处方按规定期限保存，销毁经负责人批准并记录", "5", G, None, False, "", "查看保存和销毁记录"),
            ]),
            ("专册登记", "Dedicated registers", [
                ("每次使用均在专册登记，与处方、患者一一对应", "10", D, "2", False, "", "每发现一处不对应扣2分"),
                ("发药双人复核并签字", "5", P, None, False, "", "现场查看"),
            ]),
            ("丢失被盗报告与印鉴卡", "Loss reports and the seal card", [
                ("发生丢失、被盗、骗取的，立即采取控制措施并报告公安、药品监管和卫生健康部门", "5", G, None, False,
                 "overdue_reports", "核对报告记录"),
                ("购用印鉴卡在有效期内，到期前3个月申请换发", "5", P, None, False, "seal_card", "查看印鉴卡"),
            ]),
        ],
    ),
    (
        "compulsory_unit",
        "强制隔离戒毒所医疗单元检查表",
        "Medical unit of a compulsory isolation centre",
        "compulsory_unit",
        [
            ("机构设置健全", "Institution", [
                ("所内医疗机构依法登记，取得戒毒医疗服务资质", "10", P, None, True, "", "查看登记证书和资质文件并拍照"),
                ("内部科室设置齐全，设有精神科", "10", G, None, False, "", "现场查看"),
            ]),
            ("设施设备完善", "Equipment", [
                ("配齐X光机、B超机、血液分析仪、全自动生化分析仪等必需基本医疗设备", "15", D, "5", True, "",
                 "每缺一类设备扣5分；拍照留存"),
                ("医疗设备运行正常，定期维护校准，无陈旧老化影响诊疗", "5", G, None, False, "", "查看维护记录"),
            ]),
            ("人员结构合理", "Staff structure", [
                ("配备全科医师、精神科医师，执业结构合理", "10", G, None, False, "", "查看人员名册和执业证书"),
                ("落实医务人员培训、转岗培训和外出进修", "5", G, None, False, "", "查看培训和进修记录"),
            ]),
            ("规章制度完备", "Rules", [
                ("诊疗、药品、院感、病历管理等医疗工作制度健全", "10", G, None, False, "", "查看制度汇编"),
                ("日常管理规范精细，制度执行有记录", "5", G, None, False, "", "抽查执行记录"),
            ]),
            ("社会协作贯通", "Social collaboration", [
                ("参加驻地社会医院医联体建设", "5", P, None, False, "", "查看协议"),
                ("参加专科联盟", "5", P, None, False, "", "查看协议"),
                ("建成远程医疗协作网，落实对口支援", "5", G, None, False, "", "现场查看远程会诊记录"),
            ]),
            ("能力水平达标", "Capability", [
                ("取得麻醉药品、第一类精神药品购用印鉴卡", "5", P, None, False, "seal_card", "查看印鉴卡"),
                ("依法依规收治病残吸毒人员，诊疗能力满足需要", "5", G, None, False, "", "抽查病历"),
                ("传染病和突发公共卫生事件防控措施落实", "5", G, None, False, "", "查看防控记录"),
            ]),
        ],
    ),
]  # fmt: skip


def forward(apps, schema_editor):
    Template = apps.get_model("inspections", "Template")
    TemplateVersion = apps.get_model("inspections", "TemplateVersion")
    Section = apps.get_model("inspections", "Section")
    Item = apps.get_model("inspections", "Item")
    for code, title_zh, title_en, target_type, sections in CHECKLISTS:
        if Template.objects.filter(code=code).exists():
            continue
        template = Template.objects.create(
            code=code, title_zh=title_zh, title_en=title_en, target_type=target_type, created_at=SEEDED_AT
        )
        version = TemplateVersion.objects.create(
            template=template, number=1, status="published", created_at=SEEDED_AT, published_at=SEEDED_AT
        )
        for s_order, (s_zh, s_en, items) in enumerate(sections, start=1):
            section = Section.objects.create(version=version, order=s_order, title_zh=s_zh, title_en=s_en)
            for i_order, (text, maximum, rule, deduction, evidence, fact, guidance) in enumerate(items, start=1):
                Item.objects.create(
                    version=version,
                    section=section,
                    order=i_order,
                    text=text,
                    guidance=guidance,
                    max_score=Decimal(maximum),
                    rule=rule,
                    deduction=Decimal(deduction) if deduction else None,
                    evidence_required=evidence,
                    fact_key=fact,
                )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_templates_teams_inspections_rectification")]
    # Unapplying leaves the checklists: unapplying 0001 drops their tables.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
