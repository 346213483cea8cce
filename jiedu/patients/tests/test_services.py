"""Registering, finding, viewing and correcting persons."""

import datetime as dt
import io

import pytest
from cryptography.fernet import Fernet
from PIL import Image

from jiedu.core import audit, crypto
from jiedu.core.errors import FieldErrors
from jiedu.core.models import AuditEntry
from jiedu.patients import selectors, services
from jiedu.patients.models import Affiliation, Person, SearchKey
from jiedu.patients.photos import PhotoError, normalise_photo
from jiedu.testing import jpeg_bytes, make_id_number

pytestmark = pytest.mark.django_db

ZSF_ID = make_id_number(birth=dt.date(1979, 3, 8), seq=37, sex="M")


def register(actor, **overrides):
    data = {
        "name": "张三丰",
        "sex": "M",
        "birth_date": dt.date(1979, 3, 8),
        "id_number": ZSF_ID,
        "phone": "13905951234",
        "current_address": "南安市溪美街道成功街8号",
    }
    data.update(overrides)
    return services.person_register(actor=actor, **data)


def photo(data: bytes) -> services.PhotoUpload:
    return services.PhotoUpload(file=io.BytesIO(data), size=len(data))


def test_register_stores_the_number_encrypted_with_a_keyed_index(world):
    result = register(world.nurse_a)
    person = result.person
    assert result.created is True
    assert person.name_pinyin == "zhang san feng"
    assert person.household_region_id == "350583"  # from the number when not given
    assert person.id_number_masked == ZSF_ID[:4] + "**********" + ZSF_ID[-4:]
    assert ZSF_ID not in person.id_number_encrypted
    assert crypto.decrypt(person.id_number_encrypted) == ZSF_ID
    assert person.id_number_index == services.id_number_index(ZSF_ID)
    assert set(SearchKey.objects.filter(person=person).values_list("key", flat=True)) == {
        "zsf",
        "zhangsanfeng",
    }
    assert list(Affiliation.objects.filter(person=person).values_list("organisation_id", flat=True)) == [
        world.clinic_a.pk
    ]
    entry = AuditEntry.objects.get(action="person.register")
    assert (entry.actor_id, entry.organisation_id, entry.object_type, entry.object_id) == (
        world.nurse_a.pk,
        world.clinic_a.pk,
        "patients.person",
        str(person.pk),
    )


def test_same_number_finds_the_existing_person_and_links_the_new_organisation(world):
    first = register(world.nurse_a).person
    again = register(world.nurse_b, name="张三风", phone="", id_number=ZSF_ID.lower())
    assert again.created is False
    assert again.person.pk == first.pk
    assert again.differences == ["name"]
    assert Person.objects.count() == 1
    assert Person.objects.get().name == "张三丰"  # the master record is not overwritten
    assert set(Affiliation.objects.values_list("organisation_id", flat=True)) == {
        world.clinic_a.pk,
        world.clinic_b.pk,
    }
    assert AuditEntry.objects.filter(action="person.register_existing").get().detail == {
        "differences": ["name"]
    }


def test_typed_sex_and_birth_date_must_agree_with_the_number(world):
    with pytest.raises(FieldErrors) as info:
        register(world.nurse_a, sex="F", birth_date=dt.date(1979, 3, 18))
    assert info.value.fields == {
        "sex": ["The identity number is a man's (its 17th digit is odd), but female was entered."],
        "birth_date": ["The identity number gives the birth date 1979-03-08, but 1979-03-18 was entered."],
    }
    assert Person.objects.count() == 0
    assert AuditEntry.objects.filter(action__startswith="person.").count() == 0


def test_bad_check_digit_unknown_region_and_phone_are_named_and_nothing_is_written(world):
    wrong = ZSF_ID[:-1] + ("0" if ZSF_ID[-1] != "0" else "1")
    with pytest.raises(FieldErrors) as info:
        register(world.nurse_a, id_number=wrong, household_region_code="999999", phone="12345")
    assert info.value.fields["id_number"] == [
        f"The check digit is wrong: the last character should be {ZSF_ID[-1]}; please check the number."
    ]
    assert info.value.fields["household_region"] == [
        "Unknown region code 999999: use a six-digit GB/T 2260 code."
    ]
    assert info.value.fields["phone"] == [
        "Enter an 11-digit mobile number or a landline with its area code, e.g. 0595-86321234."
    ]
    assert Person.objects.count() == 0


def test_photo_is_reencoded_without_metadata_and_bounded(world):
    person = register(world.nurse_a, photo=photo(jpeg_bytes((1200, 1600)))).person
    with person.photo.open("rb") as f:
        image = Image.open(f)
        assert image.format == "JPEG"
        assert image.size == (480, 640)
        assert "exif" not in image.info


