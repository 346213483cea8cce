"""The demo county's workforce: staff of the three MMT clinics and their dosing points, the voluntary rehab unit
and the prefecture's compulsory centre (with joiners and leavers over the last two years, so that turnover is not
zero), three training courses of the last year (one with participants counted from the police, centres,
community offices and social workers), a further-study placement, and staff drug screening at clinic 1.

Everything goes through the services, as the head of each unit (clinic 1: director1; the centre: centre1) or,
for the units without a head's login (clinics 2 and 3, the rehab unit), the county's health officer (officer1).
Dates are counted back from ``today``. ``seed_demo`` is idempotent: what exists (by its natural key) is left alone,
so a second call creates nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jiedu.accounts.models import User
from jiedu.demo.history import simulated_clock
from jiedu.registry.models import Organisation
from jiedu.registry.models import OrganisationType as T
from jiedu.workforce import services
from jiedu.workforce.models import Course, NamedParticipant, Placement, Screening, StaffMember


@dataclass(frozen=True)
class StaffSpec:
    unit: str  # organisation key
    name: str
    sex: str
    profession: str
    start: dt.date | int  # a date, or days before today
    title: str = "junior"
    education: str = "college"
    username: str = ""
    #: Days before today of the last working day, and why.
    left: tuple[int, str] | None = None
    #: Days from today to the certificate's end (None: open-ended).
    certificate_days: int | None = None
    certified: bool = True


D = dt.date
# fmt: off
STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("clinic1", "林志明", "M", "other_physician", D(2006, 9, 1), "associate_senior", "bachelor", "director1"),
    StaffSpec("clinic1", "陈建华", "M", "psychiatrist", D(2012, 3, 1), "intermediate", "bachelor", "doctor1"),
    StaffSpec("clinic1", "黄丽娟", "F", "nurse", D(2010, 7, 1), "intermediate", "college", "nurse1", certificate_days=60),
    StaffSpec("clinic1", "吴美玲", "F", "pharmacist", D(2014, 5, 1), "intermediate", "bachelor", "keeper1"),
    StaffSpec("clinic1", "郑小燕", "F", "nurse", D(2019, 8, 15), left=(420, "resigned"), certificate_days=900),
    StaffSpec("clinic1", "王雅琪", "F", "nurse", 300, "junior", "bachelor", certificate_days=1500),
    StaffSpec("clinic1", "张玉梅", "F", "social_worker", D(2018, 4, 1), "intermediate", "bachelor"),
    StaffSpec("clinic1", "刘建军", "M", "administrator", D(2015, 1, 1), "none", "college"),
    StaffSpec("point1", "李淑芬", "F", "nurse", D(2016, 10, 1), "intermediate", "college", "pointnurse1", certificate_days=700),
    StaffSpec("point2", "陈丽华", "F", "nurse", D(2018, 3, 1), "junior", "college", "pointnurse2", certificate_days=1100),
    StaffSpec("clinic2", "苏志强", "M", "general_practitioner", D(2011, 6, 1), "intermediate", "bachelor", "doctor2"),
    StaffSpec("clinic2", "蔡秀英", "F", "nurse", D(2011, 6, 1), "intermediate", "college", "nurse2", certificate_days=800),
    StaffSpec("clinic2", "陈雅琴", "F", "pharmacist", D(2016, 2, 15), "junior", "bachelor", "keeper2"),
    StaffSpec("clinic2", "许文斌", "M", "other_physician", D(2013, 9, 1), "intermediate", "bachelor", left=(150, "transferred")),
    StaffSpec("clinic2", "叶志鹏", "M", "general_practitioner", 120, "junior", "bachelor"),
    StaffSpec("clinic2", "潘丽华", "F", "nurse", D(2015, 3, 1), "junior", "college", certificate_days=1300),
    StaffSpec("clinic3", "洪建平", "M", "general_practitioner", D(2012, 7, 1), "intermediate", "bachelor", "doctor3"),
    StaffSpec("clinic3", "洪雅婷", "F", "nurse", D(2012, 7, 1), "intermediate", "college", "nurse3", certificate_days=450),
    StaffSpec("clinic3", "黄淑贞", "F", "pharmacist", D(2017, 1, 1), "junior", "bachelor", "keeper3"),
    StaffSpec("clinic3", "戴晓敏", "F", "nurse", 600, "junior", "college", left=(90, "contract_ended"), certificate_days=1200),
    StaffSpec("clinic3", "庄静怡", "F", "psychologist", D(2020, 9, 1), "intermediate", "master"),
    StaffSpec("rehab", "郑国栋", "M", "psychiatrist", D(2015, 4, 1), "associate_senior", "master", "rehab1"),
    StaffSpec("rehab", "郭丽萍", "F", "pharmacist", D(2016, 4, 1), "intermediate", "bachelor", "rehabkeeper1"),
    StaffSpec("rehab", "傅美华", "F", "nurse", D(2015, 4, 1), "intermediate", "college", certificate_days=1000),
    StaffSpec("rehab", "施晓红", "F", "nurse", D(2017, 9, 1), "junior", "college", certificate_days=500),
    StaffSpec("rehab", "卓文辉", "M", "psychologist", D(2019, 3, 1), "intermediate", "master"),
    StaffSpec("rehab", "颜志伟", "M", "pharmacist", D(2018, 1, 1), "junior", "bachelor", left=(540, "resigned")),
    StaffSpec("centre", "王建明", "M", "other_physician", D(2008, 1, 1), "associate_senior", "bachelor", "centre1"),
    StaffSpec("centre", "李志远", "M", "general_practitioner", D(2015, 7, 1), "intermediate", "bachelor"),
    StaffSpec("centre", "杨晓东", "M", "psychiatrist", 240, "intermediate", "master"),
    StaffSpec("centre", "陈慧敏", "F", "nurse", D(2014, 3, 1), "intermediate", "college", certificate_days=600),
    StaffSpec("centre", "林秀珍", "F", "nurse", D(2016, 8, 1), "junior", "college", certificate_days=950),
    StaffSpec("centre", "黄雅玲", "F", "nurse", D(2019, 5, 1), "junior", "bachelor", certificate_days=1400),
    StaffSpec("centre", "赵建国", "M", "nurse", D(2012, 1, 1), "intermediate", "college", left=(180, "retired"), certificate_days=300),
    StaffSpec("centre", "郭振华", "M", "pharmacist", D(2013, 10, 1), "intermediate", "bachelor"),
    StaffSpec("centre", "吴国平", "M", "police_officer", D(2010, 1, 1), "none", "bachelor"),
    StaffSpec("centre", "柯晓峰", "M", "police_officer", D(2017, 6, 1), "none", "bachelor"),
)
# fmt: on

#: Where each organisation key is found: (type, name).
UNITS: dict[str, tuple[str, str]] = {
    "clinic1": (T.MMT_CLINIC, "南安市美沙酮维持治疗门诊"),
    "clinic2": (T.MMT_CLINIC, "南安市水头美沙酮维持治疗门诊"),
    "clinic3": (T.MMT_CLINIC, "南安市洪濑美沙酮维持治疗门诊"),
    "point1": (T.DOSING_POINT, "南安市省新镇卫生院延伸服药点"),
    "point2": (T.DOSING_POINT, "南安市官桥镇卫生院延伸服药点"),
    "rehab": (T.VOLUNTARY_REHAB, "南安市医院戒毒治疗科"),
    "centre": (T.COMPULSORY_CENTRE, "泉州市强制隔离戒毒所"),
}
#: Who keeps each unit's register.
KEEPERS: dict[str, str] = {
    "clinic1": "director1",
    "point1": "director1",
    "point2": "director1",
    "clinic2": "officer1",
    "clinic3": "officer1",
    "rehab": "officer1",
    "centre": "centre1",
}

_CERTIFICATE = {
    "general_practitioner": "physician",
    "psychiatrist": "physician",
    "other_physician": "physician",
    "nurse": "nurse",
    "pharmacist": "pharmacist",
    "psychologist": "psychologist",
    "social_worker": "social_worker",
}


@dataclass(frozen=True)
class CourseSpec:
    organiser: str  # the username who records it
    title: str
    topic: str
    days_ago: int
    length_days: int
    hours: str
    place: str
    named: tuple[str, ...] = ()
    counted: tuple[tuple[str, int], ...] = ()


# fmt: off
COURSES: tuple[CourseSpec, ...] = (
    CourseSpec("officer1", "美沙酮维持治疗临床规范培训班", "mmt_clinical", 300, 2, "12", "南安市卫生健康局四楼会议室",
               named=("陈建华", "苏志强", "洪建平", "黄丽娟", "蔡秀英", "洪雅婷", "李淑芬", "郑国栋")),
    CourseSpec("narcotics1", "毒品检测与职业暴露防护培训班", "drug_testing", 200, 1, "6", "南安市公安局三楼报告厅",
               named=("张玉梅",),
               counted=(("police", 48), ("compulsory_centre", 12), ("community_office", 26), ("social_worker", 18))),
    CourseSpec("officer1", "麻醉药品和精神药品规范化管理培训", "controlled_substances", 75, 1, "4", "南安市医院学术报告厅",
               named=("林志明", "吴美玲", "陈雅琴", "黄淑贞", "郭丽萍")),
)
# fmt: on

PLACEMENT = ("clinic1", "陈建华", "福建省福州神经精神病防治院", "物质依赖诊疗与精神科临床", 240, 60)
#: Screening rounds at clinic 1 and its dosing points (days before today), every staff member then in post.
SCREENING_ROUNDS = (410, 45)


def _day(today: dt.date, value: dt.date | int) -> dt.date:
    return value if isinstance(value, dt.date) else today - dt.timedelta(days=value)


def _units() -> dict[str, Organisation]:
    found = {}
    for key, (kind, name) in UNITS.items():
        org = Organisation.objects.filter(type=kind, name=name).first()
        if org is not None:
            found[key] = org
    return found


def _certificate(spec: StaffSpec, index: int, start: dt.date, today: dt.date) -> dict:
    kind = _CERTIFICATE.get(spec.profession)
    if kind is None or not spec.certified:
        return {}
    prefix = {"physician": "1103505830", "nurse": "2035058300", "pharmacist": "ZY0035058"}.get(
        kind, "SG3505830"
    )
    return {
        "certificate_type": kind,
        "certificate_number": f"{prefix}{index:05d}",
        "certificate_valid_from": min(start, dt.date(start.year, 1, 1)),
        "certificate_valid_to": today + dt.timedelta(days=spec.certificate_days)
        if spec.certificate_days
        else None,
    }


def seed_demo(*, today: dt.date) -> dict[str, int]:
    """Seed the demo county's workforce as of ``today``; returns what was created (zeros on a second call)."""
    counts = {"staff": 0, "leavers": 0, "courses": 0, "participants": 0, "placements": 0, "screenings": 0}
    units = _units()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in={*KEEPERS.values(), "narcotics1", *(s.username for s in STAFF if s.username)}
        )
    }
    staff: dict[tuple[str, str], StaffMember] = {}
    with simulated_clock(today, hour=16):
        for index, spec in enumerate(STAFF, start=1):
            unit, keeper = units.get(spec.unit), users.get(KEEPERS[spec.unit])
            if unit is None or keeper is None:
                continue
            start = _day(today, spec.start)
            member = StaffMember.objects.filter(organisation=unit, name=spec.name, start_date=start).first()
            if member is None:
                account = users.get(spec.username)
                member = services.staff_register(
                    actor=keeper,
                    organisation=unit,
                    name=spec.name,
                    sex=spec.sex,
                    profession=spec.profession,
                    start_date=start,
                    education=spec.education,
                    title=spec.title,
                    user=account if account is not None and account.organisation_id == unit.pk else None,
                    **_certificate(spec, index, start, today),
                )
                counts["staff"] += 1
            if spec.left and member.leave_date is None:
                member = services.staff_leave(
                    actor=keeper,
                    staff=member,
                    leave_date=_day(today, spec.left[0]),
                    leave_reason=spec.left[1],
                )
                counts["leavers"] += 1
            staff[(spec.unit, spec.name)] = member
        by_name = {name: member for (_unit, name), member in staff.items()}
        for course_spec in COURSES:
            actor = users.get(course_spec.organiser)
            if actor is None:
                continue
            first = _day(today, course_spec.days_ago)
            course = Course.objects.filter(
                organiser=actor.organisation, title=course_spec.title, starts_on=first
            ).first()
            if course is None:
                course = services.course_create(
                    actor=actor,
                    title=course_spec.title,
                    topic=course_spec.topic,
                    starts_on=first,
                    ends_on=first + dt.timedelta(days=course_spec.length_days - 1),
                    hours=course_spec.hours,
                    place=course_spec.place,
                )
                counts["courses"] += 1
            named = set(NamedParticipant.objects.filter(course=course).values_list("staff_id", flat=True))
            missing = [by_name[n] for n in course_spec.named if n in by_name and by_name[n].pk not in named]
            if missing:
                counts["participants"] += services.participants_add(actor=actor, course=course, staff=missing)
            counted = set(course.counted_participants.values_list("kind", flat=True))
            for kind, n in course_spec.counted:
                if kind not in counted:
                    services.participants_count(actor=actor, course=course, kind=kind, count=n)
                    counts["participants"] += n
        unit_key, name, host, field, began, ended = PLACEMENT
        member = staff.get((unit_key, name))
        if member is not None and users.get(KEEPERS[unit_key]) is not None:
            first = _day(today, began)
            if not Placement.objects.filter(staff=member, host=host, starts_on=first).exists():
                services.placement_record(
                    actor=users[KEEPERS[unit_key]],
                    staff=member,
                    host=host,
                    field=field,
                    starts_on=first,
                    ends_on=_day(today, ended),
                )
                counts["placements"] += 1
        head = users.get("director1")
        for days in SCREENING_ROUNDS if head is not None else ():
            day = _day(today, days)
            for (unit_key, _name), member in staff.items():
                if KEEPERS[unit_key] != "director1" or not member.in_post_on(day):
                    continue
                if Screening.objects.filter(staff=member, screened_on=day).exists():
                    continue
                services.screening_record(
                    actor=head, staff=member, screened_on=day, method="urine", result="negative"
                )
                counts["screenings"] += 1
    return counts
