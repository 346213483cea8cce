"""The demo county's fixed reference data: 南安市 (350583) with its agencies, licences and staff.

Everything here is constant; what varies with the seed (the people) is drawn in ``generators.py``.
Names, streets and villages are plausible, not a copy of any real register.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from jiedu.accounts.models import Role
from jiedu.registry.models import LicenceKind
from jiedu.registry.models import OrganisationType as T

COUNTY_CODE = "350583"  # 南安市, 泉州市 350500, 福建省 350000
OLD_COUNTY_CODE = "350523"  # 南安县 until 1993: identity numbers issued before then keep it
OLD_COUNTY_UNTIL_YEAR = 1993
ADDRESS_PREFIX = "福建省泉州市南安市"
DEMO_PASSWORD = "jiedu-demo-2026"  # noqa: S105 - the one public password of the demo logins
DEFAULT_SEED = 2026
DEFAULT_PERSONS = 620
#: The day the licence dates were chosen against (one seal card falls due within three months of it).
REFERENCE_DAY = dt.date(2026, 11, 23)


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    type: str
    town: str
    street: str
    latitude: Decimal
    longitude: Decimal
    phone: str
    contact_person: str
    #: Unified social credit code (GB 32100) without its two check characters; see ``generators.credit_code``.
    credit_base: str
    parent: str | None = None
    #: The region, when not the county (the prefecture's commission above it).
    region: str = COUNTY_CODE
    address_prefix: str = ADDRESS_PREFIX

    @property
    def address(self) -> str:
        return f"{self.address_prefix}{self.town}{self.street}"


def _org(
    key: str, name: str, type: str, town: str, street: str, lat: str, lon: str, phone: str, contact: str,
    credit_base: str, parent: str | None = None,
) -> OrgSpec:  # fmt: skip
    return OrgSpec(
        key, name, type, town, street, Decimal(lat), Decimal(lon), phone, contact, credit_base, parent
    )


#: In creation order: a dosing point comes after its parent clinic.
# fmt: off
ORGANISATIONS: tuple[OrgSpec, ...] = (
    _org("commission", "南安市卫生健康局", T.HEALTH_COMMISSION, "溪美街道", "成功街88号",
         "24.961420", "118.386310", "0595-86383201", "许文杰", "11350583MB017152"),
    _org("narcotics", "南安市禁毒委员会办公室", T.NARCOTICS_OFFICE, "溪美街道", "南安大道1号公安大楼7层",
         "24.958870", "118.390140", "0595-86368126", "杨建国", "11350583MB018273"),
    _org("police_bureau", "南安市公安局", T.POLICE, "溪美街道", "南安大道1号",
         "24.958530", "118.389760", "0595-86362110", "黄振宇", "11350583MB019395"),
    _org("police_ximei", "南安市公安局溪美派出所", T.POLICE, "溪美街道", "新华街215号",
         "24.963870", "118.383020", "0595-86382011", "王永强", "11350583MB020416"),
    _org("police_shuitou", "南安市公安局水头派出所", T.POLICE, "水头镇", "中山街36号",
         "24.722760", "118.430650", "0595-86982110", "吕志勇", "11350583MB021538"),
    _org("cdc", "南安市疾病预防控制中心", T.CDC, "柳城街道", "南洪路326号",
         "24.951130", "118.372840", "0595-86329012", "刘晓燕", "12350583MB022659"),
    _org("community", "南安市社区戒毒社区康复工作办公室", T.COMMUNITY_REHAB, "美林街道", "洋美路58号",
         "24.944260", "118.409570", "0595-86301626", "张玉兰", "11350583MB023771"),
    _org("clinic1", "南安市美沙酮维持治疗门诊", T.MMT_CLINIC, "溪美街道", "南美路17号",
         "24.957310", "118.381950", "0595-86367120", "林志明", "12350583MB024892"),
    _org("clinic2", "南安市水头美沙酮维持治疗门诊", T.MMT_CLINIC, "水头镇", "五里桥大道102号",
         "24.718940", "118.435220", "0595-86986120", "蔡秀英", "12350583MB025014"),
    _org("clinic3", "南安市洪濑美沙酮维持治疗门诊", T.MMT_CLINIC, "洪濑镇", "洪溪路66号",
         "25.078150", "118.463330", "0595-86951120", "洪雅婷", "12350583MB026135"),
    _org("point1", "南安市省新镇卫生院延伸服药点", T.DOSING_POINT, "省新镇", "省新街9号省新镇卫生院2号楼",
         "24.912640", "118.334870", "0595-86561120", "李淑芬", "12350583MB027256", parent="clinic1"),
    _org("point2", "南安市官桥镇卫生院延伸服药点", T.DOSING_POINT, "官桥镇", "官桥街128号官桥镇卫生院门诊楼1层",
         "24.808210", "118.402560", "0595-86681120", "陈丽华", "12350583MB028378", parent="clinic1"),
    _org("rehab", "南安市医院戒毒治疗科", T.VOLUNTARY_REHAB, "柳城街道", "成功街105号南安市医院住院部5层",
         "24.954720", "118.377460", "0595-86388120", "郑国栋", "12350583MB029499"),
    _org("regulator", "南安市市场监督管理局", T.DRUG_REGULATOR, "溪美街道", "江滨南路28号",
         "24.965080", "118.393740", "0595-86312315", "庄明辉", "11350583MB030511"),
    # The prefecture's commission: approves the county's aggregate figures and reads the county's indicators.
    OrgSpec("city_commission", "泉州市卫生健康委员会", T.HEALTH_COMMISSION, "丰泽区", "津淮街88号",
            Decimal("24.905940"), Decimal("118.600360"), "0595-22587230", "陈美华", "11350500MB031633",
            region="350500", address_prefix="福建省泉州市"),
    # The prefecture's compulsory isolation centre, whose medical unit the province assesses (seed 001).
    OrgSpec("centre", "泉州市强制隔离戒毒所", T.COMPULSORY_CENTRE, "洛江区", "双阳街道戒毒所路1号",
            Decimal("24.982150"), Decimal("118.652430"), "0595-22771626", "王建明", "11350500MB032755",
            region="350500", address_prefix="福建省泉州市"),
    # The province's commission: reads the provincial roll-ups (capability, the annual evaluation).
    OrgSpec("province_commission", "福建省卫生健康委员会", T.HEALTH_COMMISSION, "鼓楼区", "鼓屏路61号",
            Decimal("26.096210"), Decimal("119.296830"), "0591-87823651", "郑晓东", "11350000MB033876",
            region="350000", address_prefix="福建省福州市"),
)
# fmt: on

#: Registered drug users of the county by year (police registry figures, entered as the aggregate data set
#: ``registered_users``): mostly synthetic-drug users, as nationally since the mid-2010s.
REGISTERED_USERS: dict[int, dict[str, str]] = {
    2025: {"total": "2350", "opioid": "760", "synthetic": "1480", "other": "110", "new_registrations": "190"},
    2026: {"total": "2210", "opioid": "705", "synthetic": "1390", "other": "115", "new_registrations": "160"},
}

#: The organisation that marks a seeded database (the brief's marker; created first).
MARKER_ORGANISATION = "commission"


@dataclass(frozen=True)
class LicenceSpec:
    organisation: str
    kind: str
    number: str
    issuer: str
    valid_from: dt.date
    valid_to: dt.date | None
    note: str = ""


def _licence(
    organisation: str,
    kind: str,
    number: str,
    issuer: str,
    valid_from: dt.date,
    years: int | None,
    note: str = "",
) -> LicenceSpec:
    """A licence valid for ``years`` years from ``valid_from`` (to the day before the anniversary), or open."""
    valid_to = valid_from.replace(year=valid_from.year + years) - dt.timedelta(days=1) if years else None
    return LicenceSpec(organisation, kind, number, issuer, valid_from, valid_to, note)


_PROVINCE_HEALTH = "福建省卫生健康委员会"  # approves MMT clinics
_CITY_HEALTH = "泉州市卫生健康委员会"  # drug-treatment qualification and the purchase seal card (印鉴卡)
_K = LicenceKind

# fmt: off
LICENCES: tuple[LicenceSpec, ...] = (
    _licence("clinic1", _K.MMT_APPROVAL, "闽卫疾控〔2006〕112号", _PROVINCE_HEALTH, dt.date(2006, 9, 1), None),
    _licence("clinic2", _K.MMT_APPROVAL, "闽卫疾控〔2009〕47号", _PROVINCE_HEALTH, dt.date(2009, 4, 15), None),
    _licence("clinic3", _K.MMT_APPROVAL, "闽卫疾控〔2012〕86号", _PROVINCE_HEALTH, dt.date(2012, 7, 1), None),
    _licence("clinic1", _K.DRUG_TREATMENT, "泉卫戒治〔2023〕3号", _CITY_HEALTH, dt.date(2023, 3, 1), 5),
    _licence("clinic2", _K.DRUG_TREATMENT, "泉卫戒治〔2023〕4号", _CITY_HEALTH, dt.date(2023, 3, 1), 5),
    _licence("clinic3", _K.DRUG_TREATMENT, "泉卫戒治〔2024〕11号", _CITY_HEALTH, dt.date(2024, 6, 20), 5),
    _licence("rehab", _K.DRUG_TREATMENT, "泉卫戒治〔2022〕7号", _CITY_HEALTH, dt.date(2022, 10, 8), 5),
    _licence("clinic1", _K.SEAL_CARD, "闽泉麻精印〔2025〕第0031号", _CITY_HEALTH, dt.date(2025, 6, 10), 3),
    # Valid to 2027-01-14, 52 days after the reference day: inside the 3-month renewal window.
    _licence("clinic2", _K.SEAL_CARD, "闽泉麻精印〔2024〕第0008号", _CITY_HEALTH, dt.date(2024, 1, 15), 3,
             note="到期前3个月申请换发，附使用情况报告"),
    _licence("clinic3", _K.SEAL_CARD, "闽泉麻精印〔2024〕第0052号", _CITY_HEALTH, dt.date(2024, 9, 20), 3),
)
# fmt: on


@dataclass(frozen=True)
class UserSpec:
    username: str
    full_name: str
    organisation: str
    roles: tuple[Role, ...]


#: One login per role at least, each in an organisation type that allows it (jiedu.policy.rules.ORG_TYPE_ROLES).
USERS: tuple[UserSpec, ...] = (
    UserSpec("director1", "林志明", "clinic1", (Role.CLINIC_DIRECTOR,)),
    UserSpec("doctor1", "陈建华", "clinic1", (Role.DOCTOR,)),
    UserSpec("nurse1", "黄丽娟", "clinic1", (Role.NURSE,)),
    UserSpec("keeper1", "吴美玲", "clinic1", (Role.PHARMACIST,)),
    UserSpec("nurse2", "蔡秀英", "clinic2", (Role.NURSE,)),
    UserSpec("nurse3", "洪雅婷", "clinic3", (Role.NURSE,)),
    UserSpec("pointnurse1", "李淑芬", "point1", (Role.NURSE,)),
    # Second people where a site had one: prescribing, and two signatures on every stock movement.
    UserSpec("director2", "黄志坚", "clinic2", (Role.CLINIC_DIRECTOR,)),
    UserSpec("doctor2", "苏志强", "clinic2", (Role.DOCTOR,)),
    UserSpec("keeper2", "陈雅琴", "clinic2", (Role.PHARMACIST,)),
    UserSpec("director3", "洪明辉", "clinic3", (Role.CLINIC_DIRECTOR,)),
    UserSpec("doctor3", "洪建平", "clinic3", (Role.DOCTOR,)),
    UserSpec("keeper3", "黄淑贞", "clinic3", (Role.PHARMACIST,)),
    UserSpec("pointnurse2", "陈丽华", "point2", (Role.NURSE,)),
    UserSpec("rehab1", "郑国栋", "rehab", (Role.DOCTOR,)),
    UserSpec("rehabkeeper1", "郭丽萍", "rehab", (Role.PHARMACIST,)),
    UserSpec("police1", "王永强", "police_ximei", (Role.POLICE_LIAISON,)),
    UserSpec("police2", "林国华", "police_bureau", (Role.POLICE_LIAISON,)),
    UserSpec("community1", "张玉兰", "community", (Role.COMMUNITY_WORKER,)),
    UserSpec("cdc1", "刘晓燕", "cdc", (Role.CDC_STAFF,)),
    UserSpec("officer1", "许文杰", "commission", (Role.HEALTH_OFFICER,)),
    UserSpec("inspector1", "苏振华", "commission", (Role.INSPECTOR,)),
    UserSpec("auditor1", "叶慧敏", "commission", (Role.AUDITOR,)),
    UserSpec("admin1", "傅俊杰", "commission", (Role.SYSADMIN,)),
    UserSpec("narcotics1", "杨建国", "narcotics", (Role.NARCOTICS_OFFICER,)),
    UserSpec("regulator1", "庄明辉", "regulator", (Role.INSPECTOR,)),
    UserSpec("city1", "陈美华", "city_commission", (Role.HEALTH_OFFICER,)),
    UserSpec("centre1", "王建明", "centre", (Role.CLINIC_DIRECTOR,)),
    UserSpec("province1", "郑晓东", "province_commission", (Role.HEALTH_OFFICER,)),
)

#: Who registers the people of each organisation (the person is affiliated with the actor's organisation).
REGISTRARS: dict[str, tuple[str, ...]] = {
    "clinic1": ("doctor1", "nurse1"),
    "clinic2": ("nurse2",),
    "clinic3": ("nurse3",),
    "point1": ("pointnurse1",),
    "community": ("community1",),
}

#: Where person i is registered: REGISTRATION_PATTERN[i % 20] — 35 % / 20 % / 15 % / 10 % / 20 %.
REGISTRATION_PATTERN: tuple[str, ...] = (
    "clinic1", "clinic2", "community", "clinic1", "clinic3",
    "clinic1", "point1", "clinic2", "community", "clinic1",
    "clinic3", "clinic1", "clinic2", "community", "point1",
    "clinic1", "clinic3", "clinic2", "community", "clinic1",
)  # fmt: skip

# --- People ---------------------------------------------------------------------------------------------

#: Surname → relative weight, leaning to southern Fujian (陈 林 黄 first) but with the national common ones,
#: heteronym surnames (曾 zeng, 单 shan, 解 xie, 仇 qiu, 区 ou, 查 zha) and two compound surnames.
SURNAMES: dict[str, float] = {
    "陈": 11.0, "林": 8.5, "黄": 6.5, "李": 4.5, "王": 4.5, "张": 4.0, "吴": 4.0, "刘": 3.0, "蔡": 3.0,
    "洪": 3.0, "许": 2.8, "郑": 2.8, "杨": 2.6, "苏": 2.2, "傅": 2.0, "潘": 2.0, "戴": 2.0, "叶": 2.0,
    "郭": 2.0, "谢": 1.8, "庄": 1.8, "曾": 1.6, "周": 1.5, "徐": 1.4, "赵": 1.2, "孙": 1.0, "朱": 1.0,
    "胡": 1.0, "高": 1.0, "何": 1.0, "罗": 0.9, "梁": 0.9, "宋": 0.8, "邱": 0.8, "方": 0.8, "吕": 0.8,
    "卓": 0.7, "萧": 0.7, "柯": 0.7, "颜": 0.7, "施": 0.7, "沈": 0.6, "余": 0.6, "卢": 0.6, "彭": 0.6,
    "曹": 0.5, "邓": 0.5, "丁": 0.5, "马": 0.5, "唐": 0.5, "冯": 0.5, "董": 0.4, "魏": 0.4, "蒋": 0.4,
    "詹": 0.4, "连": 0.4, "龚": 0.3, "尤": 0.3, "侯": 0.3, "姚": 0.3, "廖": 0.3, "游": 0.3, "翁": 0.3,
    "单": 0.4, "解": 0.4, "仇": 0.2, "区": 0.2, "查": 0.2, "欧阳": 0.2, "司马": 0.1,
}  # fmt: skip

#: Given names: a first character and a second (or only) character, by sex; a few serve both.
GIVEN_MALE_FIRST = "志建国明文俊振家永金清荣德福锦少炳宏伟晓小子天世承嘉文英亚春海江水清忠培"
GIVEN_MALE_SECOND = "强明华军杰辉龙伟平峰斌波涛鹏荣生成忠才财发福林东勇亮坤聪鸿泽祥顺鑫彬旭森阳煌民良昌盛旺山"
GIVEN_FEMALE_FIRST = "秀美丽淑玉雅晓小慧春月桂碧婉雪佳静美丽素惠丹亚秋"
GIVEN_FEMALE_SECOND = "芳娜敏静丽艳娟霞燕玲红梅英兰琴云莉萍婷慧琳丹欣珍凤月香翠珠琼瑜华"

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "198", "199",
)  # fmt: skip

#: Towns of 南安 → streets (numbers follow), residential compounds (幢/室) and villages (组/号).
TOWNS: dict[str, tuple[str, ...]] = {
    "溪美街道": ("成功街", "新华街", "南美社区", "帝苑社区", "西美社区", "彭美社区", "江北大道"),
    "柳城街道": ("柳城路", "柳东社区", "金山社区", "大庭村", "埔头村", "新华路"),
    "美林街道": ("美林路", "梅亭社区", "洋美村", "上寮村", "美林社区"),
    "省新镇": ("省新街", "满山红村", "前坂村", "省东村", "油园村"),
    "水头镇": ("中山街", "五里桥大道", "水头社区", "朴里村", "西锦村", "新营村", "大盈村"),
    "官桥镇": ("官桥街", "竹口村", "内厝村", "九溪村", "官桥社区"),
    "洪濑镇": ("洪溪路", "洪濑社区", "东林村", "西林村", "溪州村", "葵星村"),
    "诗山镇": ("诗山街", "诗山社区", "凤坡村", "鹏峰村", "钱塘村"),
    "丰州镇": ("丰州街", "桃源村", "环山村", "旭山村"),
    "霞美镇": ("霞美街", "仙河村", "四黄村", "霞美社区"),
}

#: 泉州 counties other than 南安 (identity numbers of people who moved within the city).
QUANZHOU_CODES = (
    "350502", "350503", "350504", "350505", "350521", "350524", "350525", "350526", "350581", "350582",
)  # fmt: skip

#: Where migrant workers in 南安 come from (province code → weight; "35" means Fujian outside 泉州).
MIGRANT_PROVINCES: dict[str, float] = {
    "36": 5.0, "51": 4.0, "52": 3.5, "43": 2.5, "34": 2.0, "41": 2.0, "50": 2.0, "42": 1.5, "53": 1.5,
    "45": 1.0, "44": 1.0, "33": 0.5, "35": 1.0,
}  # fmt: skip

# --- The MMT service (history.py) -----------------------------------------------------------------------

#: The last day of the written history: the day before the reference day, so the demo opens on a fresh day.
HISTORY_END = REFERENCE_DAY - dt.timedelta(days=1)
#: Every dose goes through ``dose_administer`` (≈ 10 ms on SQLite on a small machine): the default year for 120
#: patients is ≈ 26 000 doses, a few minutes; the full caseload of 300 is ≈ 65 000 doses, about 12 minutes;
#: ``--history-months 2`` (60 patients, ≈ 2 400 doses) is a quick start.
DEFAULT_HISTORY_MONTHS = 12
FULL_HISTORY_MONTHS = 12
#: The county's whole caseload, for a history as large as the real one (``--history-patients``).
FULL_CASELOAD = 300


def history_patients(months: int) -> int:
    """Patients for a history of ``months`` months: 60 for two months, 120 for a year (the default; the
    county's full caseload of 300 is ``--history-patients 300``)."""
    return min(120, 12 + 24 * months)


#: The MMT clinics and dosing points: who prescribes, who doses, who keeps the stock.
DOCTORS: dict[str, str] = {"clinic1": "doctor1", "clinic2": "doctor2", "clinic3": "doctor3"}
NURSES: dict[str, str] = {
    "clinic1": "nurse1",
    "clinic2": "nurse2",
    "clinic3": "nurse3",
    "point1": "pointnurse1",
    "point2": "pointnurse2",
}


@dataclass(frozen=True)
class StoreSpec:
    key: str
    organisation: str
    name: str
    kind: str
    dispenses_doses: bool
    #: Counts and receives (first signature) and the second person (witness) — both of the store's site
    #: or, at a dosing point, of its parent clinic.
    keeper: str
    witness: str
    #: The store it is restocked from (a transfer), or None: deliveries from the supplier.
    supplied_from: str | None = None
    #: 专人负责: the designated keepers (the first is ``keeper``); 双人双锁: the two key holders.
    keepers: tuple[str, ...] = ()
    key_holders: tuple[str, str] | None = None


# fmt: off
STORES: tuple[StoreSpec, ...] = (
    StoreSpec("vault1", "clinic1", "麻醉药品专库", "strong_room", False, "keeper1", "director1",
              keepers=("keeper1",), key_holders=("keeper1", "director1")),
    StoreSpec("disp1", "clinic1", "发药柜", "dispensing", True, "keeper1", "nurse1", supplied_from="vault1",
              keepers=("keeper1", "nurse1"), key_holders=("keeper1", "nurse1")),
    StoreSpec("disp2", "clinic2", "发药柜", "dispensing", True, "keeper2", "nurse2",
              keepers=("keeper2", "nurse2"), key_holders=("keeper2", "nurse2")),
    StoreSpec("disp3", "clinic3", "发药柜", "dispensing", True, "keeper3", "nurse3",
              keepers=("keeper3", "nurse3"), key_holders=("keeper3", "nurse3")),
    StoreSpec("point1", "point1", "发药柜", "dispensing", True, "pointnurse1", "keeper1",
              supplied_from="vault1", keepers=("pointnurse1",)),
    StoreSpec("point2", "point2", "发药柜", "dispensing", True, "pointnurse2", "keeper1",
              supplied_from="vault1", keepers=("pointnurse2",)),
    StoreSpec("safe_rehab", "rehab", "麻醉药品保险柜", "safe", False, "rehabkeeper1", "rehab1",
              keepers=("rehabkeeper1",), key_holders=("rehabkeeper1", "rehab1")),
)


@dataclass(frozen=True)
class WardSupply:
    """A drug the hospital's addiction ward keeps in its safe: delivered every four weeks, issued to the ward
    every three days on its requisition."""

    code: str
    maker: str
    batch_prefix: str
    delivery: int  # ledger units per delivery (whole smallest packages)
    issue: int  # ledger units per issue to the ward


#: Regulated equipment (the Nan'an 2022 plan names NMR spectrometers): organisation, kind, name, model, serial,
#: location, custodian. Checked by its custodian every month.
EQUIPMENT: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("rehab", "nmr_spectrometer", "核磁共振波谱仪", "AVANCE NEO 400", "NMR-2019-0417",
     "南安市医院医技楼3层专用仪器室", "rehabkeeper1"),
)

