"""Pages show a service's field errors beside the form's own fields."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from jiedu.core.errors import FieldErrors


def apply_field_errors(
    form: forms.Form, exc: FieldErrors, field_map: Mapping[str, str] | None = None
) -> None:
    """Attach each message to the form field of that name (renamed through ``field_map`` where a service's
    field has another name on the form); messages for fields the form lacks go to the top of the form."""
    for name, messages in exc.fields.items():
        target = (field_map or {}).get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
