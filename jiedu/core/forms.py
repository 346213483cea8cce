"""Shared form pieces: a date picker whose value the browser can read in any language, and a service's field
errors shown beside the form's own fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from jiedu.core.errors import FieldErrors


class DateInput(forms.DateInput):
    """A browser date picker. Its value is always ISO (YYYY-MM-DD): the Chinese date format (2026/05/20) is not
    something an ``<input type="date">`` can read, so a pre-filled date would otherwise show empty."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:  # noqa: A002
        super().__init__(attrs, format=format or "%Y-%m-%d")


def apply_field_errors(
    form: forms.Form, exc: FieldErrors, field_map: Mapping[str, str] | None = None
) -> None:
    """Attach each message to the form field of that name (renamed through ``field_map`` where a service's
    field has another name on the form); messages for fields the form lacks go to the top of the form."""
    for name, messages in exc.fields.items():
        target = (field_map or {}).get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
