"""Evidence uploads: a photo (JPEG, PNG or WebP, re-encoded as a JPEG without its metadata) or a PDF document.

The checking itself is ``jiedu.core.uploads``: the type is read from the file's content, never from its name or
the browser's claim; the size is checked first. This module keeps the inspection's limit, photo size and wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from jiedu.core import uploads
from jiedu.inspections.models import EvidenceKind

#: Default size limit of one file; a deployment may set JIEDU_EVIDENCE_MAX_BYTES.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Photos are kept up to this edge (pixels): enough to read a ledger page or a label.
PHOTO_EDGE = 2048
ACCEPTED = frozenset({uploads.Kind.PDF, uploads.Kind.JPEG, uploads.Kind.PNG, uploads.Kind.WEBP})


class EvidenceError(ValueError):
    pass


@dataclass(frozen=True)
class Upload:
    """A file as the page received it."""

    file: IO[bytes]
    name: str
    size: int


@dataclass(frozen=True)
class Checked:
    kind: str
    content: bytes
    extension: str
    name: str


def max_bytes() -> int:
    return int(getattr(settings, "JIEDU_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def _message(refusal: uploads.UploadRefused) -> str:
    match refusal.reason:
        case uploads.Refusal.OVERSIZE:
            return _("%(name)s is %(size)d KB; the limit is %(limit)d KB.") % {
                "name": refusal.name,
                "size": refusal.size // 1024,
                "limit": refusal.limit // 1024,
            }
        case uploads.Refusal.OVERFLOW:
            return _("%(name)s is larger than the limit.") % {"name": refusal.name}
        case uploads.Refusal.EMPTY:
            return _("%(name)s is empty.") % {"name": refusal.name}
    return _("%(name)s is neither a photo (JPEG, PNG, WebP) nor a PDF document.") % {"name": refusal.name}


def check(upload: Upload) -> Checked:
    """The file to store; ``EvidenceError`` saying what is wrong with it."""
    try:
        received = uploads.receive(
            upload.file,
            size=upload.size,
            name=upload.name,
            accepted=ACCEPTED,
            max_bytes=max_bytes(),
            default_name="evidence",
            photos=uploads.Photos(edge=PHOTO_EDGE),
        )
    except uploads.UploadRefused as refusal:
        raise EvidenceError(_message(refusal)) from None
    kind = EvidenceKind.PHOTO if received.is_photo else EvidenceKind.DOCUMENT
    return Checked(kind=kind, content=received.content, extension=received.extension, name=received.name)