WARD_STORE = "safe_rehab"
WARD_NAME = "戒毒病区"
WARD_SUPPLY: tuple[WardSupply, ...] = (
    WardSupply("morphine-hcl-injection", "东北制药集团沈阳第一制药有限公司", "MH", 40, 4),
    WardSupply("buprenorphine-sublingual-tablet", "天津药物研究院药业有限责任公司", "BP", 200, 20),
    WardSupply("diazepam-tablet", "北京益民药业有限公司", "DZ", 100, 10),
)
#: Each clinic's purchase seal card (印鉴卡): number, issued by, valid from (three years).
SEAL_CARDS: dict[str, tuple[str, str, dt.date]] = {
    "clinic1": ("闽泉麻精印-2024-0031", "泉州市卫生健康委员会", dt.date(2024, 3, 1)),
    "clinic2": ("闽泉麻精印-2024-0032", "泉州市卫生健康委员会", dt.date(2024, 3, 1)),
    "clinic3": ("闽泉麻精印-2025-0007", "泉州市卫生健康委员会", dt.date(2025, 4, 15)),
    "rehab": ("闽泉麻精印-2024-0045", "泉州市卫生健康委员会", dt.date(2024, 6, 1)),
}
#: Who receives reports of lost or stolen controlled substances: county police, drug regulator, health bureau.
STOCK_LOSS_RECIPIENTS: tuple[str, ...] = ("police_bureau", "regulator", "commission")
# fmt: on

