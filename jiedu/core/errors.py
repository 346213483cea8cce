"""Errors that services raise and that pages and the API turn into messages naming the field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    """A rule refused the request. ``code`` is stable for clients; ``message`` is for people."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class FieldErrors(DomainError):
    """One or more fields are invalid. Nothing was written."""

    code = "invalid"

    def __init__(self, fields: Mapping[str, Sequence[str] | str], message: str | None = None) -> None:
        self.fields: dict[str, list[str]] = {
            name: [str(m) for m in ([msgs] if isinstance(msgs, str) else msgs)]
            for name, msgs in fields.items()
        }
        first = next(iter(self.fields.items()), ("", [""]))
        super().__init__(message or f"{first[0]}: {first[1][0]}")


class PermissionDenied(DomainError):
    code = "forbidden"
