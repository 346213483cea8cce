"""What each user may see: querysets that every list, search and export starts from."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jiedu.core.models import AuditEntry
from jiedu.patients.models import Affiliation, Person
from jiedu.policy.rules import REGIONAL_ROLES, Action, can, effective_roles
from jiedu.registry.models import Organisation, OrganisationType, RegionLevel


def _none_if_unauthenticated(user: Any) -> bool:
    return user is None or not getattr(user, "is_authenticated", False)


def organisations_in_scope(user: Any) -> QuerySet[Organisation]:
    """Organisations in the region of the user's organisation and below it (a county officer sees the county)."""
    if _none_if_unauthenticated(user) or not can(user, Action.ORGANISATION_VIEW):
        return Organisation.objects.none()
    if user.organisation is None:  # platform superuser
        return Organisation.objects.all()
    region = user.organisation.region
    return Organisation.objects.filter(region__code__startswith=region.prefix)


def care_organisations(user: Any) -> list[int]:
    """The organisations whose people the user cares for: their own, and an MMT clinic with its dosing points."""
    org = user.organisation
    if org is None:
        return []
    if org.type == OrganisationType.MMT_CLINIC:
        return [org.pk, *org.dosing_points.values_list("pk", flat=True)]
    if org.type == OrganisationType.DOSING_POINT:
        clinic_id = org.parent_clinic_id
        return [
            clinic_id,
            *Organisation.objects.filter(parent_clinic_id=clinic_id).values_list("pk", flat=True),
        ]
    return [org.pk]


def persons_in_scope(user: Any) -> QuerySet[Person]:
    """Persons linked to one of the user's care organisations. Officers work with aggregates, not records."""
    if _none_if_unauthenticated(user) or not can(user, Action.PERSON_VIEW):
        return Person.objects.none()
    linked = Affiliation.objects.filter(organisation_id__in=care_organisations(user)).values("person_id")
    return Person.objects.filter(pk__in=linked)


def audit_entries_in_scope(user: Any) -> QuerySet[AuditEntry]:
    if _none_if_unauthenticated(user) or not can(user, Action.AUDIT_VIEW):
        return AuditEntry.objects.none()
    roles = effective_roles(user)
    if user.organisation is None:
        return AuditEntry.objects.all()
    region = user.organisation.region
    in_region = Q(organisation__region__code__startswith=region.prefix)
    if roles & REGIONAL_ROLES and region.level == RegionLevel.PROVINCE:
        # A provincial auditor also sees events with no organisation (e.g. failed logins of unknown names).
        return AuditEntry.objects.filter(in_region | Q(organisation__isnull=True))
    return AuditEntry.objects.filter(in_region)
