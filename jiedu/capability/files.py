"""Rule documents as uploaded files: a size limit and the real type read from the first bytes (not the name or
the browser's claim), checked by ``jiedu.core.uploads``; a scanned page is kept as sent. Files are stored under
MEDIA_ROOT with a random name and served only through a guarded view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

from jiedu.core import uploads

#: The largest rule document accepted (bytes).
MAX_BYTES = 10 * 1024 * 1024
#: PDF, Word (.doc, .docx) and scanned pages (PNG, JPEG, kept as sent).
ACCEPTED = frozenset(
    {uploads.Kind.PDF, uploads.Kind.DOC, uploads.Kind.DOCX, uploads.Kind.PNG, uploads.Kind.JPEG}
)


class DocumentError(ValueError):
    pass


@dataclass(frozen=True)
class Document:
    data: bytes
    extension: str
    content_type: str
    name: str


def _message(refusal: uploads.UploadRefused) -> str:
    match refusal.reason:
        case uploads.Refusal.OVERSIZE:
            return _("The file is %(size)d KB; the limit is %(limit)d KB.") % {
                "size": refusal.size // 1024,
                "limit": refusal.limit // 1024,
            }
        case uploads.Refusal.OVERFLOW:
            return _("The file is larger than %(limit)d KB.") % {"limit": refusal.limit // 1024}
        case uploads.Refusal.EMPTY:
            return _("The file is empty.")
    return _("The file is not a PDF, a Word document or a PNG or JPEG image.")


def read_document(upload: IO[bytes], *, size: int, name: str) -> Document:
    """The uploaded file checked: PDF, Word (.doc, .docx) or a scanned image (PNG, JPEG), at most ``MAX_BYTES``."""
    try:
        received = uploads.receive(
            upload, size=size, name=name, accepted=ACCEPTED, max_bytes=MAX_BYTES, default_name="document"
        )
    except uploads.UploadRefused as refusal:
        raise DocumentError(_message(refusal)) from None
    return Document(received.content, received.extension, received.content_type, received.name)


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF showing one line of ASCII ``text`` (for demonstration documents)."""
    safe = "".join(c for c in text if 32 <= ord(c) < 127).replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 720 Td ({safe}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
