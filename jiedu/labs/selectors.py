"""Reads of tests: scoped to the persons in the user's care, and infection results only for those who need them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiedu.labs.models import INFECTIONS, LabKind, LabTest
from jiedu.policy import Action, can
from jiedu.policy.scope import persons_in_scope


def visible_tests(user: Any) -> QuerySet[LabTest]:
    """Tests the user may read: urine for urine readers, HIV, HCV and syphilis only for the infection role."""
    kinds = []
    if can(user, Action.LAB_URINE):
        kinds.append(LabKind.URINE)
    if can(user, Action.LAB_INFECTION):
        kinds += list(INFECTIONS)
    return LabTest.objects.filter(person__in=persons_in_scope(user), kind__in=kinds)
