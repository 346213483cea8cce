"""A person's photo, checked by the shared upload checker (``jiedu/core/uploads.py``): the size limit, the real image
type read from the content, and re-encoded as a bounded JPEG without its metadata (location, device)."""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from jiedu.core import uploads


class PhotoError(ValueError):
    pass


def _message(refusal: uploads.UploadRefused) -> str:
    match refusal.reason:
        case uploads.Refusal.OVERSIZE:
            return _("The photo is %(size)d KB; the limit is %(limit)d KB.") % {
                "size": refusal.size // 1024,
                "limit": refusal.limit // 1024,
            }
        case uploads.Refusal.OVERFLOW:
            return _("The photo is larger than the limit of %(limit)d KB.") % {"limit": refusal.limit // 1024}
        case uploads.Refusal.EMPTY:
            return _("The photo is empty.")
    return _("The file is not a JPEG, PNG or WebP image.")


def normalise_photo(upload: IO[bytes], *, size: int) -> bytes:
    """The photo as stored, or ``PhotoError`` with the reason."""
    try:
        received = uploads.receive(
            upload,
            size=size,
            name=None,
            accepted=uploads.PHOTOS,
            max_bytes=settings.JIEDU_PHOTO_MAX_BYTES,
            default_name="photo",
            photos=uploads.Photos(edge=settings.JIEDU_PHOTO_MAX_PIXELS),
        )
    except uploads.UploadRefused as refusal:
        raise PhotoError(_message(refusal)) from None
    return received.content
