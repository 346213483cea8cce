"""Evidence files of an event: photos (JPEG, PNG, WebP) and documents (PDF).

The type is read from the content, never from the name or the browser's word. Photos are re-encoded — which
drops their metadata (location, device) — and bounded in size; a PDF is kept as sent. The size limit is
``settings.JIEDU_EVIDENCE_MAX_BYTES`` (10 MB unless set), read when a file arrives.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: The longest edge of a stored photo, in pixels.
MAX_EDGE = 2560
NAME_MAX = 200
_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/jpeg"}


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
    base = os.path.basename((raw or "").replace("\\", "/")).strip() or "evidence"
    stem = os.path.splitext(base)[0][: NAME_MAX - 5] or "evidence"
    return f"{stem}.{extension}"


def check(upload: IO[bytes], *, size: int, name: str) -> Checked:
    """The file as it will be stored, or ``EvidenceError`` naming what is wrong."""
    limit = max_bytes()
    if size > limit:
        raise EvidenceError(
            _("File: the file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        content = upload.read(limit + 1)
        if len(content) > limit:
            raise EvidenceError(
                _("File: the file is larger than the limit of %(limit)s MB.") % {"limit": _megabytes(limit)}
            )
        return Checked(content=content, content_type="application/pdf", name=clean_name(name, "pdf"))
    try:
        image = Image.open(upload)
        image_format = image.format or ""
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise EvidenceError(_("File: upload a photo (JPEG, PNG or WebP) or a PDF document.")) from None
    if image_format not in _IMAGE_FORMATS:
        raise EvidenceError(_("File: upload a photo (JPEG, PNG or WebP) or a PDF document."))
    content_type = _IMAGE_FORMATS[image_format]
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    out = io.BytesIO()
    if content_type == "image/png":
        image.save(out, format="PNG", optimize=True)  # no text chunks: metadata is not carried over
        extension = "png"
    else:
        image.convert("RGB").save(out, format="JPEG", quality=85)  # no EXIF
        extension = "jpg"
    return Checked(content=out.getvalue(), content_type=content_type, name=clean_name(name, extension))
