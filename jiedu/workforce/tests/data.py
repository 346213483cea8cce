"""Helpers that build staff records through the services, for the workforce tests and the matrix."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiedu.accounts.models import Role, RoleAssignment, User
from jiedu.registry.models import Organisation
from jiedu.testing import PASSWORD
from jiedu.workforce import services
from jiedu.workforce.models import StaffMember

TODAY = dt.date(2026, 5, 20)

CERTIFICATE = {
    "physician": ("physician", "110350583000123"),
    "nurse": ("nurse", "201935002345"),
    "pharmacist": ("pharmacist", "ZY00356123"),
}
PROFESSION_CERTIFICATE = {
    "general_practitioner": "physician",
    "psychiatrist": "physician",
    "other_physician": "physician",
    "nurse": "nurse",
    "pharmacist": "pharmacist",
}


def register(
    actor: User,
    organisation: Organisation,
    name: str,
    profession: str = "nurse",
    start: dt.date = dt.date(2024, 1, 1),
    *,
    certified: bool = True,
    valid_from: dt.date = dt.date(2020, 1, 1),
    valid_to: dt.date | None = None,
    sex: str = "F",
    **extra: Any,
) -> StaffMember:
    """A staff member in post since ``start``; medical staff hold their profession's certificate (valid from 2020,
    open-ended unless ``valid_to``) when ``certified``."""
    certificate: dict[str, Any] = {}
    kind = PROFESSION_CERTIFICATE.get(profession)
    if certified and kind:
        certificate = {
            "certificate_type": kind,
            "certificate_number": f"{CERTIFICATE[kind][1]}{StaffMember.objects.count():03d}",
            "certificate_valid_from": valid_from,
            "certificate_valid_to": valid_to,
        }
    return services.staff_register(
        actor=actor,
        organisation=organisation,
        name=name,
        sex=sex,
        profession=profession,
        start_date=start,
        **{**certificate, **extra},
    )


def leave(actor: User, staff: StaffMember, day: dt.date, reason: str = "resigned") -> StaffMember:
    return services.staff_leave(actor=actor, staff=staff, leave_date=day, leave_reason=reason)


def user(username: str, org: Organisation, role: Role) -> User:
    made = User.objects.create_user(
        username=username, password=PASSWORD, organisation=org, full_name=username
    )
    RoleAssignment.objects.create(user=made, role=role)
    return made
