"""Reads of voluntary rehab: who works in it, and the admissions of the user's own institution.

Roles alone do not decide: MMT clinic staff hold the same clinical roles, so every read and write also asks
whether the user's organisation is a voluntary rehab institution or a hospital.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, QuerySet

from jiedu.accounts.models import Role
from jiedu.policy import Action, can, effective_roles
from jiedu.registry.models import Organisation, OrganisationType
from jiedu.rehab.models import Admission

#: Organisation types that admit people to voluntary treatment (戒毒医疗机构, 医院戒毒治疗科).
REHAB_TYPES = frozenset({OrganisationType.VOLUNTARY_REHAB, OrganisationType.HOSPITAL})
#: Roles that admit and discharge (the treatment decision); nurses write progress notes.
DECIDERS = frozenset({Role.DOCTOR, Role.CLINIC_DIRECTOR})
#: Days for which a discharged patient stays on the institution's list.
RECENT_DAYS = 30


def institution_of(user: Any) -> Organisation | None:
    """The user's institution when the user works in voluntary rehab there; otherwise None."""
    if not can(user, Action.VOLUNTARY_REHAB):
        return None
    org = user.organisation
    return org if org is not None and org.type in REHAB_TYPES else None


def decides(user: Any) -> bool:
    """May admit and discharge: a doctor or the director of a rehab institution."""
    return institution_of(user) is not None and bool(effective_roles(user) & DECIDERS)


def admissions_in_scope(user: Any) -> QuerySet[Admission]:
    """Admissions of the user's own institution; none for anyone else."""
    institution = institution_of(user)
    if institution is None:
        return Admission.objects.none()
    return Admission.objects.filter(institution=institution)


def admissions_for(*, user: Any, person: Any) -> QuerySet[Admission]:
    """The person's admissions that the user may read (those at the user's institution), newest first: for the
    person's record."""
    return (
        admissions_in_scope(user)
        .filter(person=person)
        .select_related("institution")
        .order_by("-admitted_on", "-pk")
    )


def admission_get(*, user: Any, pk: int) -> Admission:
    """Raises Admission.DoesNotExist for an admission of another institution, as for one that does not exist."""
    return (
        admissions_in_scope(user)
        .select_related("person", "institution", "admitted_by", "discharged_by")
        .get(pk=pk)
    )


def current_admissions(*, user: Any) -> list[Admission]:
    return list(
        admissions_in_scope(user)
        .filter(discharged_on__isnull=True)
        .select_related("person")
        .annotate(note_count=Count("notes"))
        .order_by("setting", "admitted_on", "pk")
    )


def recently_discharged(*, user: Any, today: dt.date) -> list[Admission]:
    return list(
        admissions_in_scope(user)
        .filter(discharged_on__gte=today - dt.timedelta(days=RECENT_DAYS))
        .select_related("person")
        .order_by("-discharged_on", "-pk")
    )
