"""Write use cases for persons. Each owns its transaction and writes its audit entry inside it."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiedu.core import audit, clock, crypto
from jiedu.core.errors import FieldErrors
from jiedu.patients import identity, names
from jiedu.patients.models import Affiliation, Person, SearchKey, Sex
from jiedu.patients.photos import PhotoError, normalise_photo
from jiedu.registry.models import Region

ID_PURPOSE = "person.id_number"
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")


@dataclass(frozen=True)
class PhotoUpload:
    file: IO[bytes]
    size: int


@dataclass
class Registration:
    person: Person
    created: bool
    #: Fields where what was typed differs from the existing master record (which is kept).
    differences: list[str] = field(default_factory=list)


def id_number_index(number: str) -> str:
    return crypto.blind_index(identity.normalise(number), purpose=ID_PURPOSE)


def _check_phone(phone: str, errors: dict[str, list[str]]) -> str:
    phone = re.sub(r"\s", "", phone or "")
    if phone and not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        errors.setdefault("phone", []).append(
            _("Enter an 11-digit mobile number or a landline with its area code, e.g. 0595-86321234.")
        )
    return phone


def _check_name(name: str, errors: dict[str, list[str]]) -> str:
    name = (name or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("The name is required."))
    elif len(name) > 50:
        errors.setdefault("name", []).append(_("The name is at most 50 characters."))
    return name


def _check_region(code: str | None, errors: dict[str, list[str]]) -> Region | None:
    if not code:
        errors.setdefault("household_region", []).append(_("The household registration region is required."))
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        errors.setdefault("household_region", []).append(
            _("Unknown region code %(code)s: use a six-digit GB/T 2260 code.") % {"code": code}
        )
    return region


def _check_photo(photo: PhotoUpload | None, errors: dict[str, list[str]]) -> bytes | None:
    if photo is None:
        return None
    try:
        return normalise_photo(photo.file, size=photo.size)
    except PhotoError as exc:
        errors.setdefault("photo", []).append(str(exc))
        return None


def _store_photo(person: Person, data: bytes) -> None:
    person.photo_token = secrets.token_hex(16)
    person.photo.save(f"{person.photo_token}.jpg", ContentFile(data), save=False)


def _write_search_keys(person: Person) -> None:
    SearchKey.objects.filter(person=person).delete()
    SearchKey.objects.bulk_create(
        [SearchKey(person=person, key=k) for k in sorted(names.search_keys(person.name))]
    )


def person_register(
    *,
    actor: Any,
    name: str,
    sex: str,
    birth_date: dt.date | None,
    id_number: str,
    household_region_code: str | None = None,
    phone: str = "",
    current_address: str = "",
    photo: PhotoUpload | None = None,
) -> Registration:
    """Register a person at the actor's organisation, or find the one already registered with that number.

    The identity number is validated and cross-checked against the typed sex and birth date. A number that
    is already registered returns the existing person (linked to the actor's organisation) — never a
    duplicate; the master record is not overwritten.
    """
    errors: dict[str, list[str]] = {}
    name = _check_name(name, errors)
    parsed: identity.IdNumber | None = None
    try:
        parsed = identity.parse(id_number, today=clock.local_today())
    except identity.IdNumberError as exc:
        errors.setdefault("id_number", []).append(exc.message)
    if sex not in Sex.values:
        errors.setdefault("sex", []).append(_("Choose male or female."))
    if birth_date is None:
        errors.setdefault("birth_date", []).append(_("The birth date is required."))
    if parsed is not None and sex in Sex.values and parsed.sex != sex:
        errors.setdefault("sex", []).append(
            _("The identity number is a man's (its 17th digit is odd), but female was entered.")
            if parsed.sex == Sex.MALE
            else _("The identity number is a woman's (its 17th digit is even), but male was entered.")
        )
    if parsed is not None and birth_date is not None and parsed.birth_date != birth_date:
        errors.setdefault("birth_date", []).append(
            _("The identity number gives the birth date %(id_date)s, but %(typed)s was entered.")
            % {"id_date": parsed.birth_date.isoformat(), "typed": birth_date.isoformat()}
        )
    region_code = household_region_code or (parsed.region_code if parsed else None)
    region = _check_region(region_code, errors) if (household_region_code or parsed) else None
    phone = _check_phone(phone, errors)
    current_address = (current_address or "").strip()
    if len(current_address) > 255:
        errors.setdefault("current_address", []).append(_("The address is at most 255 characters."))
    photo_bytes = _check_photo(photo, errors)
    if errors:
        raise FieldErrors(errors)
    assert parsed is not None and region is not None and birth_date is not None

    index = id_number_index(parsed.number)
    with transaction.atomic(durable=True):
        existing = Person.objects.filter(id_number_index=index).first()
        created = False
        if existing is None:
            person = Person(
                name=name,
                name_pinyin=names.name_pinyin(name),
                sex=sex,
                birth_date=birth_date,
                id_number_encrypted=crypto.encrypt(parsed.number),
                id_number_index=index,
                id_number_masked=parsed.masked,
                phone=phone,
                household_region=region,
                current_address=current_address,
                created_by=actor,
            )
            if photo_bytes is not None:
                _store_photo(person, photo_bytes)
            try:
                with transaction.atomic():
                    person.save(force_insert=True)
                created = True
            except IntegrityError:  # registered concurrently by someone else: find, never duplicate
                existing = Person.objects.get(id_number_index=index)
        if created:
            _write_search_keys(person)
            differences: list[str] = []
        else:
            person = existing
            typed = {
                "name": name,
                "phone": phone,
                "current_address": current_address,
                "household_region": region.pk,
            }
            stored = {
                "name": person.name,
                "phone": person.phone,
                "current_address": person.current_address,
                "household_region": person.household_region_id,
            }
            differences = [f for f in typed if typed[f] and typed[f] != stored[f]]
        Affiliation.objects.get_or_create(
            person=person, organisation_id=actor.organisation_id, defaults={"created_by": actor}
        )
        audit.record(
            "person.register" if created else "person.register_existing",
            actor=actor,
            obj=person,
            detail={"differences": differences} if not created else {},
        )
    return Registration(person=person, created=created, differences=differences)


UPDATABLE = ("name", "phone", "current_address", "household_region_code")


def person_update(*, actor: Any, person: Person, photo: PhotoUpload | None = None, **changes: Any) -> Person:
    """Correct contact and name details. Sex, birth date and the number follow the identity number."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise FieldErrors({f: [_("This field cannot be changed here.")] for f in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    new: dict[str, Any] = {}
    if "name" in changes:
        new["name"] = _check_name(changes["name"], errors)
    if "phone" in changes:
        new["phone"] = _check_phone(changes["phone"], errors)
    if "current_address" in changes:
        new["current_address"] = (changes["current_address"] or "").strip()
        if len(new["current_address"]) > 255:
            errors.setdefault("current_address", []).append(_("The address is at most 255 characters."))
    if "household_region_code" in changes:
        region = _check_region(changes["household_region_code"], errors)
        if region is not None:
            new["household_region"] = region
    photo_bytes = _check_photo(photo, errors)
    if errors:
        raise FieldErrors(errors)
    with transaction.atomic(durable=True):
        locked = Person.objects.select_for_update().get(pk=person.pk)
        changed = [f for f, v in new.items() if getattr(locked, f) != v]
        for f in changed:
            setattr(locked, f, new[f])
        if "name" in changed:
            locked.name_pinyin = names.name_pinyin(locked.name)
        if photo_bytes is not None:
            _store_photo(locked, photo_bytes)
            changed.append("photo")
        if not changed:
            return locked
        locked.save()
        if "name" in changed:
            _write_search_keys(locked)
        audit.record("person.update", actor=actor, obj=locked, detail={"fields": changed})
    return locked


def person_record_view(*, actor: Any, person: Person, part: str = "") -> None:
    """Every view of a person's record (or a part of it, e.g. the MMT record) is audited; if the entry cannot be
    written the page is not shown."""
    with transaction.atomic(durable=True):
        audit.record("person.view", actor=actor, obj=person, detail={"part": part} if part else {})


def person_unmask_id(*, actor: Any, person: Person) -> str:
    with transaction.atomic(durable=True):
        audit.record("person.unmask_id", actor=actor, obj=person)
        return crypto.decrypt(person.id_number_encrypted)


def person_rotate_keys(*, batch_size: int = 500, dry_run: bool = False) -> tuple[int, int]:
    """Re-encrypt identity numbers not yet under the newest key. Returns (checked, rotated); idempotent."""
    checked = rotated = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Person.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")
                .only("pk", "id_number_encrypted")[:batch_size]
            )
            if not batch:
                break
            for person in batch:
                checked += 1
                if not crypto.encrypted_with_primary(person.id_number_encrypted):
                    rotated += 1
                    if not dry_run:
                        Person.objects.filter(pk=person.pk).update(
                            id_number_encrypted=crypto.rotate(person.id_number_encrypted)
                        )
            last_pk = batch[-1].pk
            if not dry_run and rotated:
                audit.record(
                    "person.keys_rotated", object_type="patients.person", detail={"up_to_pk": last_pk}
                )
    return checked, rotated
