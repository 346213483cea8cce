"""The indicator dictionary: every indicator's code, names, definition, numerator and denominator, the
disaggregations it supports, its target and direction (docs/adr/0012). It is data — shown at
``/indicators/dictionary/``, exported with every workbook, served by the API — kept beside the code that computes
it, because a definition cannot change without its computation. Targets are policy values (``indicators.target.*``)
with a national default that a province or city may override.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

PERSONS, PERCENT, MG, PER_100, COUNT = "persons", "percent", "mg", "per_100", "count"
HIGHER, LOWER, NEITHER = "higher", "lower", "neither"

ALL_PERIODS = ("M", "Q", "Y")
STANDARD = ("region", "organisation", "sex", "age_band", "period")
SPELL_DIMENSIONS = ("region", "organisation", "sex", "age_band", "period")
NO_PERSON = ("region", "organisation", "period")


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    numerator: str
    denominator: str
    unit: str
    direction: str = NEITHER
    periods: tuple[str, ...] = ALL_PERIODS
    disaggregations: tuple[str, ...] = STANDARD
    target_key: str = ""
    source: str = ""
    who: str = ""  # the WHO SMART HIV indicator it matches, and how it differs

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "zh-hans").lower().startswith("zh") else self.name_en

    @property
    def definition(self) -> str:
        return (
            self.definition_zh
            if (get_language() or "zh-hans").lower().startswith("zh")
            else self.definition_en
        )


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "in_treatment",
        "在治人数",
        "Persons in treatment",
        "期内至少服药一次的人数；转诊者只计一次，计入期内最后服药的门诊。",
        "Persons dosed at least once in the period; a person who moved is counted once, at the clinic of their "
        "last dose in the period.",
        "persons with ≥ 1 dose day in the period",
        "—",
        PERSONS,
        HIGHER,
        source="DOMAIN §5",
        who="OAMT clients (number of people receiving OAMT): same count.",
    ),
    Indicator(
        "new_enrolments",
        "新入组人数",
        "New enrolments",
        "期内开始治疗的首次入组（转入不计）。",
        "Episodes that started treatment in the period and are the person's first ever (transfers in excluded).",
        "episodes started in the period, first ever, not transfers",
        "—",
        PERSONS,
        disaggregations=SPELL_DIMENSIONS,
        source="DOMAIN §5",
    ),
    Indicator(
        "re_enrolments",
        "再入组人数",
        "Re-enrolments",
        "期内开始治疗的再次入组（此前有过治疗，转入不计）。",
        "Episodes that started treatment in the period after an earlier spell of treatment (transfers in "
        "excluded).",
        "episodes started in the period, not first, not transfers",
        "—",
        PERSONS,
        disaggregations=SPELL_DIMENSIONS,
        source="DOMAIN §5",
    ),
    Indicator(
        "annual_retention",
        "年保持率",
        "Annual retention",
        "12月至少服药一次的人数 ÷ 全年至少服药一次的人数 × 100（全国口径）。",
        "Persons dosed at least once in December ÷ persons dosed at least once in the year × 100 (the "
        "national definition).",
        "persons dosed in December of the year",
        "persons dosed in the year",
        PERCENT,
        HIGHER,
        periods=("Y",),
        target_key="indicators.target.annual_retention",
        source="DOMAIN §5; target seed 002 (≥ 90 %)",
        who="Differs: WHO retention is a cohort measure (see the 6- and 12-month cohort retention).",
    ),
    Indicator(
        "retention_3m",
        "3个月队列保持率",
        "Cohort retention at 3 months",
        "期内开始治疗的队列中，3个月时仍在治疗（未退出、未脱失）的比例；未满3个月者不计入分母。",
        "Of the spells that started in the period, the share still in treatment (no exit, no dropout gap) "
        "3 months later; spells not yet 3 months old are left out of the denominator.",
        "spells started in the period and in treatment 3 months later",
        "spells started in the period at least 3 months ago",
        PERCENT,
        HIGHER,
        disaggregations=SPELL_DIMENSIONS,
        source="DOMAIN §5 (3-month retention 69 % in a meta-analysis)",
    ),
    Indicator(
        "retention_6m",
        "6个月队列保持率",
        "Cohort retention at 6 months",
        "期内开始治疗的队列中，6个月时仍在治疗的比例；未满6个月者不计入分母。",
        "Of the spells that started in the period, the share still in treatment 6 months later; spells not yet "
        "6 months old are left out of the denominator.",
        "spells started in the period and in treatment 6 months later",
        "spells started in the period at least 6 months ago",
        PERCENT,
        HIGHER,
        disaggregations=SPELL_DIMENSIONS,
        source="DOMAIN §5",
        who="WHO SMART 'retention in OAMT at 6 months': same measure (a 12-month cohort of starters).",
    ),
    Indicator(
        "retention_12m",
        "12个月队列保持率",
        "Cohort retention at 12 months",
        "期内开始治疗的队列中，12个月时仍在治疗的比例；未满12个月者不计入分母。",
        "Of the spells that started in the period, the share still in treatment 12 months later; spells not yet "
        "12 months old are left out of the denominator.",
        "spells started in the period and in treatment 12 months later",
        "spells started in the period at least 12 months ago",
        PERCENT,
        HIGHER,
        disaggregations=SPELL_DIMENSIONS,
        source="DOMAIN §5",
        who="WHO SMART 'retention in OAMT at 12 months': same measure.",
    ),
    Indicator(
        "dropout_rate",
        "脱失率",
        "Dropout rate",
        "期内服药后出现连续≥7天（可配置）未服药且无退出记录的人数 ÷ 在治人数 × 100；脱失计入其最后一次服药所在期间。",
        "Persons whose dosing in the period was followed by a gap of 7 or more days (configurable) without a "
        "recorded exit ÷ persons in treatment × 100; a dropout counts in the period of its last dose.",
        "persons with a dropout gap after a dose in the period",
        "persons in treatment",
        PERCENT,
        LOWER,
        source="DOMAIN §2, §5",
    ),
    Indicator(
        "dose_mean",
        "平均日剂量",
        "Mean daily dose",
        "期内所有服药日处方剂量的平均值（毫克）。",
        "Mean of the ordered daily dose over every dose day in the period (mg).",
        "sum of the daily doses of the dose days",
        "dose days",
        MG,
        source="DOMAIN §5 (national mean 47–61 mg)",
    ),
    Indicator(
        "dose_median",
        "日剂量中位数",
        "Median daily dose",
        "期内所有服药日处方剂量的中位数（毫克）。",
        "Median of the ordered daily dose over every dose day in the period (mg).",
        "—",
        "dose days",
        MG,
        disaggregations=NO_PERSON,
        source="DOMAIN §5",
    ),
    Indicator(
        "dose_ge60",
        "剂量≥60mg比例",
        "Share on 60 mg or more",
        "期内最后一次服药剂量≥60毫克的人数 ÷ 在治人数 × 100。",
        "Persons whose last dose in the period was 60 mg or more ÷ persons in treatment × 100.",
        "persons whose last dose in the period was ≥ 60 mg",
        "persons in treatment",
        PERCENT,
        HIGHER,
        source="DOMAIN §5",
        who="WHO SMART 'OAMT at an adequate dose (methadone ≥ 60 mg)': same threshold, measured at the "
        "period's last dose.",
    ),
    Indicator(
        "urine_coverage",
        "尿检覆盖率",
        "Urine test coverage",
        "期内在服药月份做过尿检的在治人数 ÷ 在治人数 × 100。",
        "Persons in treatment with a urine drug test (result recorded) in a month they were dosed ÷ persons in "
        "treatment × 100.",
        "persons tested",
        "persons in treatment",
        PERCENT,
        HIGHER,
        target_key="indicators.target.urine_coverage",
        source="DOMAIN §2, §5 (at least monthly)",
    ),
    Indicator(
        "urine_positive_rate",
        "尿检阳性率",
        "Urine test positive rate",
        "在治者尿检中阳性的次数 ÷ 尿检次数 × 100。",
        "Positive urine drug tests of persons in treatment ÷ their urine tests × 100.",
        "positive tests",
        "tests with a result",
        PERCENT,
        LOWER,
        source="DOMAIN §5 (27.2 % in 2008 → 9.6 % in 2021)",
    ),
    Indicator(
        "hiv_testing",
        "HIV检测覆盖率",
        "HIV testing coverage",
        "期内做过HIV检测的在治人数 ÷ 期初未知HIV阳性的在治人数 × 100。",
        "Persons in treatment tested for HIV in the period ÷ persons in treatment not known HIV-positive before "
        "the period × 100.",
        "persons tested for HIV",
        "persons in treatment not known HIV-positive",
        PERCENT,
        HIGHER,
        source="DOMAIN §2, §5",
        who="WHO SMART 'HIV testing among OAMT clients': same, with the known positive left out.",
    ),
    Indicator(
        "hcv_testing",
        "丙肝检测覆盖率",
        "HCV testing coverage",
        "期内做过丙肝抗体检测的在治人数 ÷ 期初未知丙肝阳性的在治人数 × 100。",
        "Persons in treatment tested for HCV in the period ÷ persons in treatment not known HCV-positive before "
        "the period × 100.",
        "persons tested for HCV",
        "persons in treatment not known HCV-positive",
        PERCENT,
        HIGHER,
        source="DOMAIN §2, §5",
    ),
    Indicator(
        "syphilis_testing",
        "梅毒检测覆盖率",
        "Syphilis testing coverage",
        "期内做过梅毒检测的在治人数 ÷ 期初未知梅毒阳性的在治人数 × 100。",
        "Persons in treatment tested for syphilis in the period ÷ persons in treatment not known positive "
        "before the period × 100.",
        "persons tested for syphilis",
        "persons in treatment not known syphilis-positive",
        PERCENT,
        HIGHER,
        source="DOMAIN §2, §5",
    ),
    Indicator(
        "hiv_seroconversion",
        "HIV新发感染率",
        "HIV seroconversion",
        "此前HIV阴性、期内再次检测者中结果阳性的人数 ÷ 此前阴性且期内再次检测的人数 × 100。",
        "Persons with an earlier negative HIV test whose test in the period was positive ÷ persons with an "
        "earlier negative test tested again in the period × 100.",
        "seroconversions",
        "persons with an earlier negative test, tested again",
        PERCENT,
        LOWER,
        source="DOMAIN §5",
    ),
    Indicator(
        "art_linkage",
        "抗病毒治疗衔接率",
        "ART linkage",
        "期内新发现HIV阳性者中在30天（可配置）内开始抗病毒治疗的人数 ÷ 新发现阳性人数 × 100。",
        "Persons first found HIV-positive in the period who started ART within 30 days (configurable) ÷ "
        "persons first found HIV-positive in the period × 100.",
        "new positives started on ART in time",
        "new positives",
        PERCENT,
        HIGHER,
        target_key="indicators.target.art_linkage",
        source="DOMAIN §2, §5; target UNAIDS 95 %",
        who="WHO SMART 'ART among HIV-positive OAMT clients' counts all positives on ART; this counts linkage "
        "of new positives.",
    ),
    Indicator(
        "coverage",
        "维持治疗覆盖率",
        "MMT coverage",
        "年内在治人数 ÷ 登记在册阿片类吸毒人员数 × 100（登记人数来自汇总数据集，已审核）。",
        "Persons in treatment in the year per 100 registered opioid users (registered users from the approved "
        "aggregate data set).",
        "persons in treatment in the year",
        "registered opioid users (data set registered_users, approved)",
        PER_100,
        HIGHER,
        periods=("Y",),
        disaggregations=("region", "period"),
        target_key="indicators.target.coverage",
        source="DOMAIN §5; UNAIDS target 40–50",
        who="Differs: WHO SMART OAMT coverage divides by the estimated number of people who inject opioids; "
        "registered users are the Chinese denominator.",
    ),
    Indicator(
        "exits",
        "退出人数（按原因）",
        "Exits by reason",
        "期内结束的治疗，按退出原因计；转出单列，不计入全国退出。",
        "Episodes that ended in the period, by exit reason; transfers out are shown apart and are not exits "
        "nationally.",
        "episodes ended in the period",
        "—",
        COUNT,
        disaggregations=SPELL_DIMENSIONS,
        source="DOMAIN §2, §5",
    ),
    Indicator(
        "stock_variance",
        "账物差异",
        "Stock variance",
        "期内盘点（日结、月末盘点）中账面数 − 实物数，按药品和药库；列出有差异的盘点次数。",
        "Book − counted quantity at the counts of the period (day closes and monthly stock-takes), per drug and "
        "store, with the number of counts that found a variance.",
        "book − counted quantity",
        "—",
        COUNT,
        LOWER,
        disaggregations=NO_PERSON,
        source="DOMAIN §3, §5",
    ),
)

BY_CODE = {i.code: i for i in INDICATORS}

#: The indicators that are ratios of two counts of the cube (numerator, denominator, scale).
SCORED = tuple(i for i in INDICATORS if i.code not in ("exits", "stock_variance"))
