from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorBody


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = Field(None, alias="parent_id")
    valid_from: int | None
    valid_to: int | None


class LicenceOut(Schema):
    kind: str
    number: str
    issuer: str
    valid_from: dt.date
    valid_to: dt.date | None


class OrganisationOut(Schema):
    id: int
    name: str
    type: str
    region_code: str = Field(alias="region_id")
    parent_clinic_id: int | None
    address: str
    latitude: float | None
    longitude: float | None
    contact_person: str
    phone: str
    is_active: bool


class OrganisationDetailOut(OrganisationOut):
    licences: list[LicenceOut]


class PersonOut(Schema):
    id: int
    name: str
    name_pinyin: str
    sex: str
    birth_date: dt.date
    id_number_masked: str
    phone: str
    household_region_code: str = Field(alias="household_region_id")
    current_address: str
    has_photo: bool
    created_at: dt.datetime


class PersonIn(Schema):
    id_number: str = Field(..., max_length=32, description="18-character resident identity number")
    name: str = Field(..., max_length=50)
    sex: str = Field(..., description="M or F; must agree with the identity number")
    birth_date: dt.date = Field(..., description="Must agree with the identity number")
    household_region_code: str | None = Field(None, max_length=6)
    phone: str = Field("", max_length=20)
    current_address: str = Field("", max_length=255)


class PersonPatch(Schema):
    name: str | None = Field(None, max_length=50)
    household_region_code: str | None = Field(None, max_length=6)
    phone: str | None = Field(None, max_length=20)
    current_address: str | None = Field(None, max_length=255)


class RegistrationOut(Schema):
    created: bool
    differences: list[str]
    person: PersonOut


class IdNumberOut(Schema):
    id_number: str


class MeOut(Schema):
    username: str
    full_name: str
    organisation_id: int | None
    organisation_name: str | None
    roles: list[str]
    actions: list[str]


class AuditEntryOut(Schema):
    seq: int
    at: dt.datetime
    actor_username: str
    organisation_id: int | None
    action: str
    object_type: str
    object_id: str
    outcome: str
    client_ip: str | None
    channel: str
