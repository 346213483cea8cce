"""The persons pages: bad input is named beside its field and writes nothing; exports are masked and audited."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from jiedu.core.models import AuditEntry
from jiedu.patients import services
from jiedu.patients.models import Person
from jiedu.testing import jpeg_bytes, make_id_number

pytestmark = pytest.mark.django_db
ZSF = make_id_number(birth=dt.date(1979, 3, 8), seq=37)


@pytest.fixture
def nurse(client, world):
    client.force_login(world.nurse_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form(**overrides):
    data = {
        "id_number": ZSF,
        "name": "张三丰",
        "sex": "M",
        "birth_date": "1979-03-08",
        "household_region": "",
        "phone": "",
        "current_address": "",
    }
    data.update(overrides)
    return data


def test_register_redirects_to_the_new_record(nurse):
    photo = SimpleUploadedFile("me.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = nurse.post("/persons/register/", {**form(), "photo": photo})
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/persons/{person.pk}/"
    page = nurse.get(response["Location"]).content.decode()
    assert "张三丰 is registered." in page
    assert person.id_number_masked in page
    assert ZSF not in page
    assert nurse.get(f"/persons/{person.pk}/photo.jpg")["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"birth_date": "1979-02-30"}, "birth_date", "Enter a real date, e.g. 1980-05-03."),
        (
            {"id_number": ZSF[:-1] + ("0" if ZSF[-1] != "0" else "1")},
            "id_number",
            f"The check digit is wrong: the last character should be {ZSF[-1]}; please check the number.",
        ),
        (
            {"household_region": "999999"},
            "household_region",
            "Unknown region code 999999: use a six-digit GB/T 2260 code.",
        ),
        (
            {"sex": "F"},
            "sex",
            "The identity number is a man&#x27;s (its 17th digit is odd), but female was entered.",
        ),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_bad_input_is_named_beside_its_field_and_writes_nothing(nurse, overrides, field, message):
    response = nurse.post("/persons/register/", form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    block = html[html.index(f'data-field="{field}"') :]
    block = block[: block.index("</div>\n</div>") if "</div>\n</div>" in block else len(block)]
    assert message in block
    assert Person.objects.count() == 0


def test_wrong_type_upload_is_refused(nurse):
    pdf = SimpleUploadedFile("id.pdf", b"%PDF-1.4 not an image", content_type="application/pdf")
    response = nurse.post("/persons/register/", {**form(), "photo": pdf})
    assert response.status_code == 400
    assert "The file is not a JPEG, PNG or WebP image." in response.content.decode()
    assert Person.objects.count() == 0


def test_registering_a_known_number_opens_the_existing_record(nurse, world):
    existing = services.person_register(
        actor=world.nurse_b, name="张三丰", sex="M", birth_date=dt.date(1979, 3, 8), id_number=ZSF
    ).person
    response = nurse.post("/persons/register/", form(name="张三风"))
    assert response["Location"] == f"/persons/{existing.pk}/"
    page = nurse.get(response["Location"]).content.decode()
    assert "This identity number is already registered" in page
    assert "What you typed differs from the record in: name." in page
    assert Person.objects.count() == 1


def test_htmx_search_returns_only_the_results_fragment(nurse, world):
    services.person_register(
        actor=world.nurse_a, name="张三丰", sex="M", birth_date=dt.date(1979, 3, 8), id_number=ZSF
    )
    html = nurse.get("/persons/?q=zsf", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html
    assert 'id="person-results"' in html
    assert "张三丰" in html
    entry = AuditEntry.objects.get(action="person.search")
    assert entry.detail == {"query": "zsf", "kind": "pinyin", "results": 1}


def test_search_by_number_is_audited_with_the_number_masked(nurse, world):
    services.person_register(
        actor=world.nurse_a, name="张三丰", sex="M", birth_date=dt.date(1979, 3, 8), id_number=ZSF
    )
    nurse.get("/persons/", {"q": ZSF})
    entry = AuditEntry.objects.get(action="person.search")
    assert entry.detail == {"query": ZSF[:4] + "*" * 10 + ZSF[-4:], "kind": "id_number", "results": 1}


def test_export_is_masked_and_audited(client, world):
    services.person_register(
        actor=world.nurse_a, name="张三丰", sex="M", birth_date=dt.date(1979, 3, 8), id_number=ZSF
    )
    services.person_register(
        actor=world.nurse_b,
        name="李四",
        sex="M",
        birth_date=dt.date(1980, 5, 3),
        id_number=make_id_number(seq=55),
    )
    client.force_login(world.director_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/persons/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    lines = body.lstrip("\ufeff").splitlines()
    assert (
        lines[0]
        == "ID,Name,Pinyin,Sex,Birth date,Identity number,Household registration region,Phone,Registered at"
    )
    assert len(lines) == 2  # 李四 belongs to clinic B
    assert ",张三丰,zhang san feng,Male,1979-03-08," + ZSF[:4] + "*" * 10 + ZSF[-4:] + ",350583," in lines[1]
    assert ZSF not in body
    assert AuditEntry.objects.get(action="person.export").detail == {"format": "csv", "rows": 1}
