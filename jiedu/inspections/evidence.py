"""Evidence uploads: a photo (JPEG, PNG or WebP, re-encoded as a JPEG without its metadata) or a PDF document.

The type is read from the file's content, never from its name or the browser's claim; the size is checked first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from jiedu.inspections.models import EvidenceKind

#: Default size limit of one file; a deployment may set JIEDU_EVIDENCE_MAX_BYTES.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: Photos are kept up to this edge (pixels): enough to read a ledger page or a label.
PHOTO_EDGE = 2048
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}


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


def check(upload: Upload) -> Checked:
    """The file to store; ``EvidenceError`` saying what is wrong with it."""
    limit = max_bytes()
    name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200] or "evidence"
    if upload.size > limit:
        raise EvidenceError(
            _("%(name)s is %(size)d KB; the limit is %(limit)d KB.")
            % {"name": name, "size": upload.size // 1024, "limit": limit // 1024}
        )
    if upload.size == 0:
        raise EvidenceError(_("%(name)s is empty.") % {"name": name})
    head = upload.file.read(5)
    upload.file.seek(0)
    if head == b"%PDF-":
        content = upload.file.read(limit + 1)
        if len(content) > limit:
            raise EvidenceError(_("%(name)s is larger than the limit.") % {"name": name})
        return Checked(kind=EvidenceKind.DOCUMENT, content=content, extension=".pdf", name=name)
    try:
        image = Image.open(upload.file)
        image_format = image.format
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise EvidenceError(
            _("%(name)s is neither a photo (JPEG, PNG, WebP) nor a PDF document.") % {"name": name}
        ) from None
    if image_format not in IMAGE_FORMATS:
        raise EvidenceError(
            _("%(name)s is neither a photo (JPEG, PNG, WebP) nor a PDF document.") % {"name": name}
        )
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((PHOTO_EDGE, PHOTO_EDGE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)  # no EXIF: location and device data are dropped
    return Checked(kind=EvidenceKind.PHOTO, content=out.getvalue(), extension=".jpg", name=name)
