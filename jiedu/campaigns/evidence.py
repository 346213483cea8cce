"""Evidence files of an event: photos (JPEG, PNG, WebP) and documents (PDF).

The checking itself is ``jiedu.core.uploads``: the type is read from the content, never from the name or the
browser's word. Photos are re-encoded — which drops their metadata (location, device) — and bounded in size; a
PNG stays a PNG, a WebP becomes a JPEG; a PDF is kept as sent. The size limit is
``settings.JIEDU_EVIDENCE_MAX_BYTES`` (10 MB unless set), read when a file arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from jiedu.core import uploads

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: The longest edge of a stored photo, in pixels.
MAX_EDGE = 2560
NAME_MAX = 200
ACCEPTED = frozenset({uploads.Kind.PDF, uploads.Kind.JPEG, uploads.Kind.PNG, uploads.Kind.WEBP})


class EvidenceError(ValueError):
    pass


@dataclass(frozen=True)
class Checked:
    content: bytes
    content_type: str
    name: str


def max_bytes() -> int:
    return int(getattr(settings, "JIEDU_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}"


def clean_name(raw: str, extension: str) -> str:
    """The name shown for the file: its base name without directories, with the extension of what is stored."""
    return uploads.short_name(raw, default="evidence", limit=NAME_MAX, extension=f".{extension}")


def _message(refusal: uploads.UploadRefused) -> str:
    match refusal.reason:
        case uploads.Refusal.OVERSIZE:
            return _("File: the file is %(size)s MB; the limit is %(limit)s MB.") % {
                "size": _megabytes(refusal.size),
                "limit": _megabytes(refusal.limit),
            }
        case uploads.Refusal.OVERFLOW:
            return _("File: the file is larger than the limit of %(limit)s MB.") % {
                "limit": _megabytes(refusal.limit)
            }
    # An empty file is neither a photo nor a PDF: the same words.
    return _("File: upload a photo (JPEG, PNG or WebP) or a PDF document.")


def check(upload: IO[bytes], *, size: int, name: str) -> Checked:
    """The file as it will be stored, or ``EvidenceError`` naming what is wrong."""
    try:
        received = uploads.receive(
            upload,
            size=size,
            name=name,
            accepted=ACCEPTED,
            max_bytes=max_bytes(),
            default_name="evidence",
            photos=uploads.Photos(edge=MAX_EDGE, keep_png=True),
        )
    except uploads.UploadRefused as refusal:
        raise EvidenceError(_message(refusal)) from None
    return Checked(
        content=received.content,
        content_type=received.content_type,
        name=clean_name(name, received.extension.removeprefix(".")),
    )
