"""The demo county: what `seed_demo` builds, that it is deterministic, and that a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from PIL import Image
from stdnum.cn import uscc

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.core import audit, crypto
from jiedu.core.models import AuditEntry
from jiedu.demo import data
from jiedu.demo.generators import demo_people, portrait_jpeg
from jiedu.demo.services import DemoSummary, demo_seed
from jiedu.patients import identity
from jiedu.patients.models import Affiliation, Person, SearchKey
from jiedu.patients.photos import normalise_photo
from jiedu.policy.rules import effective_roles
from jiedu.registry.models import Licence, LicenceKind, Organisation

TODAY = data.REFERENCE_DAY
SMALL = 24
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def _created(summary: DemoSummary) -> tuple[int, int, int, int]:
    return (
        summary.organisations_created,
        summary.licences_created,
        summary.users_created,
        summary.persons_created,
    )


def _table_sizes() -> dict[str, int]:
    models = (Organisation, Licence, User, RoleAssignment, Person, Affiliation, SearchKey, AuditEntry)
    return {m.__name__: m.objects.count() for m in models}


# --- The pure generators (no database) ------------------------------------------------------------------


def test_generator_is_deterministic_and_each_count_is_a_prefix_of_a_larger_one():
    people = demo_people(seed=2026, count=620)
    assert demo_people(seed=2026, count=620) == people
    assert demo_people(seed=2026, count=SMALL) == people[:SMALL]
    assert [(p.name, p.sex, p.birth_date, p.id_number) for p in people[:3]] == [
        ("傅水坤", "M", dt.date(1985, 1, 22), "35052319850122401X"),
        ("邱英华", "M", dt.date(1961, 1, 19), "350523196101190018"),
        ("叶承鑫", "M", dt.date(1970, 3, 13), "350523197003135036"),
    ]
    assert [p.name for p in demo_people(seed=7, count=3)] != [p.name for p in people[:3]]


def test_generated_identity_numbers_are_valid_unique_and_agree_with_the_person():
    people = demo_people(seed=2026, count=620)
    assert len({p.id_number for p in people}) == 620
    for p in people:
        parsed = identity.parse(p.id_number, today=TODAY)
        assert (parsed.sex, parsed.birth_date, parsed.region_code) == (
            p.sex,
            p.birth_date,
            p.household_region_code,
        )
        assert dt.date(1958, 1, 1) <= p.birth_date <= dt.date(2004, 12, 31)
        if p.household_region_code == data.OLD_COUNTY_CODE:
            assert p.birth_date.year < 1993
        assert MOBILE.match(p.phone)
        assert any(p.current_address.startswith(data.ADDRESS_PREFIX + town) for town in data.TOWNS)
    prefixes = Counter(p.household_region_code for p in people)
    assert (prefixes["350583"], prefixes["350523"]) == (364, 68)
    assert sum(n for code, n in prefixes.items() if code.startswith("3505")) == 525
    assert sum(n for code, n in prefixes.items() if not code.startswith("35")) == 92
    assert Counter(p.sex for p in people) == {"M": 548, "F": 72}
    assert Counter(p.name[0] for p in people if p.name[0] in "曾单解") == {"曾": 10, "单": 1, "解": 1}
    assert Counter(p.organisation for p in people) == {
        "clinic1": 217,
        "clinic2": 124,
        "community": 124,
        "clinic3": 93,
        "point1": 62,
    }


def test_portrait_is_a_deterministic_240_by_300_jpeg():
    photo = portrait_jpeg(seed=2026, index=0, sex="M")
    assert portrait_jpeg(seed=2026, index=0, sex="M") == photo
    assert portrait_jpeg(seed=2026, index=1, sex="M") != photo
    assert portrait_jpeg(seed=2027, index=0, sex="M") != photo
    image = Image.open(io.BytesIO(photo))
    assert (image.format, image.size, image.mode) == ("JPEG", (240, 300), "RGB")


# --- The seeded database --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_seed_builds_the_demo_county_with_620_people():
    summary = demo_seed(seed=2026, history_days=0)

    assert _created(summary) == (17, 10, 29, 620)
    assert (summary.organisations, summary.users, summary.persons) == (14, 29, 620)
    assert Person.objects.count() == 620
    orgs = {o.name: o for o in Organisation.objects.all()}
    assert Counter(o.type for o in orgs.values()) == {
        "health_commission": 3,  # the county's, the prefecture's and the province's
        "narcotics_office": 1,
        "police": 3,
        "cdc": 1,
        "community_rehab": 1,
        "mmt_clinic": 3,
        "dosing_point": 2,
        "voluntary_rehab": 1,
        "drug_regulator": 1,
        "compulsory_centre": 1,  # the prefecture's
    }
    assert Counter(Affiliation.objects.values_list("organisation__name", flat=True)) == {
        "南安市美沙酮维持治疗门诊": 217,
        "南安市水头美沙酮维持治疗门诊": 124,
        "南安市社区戒毒社区康复工作办公室": 124,
        "南安市洪濑美沙酮维持治疗门诊": 93,
        "南安市省新镇卫生院延伸服药点": 62,
    }
    assert AuditEntry.objects.filter(action="person.register").count() == 620
    assert audit.verify().broken is None

    people = {p.id_number: p for p in demo_people(seed=2026)}
    for person in Person.objects.select_related("household_region"):
        number = crypto.decrypt(person.id_number_encrypted)
        parsed = identity.parse(number, today=TODAY)
        assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)
        assert person.household_region.code == number[:6] == parsed.region_code
        assert person.id_number_masked == identity.mask(number)
        expected = people.pop(number)
        assert (person.name, person.phone, person.current_address) == (
            expected.name,
            expected.phone,
            expected.current_address,
        )
        assert person.photo.name == f"persons/photos/{person.photo_token}.jpg"
    assert people == {}


@pytest.mark.django_db
def test_same_seed_gives_the_same_people_names_numbers_addresses_and_photos():
    demo_seed(seed=2026, persons=SMALL, history_days=0)

    stored = list(Person.objects.order_by("pk"))
    expected = demo_people(seed=2026, count=SMALL)
    assert [(p.name, p.id_number_masked) for p in stored] == [(p.name, p.id_number_masked) for p in expected]
    assert [(p.name, p.id_number_masked) for p in stored[:3]] == [
        ("傅水坤", "3505**********401X"),
        ("邱英华", "3505**********0018"),
        ("叶承鑫", "3505**********5036"),
    ]
    assert [p.current_address for p in stored] == [p.current_address for p in expected]
    first = expected[0]
    jpeg = portrait_jpeg(seed=2026, index=0, sex=first.sex, birth_year=first.birth_date.year)
    with stored[0].photo.open("rb") as f:
        assert f.read() == normalise_photo(io.BytesIO(jpeg), size=len(jpeg))


@pytest.mark.django_db
def test_second_run_creates_nothing():
    first = demo_seed(seed=2026, persons=SMALL, history_days=0)
    before = _table_sizes()

    second = demo_seed(seed=2026, persons=SMALL, history_days=0)

    assert _created(first) == (17, 10, 29, SMALL)
    assert _created(second) == (0, 0, 0, 0)
    assert not second.created_anything
    assert (second.organisations, second.users, second.persons, second.other_seed) == (14, 29, SMALL, False)
    assert _table_sizes() == before


@pytest.mark.django_db
def test_an_interrupted_run_is_completed_by_running_it_again():
    demo_seed(seed=2026, persons=10, history_days=0)

    summary = demo_seed(seed=2026, persons=SMALL, history_days=0)

    assert _created(summary) == (0, 0, 0, SMALL - 10)
    assert Person.objects.count() == SMALL


@pytest.mark.django_db
def test_a_database_seeded_with_another_seed_gets_no_second_population():
    demo_seed(seed=2026, persons=10, history_days=0)

    summary = demo_seed(seed=7, persons=10, history_days=0)

    assert _created(summary) == (0, 0, 0, 0)
    assert summary.other_seed is True
    assert Person.objects.count() == 10


@pytest.mark.django_db
def test_every_role_has_a_login_whose_roles_are_effective_and_password_works():
    demo_seed(seed=2026, persons=0, history_days=0)

    users = {u.username: u for u in User.objects.select_related("organisation")}
    assert set(users) == {spec.username for spec in data.USERS}
    assert Counter(RoleAssignment.objects.values_list("role", flat=True)) == {
        "clinic_director": 4,  # the three clinics' and the compulsory centre's
        "doctor": 4,
        "nurse": 5,
        "pharmacist": 4,
        "police_liaison": 2,
        "community_worker": 1,
        "cdc_staff": 1,
        "inspector": 2,
        "health_officer": 3,
        "narcotics_officer": 1,
        "auditor": 1,
        "sysadmin": 1,
    }
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    for spec in data.USERS:
        user = users[spec.username]
        assert effective_roles(user) == frozenset(spec.roles), spec.username
        above = {"city1": "350500", "centre1": "350500", "province1": "350000"}
        assert user.organisation.region_id == above.get(spec.username, "350583")
        assert authenticate(None, username=spec.username, password="jiedu-demo-2026") == user
    assert (users["nurse1"].full_name, users["nurse1"].organisation.name) == (
        "黄丽娟",
        "南安市美沙酮维持治疗门诊",
    )


@pytest.mark.django_db
def test_organisations_dosing_points_and_licences():
    demo_seed(seed=2026, persons=0, history_days=0)

    # The county's organisations; above them the prefecture's commission and compulsory isolation centre
    # (泉州市, 350500) and the province's commission (福建省, 350000).
    above = Organisation.objects.exclude(region_id="350583").order_by("region_id", "name")
    assert [(o.region_id, o.name, o.type, o.address) for o in above] == [
        ("350000", "福建省卫生健康委员会", "health_commission", "福建省福州市鼓楼区鼓屏路61号"),
        ("350500", "泉州市卫生健康委员会", "health_commission", "福建省泉州市丰泽区津淮街88号"),
        ("350500", "泉州市强制隔离戒毒所", "compulsory_centre", "福建省泉州市洛江区双阳街道戒毒所路1号"),
    ]
    for org in above:
        assert uscc.is_valid(org.credit_code), org.name
    orgs = list(Organisation.objects.select_related("parent_clinic").filter(region_id="350583"))
    assert {o.region_id for o in orgs} == {"350583"}
    for org in orgs:
        assert uscc.is_valid(org.credit_code), org.name
        assert org.address.startswith("福建省泉州市南安市")
        assert abs(float(org.latitude) - 24.96) < 0.25 and abs(float(org.longitude) - 118.38) < 0.1
    points = [o for o in orgs if o.type == "dosing_point"]
    assert sorted((p.name, p.parent_clinic.name, p.parent_clinic.type) for p in points) == [
        ("南安市官桥镇卫生院延伸服药点", "南安市美沙酮维持治疗门诊", "mmt_clinic"),
        ("南安市省新镇卫生院延伸服药点", "南安市美沙酮维持治疗门诊", "mmt_clinic"),
    ]
    for clinic in (o for o in orgs if o.type == "mmt_clinic"):
        assert sorted(clinic.licences.values_list("kind", flat=True)) == [
            "drug_treatment",
            "mmt_approval",
            "seal_card",
        ]
    seal_cards = Licence.objects.filter(kind=LicenceKind.SEAL_CARD)
    assert seal_cards.count() == 3
    for card in seal_cards:
        assert card.valid_to == card.valid_from.replace(year=card.valid_from.year + 3) - dt.timedelta(days=1)
    due = seal_cards.filter(valid_to__gte=TODAY, valid_to__lte=TODAY + dt.timedelta(days=92))
    assert [(c.organisation.name, c.valid_to) for c in due] == [
        ("南安市水头美沙酮维持治疗门诊", dt.date(2027, 1, 14))
    ]


@pytest.mark.django_db
def test_command_prints_the_logins_the_password_once_and_the_counts():
    out = io.StringIO()
    call_command("seed_demo", "--persons", "5", "--history-months", "0", stdout=out)
    again = io.StringIO()
    call_command("seed_demo", "--persons", "5", "--history-months", "0", stdout=again)

    text = out.getvalue()
    assert text.startswith("Demo county seeded (seed 2026) in ")
    assert (
        ": 17 organisations, 10 licences, 29 users, 5 persons, 7 stores, 6 report recipients created." in text
    )
    assert "In the demo county: 14 organisations, 29 demo users, 5 persons." in text
    assert text.count("jiedu-demo-2026") == 1
    assert "Password for every demo login: jiedu-demo-2026" in text
    lines = text.splitlines()
    assert "nurse1        Nurse                      南安市美沙酮维持治疗门诊" in lines
    assert "keeper1       Pharmacist / drug keeper   南安市美沙酮维持治疗门诊" in lines
    for spec in data.USERS:
        assert any(line.startswith(spec.username + " ") for line in lines), spec.username
    repeat = again.getvalue()
    assert repeat.startswith("The demo county is already seeded: nothing created (")
    assert "In the demo county: 14 organisations, 29 demo users, 5 persons." in repeat
    assert repeat.count("jiedu-demo-2026") == 1


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_shows_the_first_people():
    out = io.StringIO()
    call_command("seed_demo", "--dry-run", stdout=out)

    assert _table_sizes() == dict.fromkeys(_table_sizes(), 0)
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Dry run: nothing written. Seed 2026 gives 17 organisations, 10 licences, 29 users and 620 persons; "
        "the first:"
    )
    assert lines[1] == "  傅水坤  M  1985-01-22  3505**********401X  福建省泉州市南安市水头镇朴里村5组15号"
    assert lines[-1] == "Password for every demo login: jiedu-demo-2026"


@pytest.mark.django_db
def test_the_demo_county_gets_its_oversight_data_once():
    """Staff, training and screening; capability registers and assessments; a joint inspection with findings in
    rectification, a planned unannounced one; the years' education campaigns. The second run creates nothing."""
    first = demo_seed(seed=2026, persons=0, history_days=0)
    second = demo_seed(seed=2026, persons=0, history_days=0)

    assert first.oversight == {
        "workforce.staff": 37,
        "workforce.leavers": 5,
        "workforce.courses": 3,
        "workforce.participants": 118,
        "workforce.placements": 1,
        "workforce.screenings": 17,
        "capability.departments": 8,
        "capability.equipment": 12,
        "capability.checks": 13,
        "capability.rules": 7,
        "capability.rule_versions": 9,
        "capability.collaborations": 4,
        "capability.assessments": 4,
        "capability.adjustments": 1,
        "inspections.teams": 1,
        "inspections.inspections": 2,
        "inspections.findings": 3,
        "inspections.escalations": 1,
        "campaigns.campaigns": 4,
        "campaigns.events": 12,
        "evaluation.inspections": 3,
        "evaluation.findings": 5,
        "evaluation.evaluations": 2,
    }
    assert second.oversight == dict.fromkeys(first.oversight, 0)
