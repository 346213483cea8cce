from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from jiedu.policy import organisations_in_scope
from jiedu.registry.models import Organisation


def organisation_list(
    *, user: Any, type: str = "", region: str = "", query: str = ""
) -> QuerySet[Organisation]:
    qs = (
        organisations_in_scope(user)
        .select_related("region", "parent_clinic")
        .annotate(dosing_point_count=Count("dosing_points"))
    )
    if type:
        qs = qs.filter(type=type)
    if region:
        qs = qs.filter(region__code__startswith=region.rstrip("0") or region)
    if query:
        qs = qs.filter(Q(name__contains=query) | Q(address__contains=query))
    return qs.order_by("region_id", "type", "name")


def organisation_get(*, user: Any, pk: int) -> Organisation:
    return organisations_in_scope(user).select_related("region", "parent_clinic").get(pk=pk)