def test_oversize_and_wrong_type_uploads_are_refused(world, settings):
    settings.JIEDU_PHOTO_MAX_BYTES = 1000
    with pytest.raises(FieldErrors) as info:
        register(world.nurse_a, photo=photo(b"x" * 2048))
    assert info.value.fields == {"photo": ["The photo is 2 KB; the limit is 0 KB."]}
    settings.JIEDU_PHOTO_MAX_BYTES = 2 * 1024 * 1024
    with pytest.raises(FieldErrors) as info:
        register(world.nurse_a, photo=photo(b"%PDF-1.4 not an image"))
    assert info.value.fields == {"photo": ["The file is not a JPEG, PNG or WebP image."]}
    with pytest.raises(FieldErrors) as info:
        register(world.nurse_a, photo=photo(b"\xff\xd8\xff" + b"not the rest of a JPEG"))
    assert info.value.fields == {"photo": ["The file is not a JPEG, PNG or WebP image."]}
    assert Person.objects.count() == 0


def test_a_photo_longer_than_its_stated_size_or_empty_is_refused(settings):
    settings.JIEDU_PHOTO_MAX_BYTES = 2048
    # The size the browser gave is not trusted: no more than the limit and one byte is read.
    with pytest.raises(PhotoError, match=r"^The photo is larger than the limit of 2 KB\.$"):
        normalise_photo(io.BytesIO(jpeg_bytes((1200, 1600))), size=100)
    with pytest.raises(PhotoError, match=r"^The photo is empty\.$"):
        normalise_photo(io.BytesIO(b""), size=0)


def test_failed_audit_write_rolls_the_registration_back(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError, match="audit store unavailable"):
        register(world.nurse_a)
    assert Person.objects.count() == 0
    assert Affiliation.objects.count() == 0


def test_search_by_pinyin_initials_full_pinyin_name_and_number_within_scope(world):
    zsf = register(world.nurse_a).person
    other = register(
        world.nurse_a, name="曾小贤", id_number=make_id_number(seq=41, birth=dt.date(1979, 3, 8)), phone=""
    ).person
    register(
        world.nurse_b, name="张三", id_number=make_id_number(seq=55), birth_date=dt.date(1980, 5, 3), phone=""
    )
    find = lambda q, user=world.nurse_a: [p.pk for p in selectors.person_search(user=user, query=q)]  # noqa: E731
    assert find("zsf") == [zsf.pk]
    assert find("ZS") == [zsf.pk]
    assert find("zhangsanf") == [zsf.pk]
    assert find("zxx") == [other.pk]
    assert find("cxx") == [other.pk]  # the common reading of 曾 also finds the surname
    assert find("三丰") == [zsf.pk]
    assert find(ZSF_ID.lower()) == [zsf.pk]
    assert find("zs", world.nurse_point_a) == [zsf.pk]  # a dosing point sees its clinic's people
    assert find("zs", world.nurse_b) == [p.pk for p in Person.objects.filter(name="张三")]
    assert find(ZSF_ID, world.nurse_b) == []
    assert find(ZSF_ID, world.officer) == []  # officers work with aggregates, not records


def test_unmasking_is_audited(world):
    person = register(world.nurse_a).person
    assert services.person_unmask_id(actor=world.nurse_a, person=person) == ZSF_ID
    entry = AuditEntry.objects.get(action="person.unmask_id")
    assert (entry.actor_id, entry.object_id) == (world.nurse_a.pk, str(person.pk))


def test_update_changes_only_what_differs_and_refreshes_search_keys(world):
    person = register(world.nurse_a).person
    updated = services.person_update(actor=world.doctor_a, person=person, name="张三峰", phone="13905951234")
    assert updated.name_pinyin == "zhang san feng"
    assert AuditEntry.objects.get(action="person.update").detail == {"fields": ["name"]}
    with pytest.raises(FieldErrors) as info:
        services.person_update(actor=world.doctor_a, person=person, sex="F")
    assert info.value.fields == {"sex": ["This field cannot be changed here."]}


def test_key_rotation_reencrypts_under_the_newest_key(world, settings):
    person = register(world.nurse_a).person
    old_keys = list(settings.JIEDU_FIELD_KEYS)
    settings.JIEDU_FIELD_KEYS = [Fernet.generate_key().decode(), *old_keys]
    assert crypto.encrypted_with_primary(person.id_number_encrypted) is False
    assert services.person_rotate_keys() == (1, 1)
    person.refresh_from_db()
    assert crypto.encrypted_with_primary(person.id_number_encrypted) is True
    settings.JIEDU_FIELD_KEYS = settings.JIEDU_FIELD_KEYS[:1]  # old keys retired
    assert crypto.decrypt(person.id_number_encrypted) == ZSF_ID
    assert services.person_rotate_keys() == (1, 0)


def test_view_of_a_record_is_audited(world):
    person = register(world.nurse_a).person
    services.person_record_view(actor=world.nurse_a, person=person)
    assert AuditEntry.objects.filter(action="person.view", object_id=str(person.pk)).count() == 1
