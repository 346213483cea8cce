"""Uploaded files checked once for every app: a size limit, the real type read from the content (never the name
or the browser's claim), a short display name, and photos re-encoded without their metadata.

An app says which kinds it accepts, its limit and how photos are stored; it words the refusals itself from the
``Refusal`` it is given, so each page keeps its own messages.
"""

from __future__ import annotations

import enum
import io
import posixpath
from collections.abc import Collection
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError


class Kind(enum.StrEnum):
    """What a file is, by its content."""

    PDF = "pdf"
    DOC = "doc"
    DOCX = "docx"
    PNG = "png"
    JPEG = "jpeg"
    WEBP = "webp"


#: The kinds that are photos: decoded and re-encoded when the app asks for it.
PHOTOS = frozenset({Kind.PNG, Kind.JPEG, Kind.WEBP})

#: The extension and content type of a file stored as it was sent.
STORED_AS = {
    Kind.PDF: (".pdf", "application/pdf"),
    Kind.DOC: (".doc", "application/msword"),
    Kind.DOCX: (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    Kind.PNG: (".png", "image/png"),
    Kind.JPEG: (".jpg", "image/jpeg"),
    Kind.WEBP: (".webp", "image/webp"),
}

#: Leading bytes of each kind; a .docx is a zip archive holding ``word/`` (looked for in its first 64 KB) and a
#: WebP is a RIFF container whose bytes 8–11 read ``WEBP``.
_SIGNATURES = (
    (b"%PDF-", Kind.PDF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Kind.DOC),
    (b"\x89PNG\r\n\x1a\n", Kind.PNG),
    (b"\xff\xd8\xff", Kind.JPEG),
)
_DOCX_WINDOW = 65536
#: What Pillow calls each kind; a phone's camera often writes a JPEG with a second picture in it (MPO).
_PILLOW_FORMATS = {Kind.PNG: ("PNG",), Kind.JPEG: ("JPEG", "MPO"), Kind.WEBP: ("WEBP",)}
_JPEG_QUALITY = 85


class Refusal(enum.StrEnum):
    """Why a file is refused."""

    #: The size the browser gave is over the limit.
    OVERSIZE = "oversize"
    #: The content runs past the limit although the size given did not.
    OVERFLOW = "overflow"
    EMPTY = "empty"
    #: Not one of the accepted kinds, or a photo that cannot be decoded.
    NOT_ACCEPTED = "not_accepted"


class UploadRefused(ValueError):
    """A refused file, with what an app needs to word the refusal: the file's short name, the size given and
    the limit, both in bytes."""

    def __init__(self, reason: Refusal, *, name: str, size: int, limit: int) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.name = name
        self.size = size
        self.limit = limit


class PhotoUnreadable(ValueError):
    pass


@dataclass(frozen=True)
class Photos:
    """How photos are stored: turned upright, at most ``edge`` pixels on the longer side, re-encoded as a JPEG
    (which drops the location and device data) — or, with ``keep_png``, a PNG re-encoded as a PNG."""

    edge: int
    keep_png: bool = False


@dataclass(frozen=True)
class Received:
    """A file that passed: ``kind`` is what was sent, ``content``, ``extension`` and ``content_type`` what is
    stored (a re-encoded photo is a ``.jpg`` whatever was sent), ``name`` the short name of what was sent."""

    kind: Kind
    content: bytes
    extension: str
    content_type: str
    name: str

    @property
    def is_photo(self) -> bool:
        return self.kind in PHOTOS


def short_name(raw: str | None, *, default: str, limit: int = 200, extension: str | None = None) -> str:
    """The file's own name without the folders a browser may send (``C:\\scans\\x.pdf`` → ``x.pdf``), at most
    ``limit`` characters, ``default`` when nothing is left. With ``extension`` (``".jpg"``), the name's own
    extension is replaced by it, so the name says what is stored."""
    base = posixpath.basename((raw or "").replace("\\", "/")).strip() or default
    if extension is None:
        return base[:limit]
    stem = posixpath.splitext(base)[0][: limit - len(extension)] or default
    return f"{stem}{extension}"


def sniff(content: bytes) -> Kind | None:
    """The kind of a file from its first bytes; ``None`` for anything else."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return Kind.WEBP
    if content.startswith(b"PK\x03\x04") and b"word/" in content[:_DOCX_WINDOW]:
        return Kind.DOCX
    return None


def photo_reencoded(content: bytes, kind: Kind, photos: Photos) -> tuple[bytes, Kind]:
    """The photo as stored (see ``Photos``) and its stored kind; ``PhotoUnreadable`` when the content is not a
    ``kind`` image that decodes."""
    try:
        image = Image.open(io.BytesIO(content))
        image_format = image.format
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PhotoUnreadable(kind.value) from None
    if image_format not in _PILLOW_FORMATS.get(kind, ()):
        raise PhotoUnreadable(kind.value)
    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if kind == Kind.PNG and photos.keep_png:
        image.thumbnail((photos.edge, photos.edge))
        image.save(out, format="PNG", optimize=True)  # no text or EXIF chunks are carried over
        return out.getvalue(), Kind.PNG
    image = image.convert("RGB")
    image.thumbnail((photos.edge, photos.edge))
    image.save(out, format="JPEG", quality=_JPEG_QUALITY)  # no EXIF: location and device data are dropped
    return out.getvalue(), Kind.JPEG


def receive(
    file: IO[bytes],
    *,
    size: int,
    name: str | None,
    accepted: Collection[Kind],
    max_bytes: int,
    default_name: str,
    photos: Photos | None = None,
) -> Received:
    """The file to store, or ``UploadRefused``. At most ``max_bytes + 1`` bytes are read, whatever ``size`` says.
    Photos are re-encoded when ``photos`` is given, kept as sent otherwise (like every other kind)."""
    shown = short_name(name, default=default_name)

    def refused(reason: Refusal) -> UploadRefused:
        return UploadRefused(reason, name=shown, size=size, limit=max_bytes)

    if size > max_bytes:
        raise refused(Refusal.OVERSIZE)
    content = file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise refused(Refusal.OVERFLOW)
    if not content:
        raise refused(Refusal.EMPTY)
    kind = sniff(content)
    if kind is None or kind not in accepted:
        raise refused(Refusal.NOT_ACCEPTED)
    stored = kind
    if photos is not None and kind in PHOTOS:
        try:
            content, stored = photo_reencoded(content, kind, photos)
        except PhotoUnreadable:
            raise refused(Refusal.NOT_ACCEPTED) from None
    extension, content_type = STORED_AS[stored]
    return Received(kind=kind, content=content, extension=extension, content_type=content_type, name=shown)
