"""Photo uploads: check size and real image type, strip metadata, re-encode to a bounded JPEG."""

from __future__ import annotations

import io
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoError(ValueError):
    pass


def normalise_photo(upload: IO[bytes], *, size: int) -> bytes:
    limit = settings.JIEDU_PHOTO_MAX_BYTES
    if size > limit:
        raise PhotoError(
            _("The photo is %(size)d KB; the limit is %(limit)d KB.")
            % {"size": size // 1024, "limit": limit // 1024}
        )
    try:
        image = Image.open(upload)
        image_format = image.format
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PhotoError(_("The file is not a JPEG, PNG or WebP image.")) from None
    if image_format not in ALLOWED_FORMATS:
        raise PhotoError(_("The file is not a JPEG, PNG or WebP image."))
    image = ImageOps.exif_transpose(image).convert("RGB")
    edge = settings.JIEDU_PHOTO_MAX_PIXELS
    image.thumbnail((edge, edge))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)  # no EXIF: location and device data are dropped
    return out.getvalue()