METHADONE_CODE = "methadone-oral-solution"
METHADONE_MAKER = "国药集团工业有限公司"
METHADONE_SUPPLIER = "国药控股福建有限公司"

#: Reports about people of the county go to these organisations; the user who acknowledges them.
REPORT_RECIPIENTS: dict[str, str] = {"police_ximei": "police1", "community": "community1"}
#: Voluntary-rehab admissions are filed with the 溪美 police station only.
VOLUNTARY_ADMISSION_RECIPIENT = "police_ximei"
#: Who acknowledges what each recipient is sent (the person-report recipients, then the stock-loss ones).
ACKNOWLEDGED_BY: dict[str, str] = {
    **REPORT_RECIPIENTS,
    "police_bureau": "police2",
    "regulator": "regulator1",
    "commission": "officer1",
}

DEPENDENCE_EVIDENCE = (
    "吸食海洛因8年，尿检吗啡阳性",
    "海洛因依赖12年，多次强制隔离戒毒，尿检阳性",
    "静脉注射海洛因5年，尿检吗啡阳性，HIV抗体阴性",
    "吸食海洛因15年，曾接受美沙酮治疗，尿检阳性",
    "阿片类物质依赖，社区戒毒期间复吸，尿检阳性",
)
DOCUMENTS = ("身份证复印件", "吸毒史证明", "体检报告", "尿检报告")
SUSPEND_REASONS = ("住院治疗", "外出务工请假", "因病暂停服药")
EXIT_NOTES: dict[str, str] = {
    "completed": "逐步减量至停药",
    "voluntary": "本人申请退出",
    "detained": "被公安机关强制隔离戒毒",
    "moved_away": "迁居外省",
    "rule_violation": "多次违反门诊规定",
}
