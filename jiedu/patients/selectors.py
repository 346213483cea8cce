"""Reads of persons, always through the policy's scope."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from jiedu.core import crypto
from jiedu.patients import identity, names
from jiedu.patients.models import Person
from jiedu.patients.services import ID_PURPOSE
from jiedu.policy import persons_in_scope


def person_queryset(*, user: Any) -> QuerySet[Person]:
    return persons_in_scope(user).select_related("household_region")


def person_get(*, user: Any, pk: int) -> Person:
    """Raises Person.DoesNotExist for a person out of scope, exactly as for one that does not exist."""
    return person_queryset(user=user).get(pk=pk)


def search_kind(query: str) -> str:
    q = query.strip()
    if identity.looks_like_id_number(q):
        return "id_number"
    if q.isascii() and q.replace(" ", "").isalpha():
        return "pinyin"
    return "name"


def person_search(*, user: Any, query: str, limit: int | None = None) -> list[Person]:
    """Find by identity number (exact, via the keyed hash), pinyin (initials or full syllables) or name, among
    the people the user may see."""
    return search_among(person_queryset(user=user), query=query, limit=limit)


def search_among(qs: QuerySet[Person], *, query: str, limit: int | None = None) -> list[Person]:
    """The same search within ``qs`` (e.g. the people a dosing window may dose today, guests included)."""
    limit = limit or settings.JIEDU_SEARCH_LIMIT
    q = query.strip()
    if not q:
        return list(qs.order_by("-created_at", "-pk")[:limit])
    kind = search_kind(q)
    if kind == "id_number":
        index = crypto.blind_index(identity.normalise(q), purpose=ID_PURPOSE)
        return list(qs.filter(id_number_index=index)[:1])
    if kind == "pinyin":
        key = q.replace(" ", "").lower()
        return list(
            qs.filter(search_keys__key__startswith=key).distinct().order_by("name_pinyin", "pk")[:limit]
        )
    return list(qs.filter(name__contains=q).order_by("name_pinyin", "pk")[:limit])


def masked_query(query: str) -> str:
    """What goes into the audit log for a search: never a full identity number."""
    return (
        identity.mask(identity.normalise(query)) if search_kind(query) == "id_number" else query.strip()[:64]
    )


__all__ = ["person_get", "person_queryset", "person_search", "search_among", "masked_query", "names"]
