"""Rule documents as uploaded files: a size limit and the real type read from the first bytes (not the name or
the browser's claim). Files are stored under MEDIA_ROOT with a random name and served only through a guarded view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _

#: The largest rule document accepted (bytes).
MAX_BYTES = 10 * 1024 * 1024

#: (leading bytes, extension, content type); a .docx is a zip archive holding ``word/``.
_SIGNATURES = (
    (b"%PDF-", ".pdf", "application/pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".doc", "application/msword"),
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
)
_DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx")


class DocumentError(ValueError):
    pass


@dataclass(frozen=True)
class Document:
    data: bytes
    extension: str
    content_type: str
    name: str


def read_document(upload: IO[bytes], *, size: int, name: str) -> Document:
    """The uploaded file checked: PDF, Word (.doc, .docx) or a scanned image (PNG, JPEG), at most ``MAX_BYTES``."""
    if size > MAX_BYTES:
        raise DocumentError(
            _("The file is %(size)d KB; the limit is %(limit)d KB.")
            % {"size": size // 1024, "limit": MAX_BYTES // 1024}
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DocumentError(_("The file is larger than %(limit)d KB.") % {"limit": MAX_BYTES // 1024})
    if not data:
        raise DocumentError(_("The file is empty."))
    short_name = (name or "document").replace("\\", "/").rsplit("/", 1)[-1][:200]
    for signature, extension, content_type in _SIGNATURES:
        if data.startswith(signature):
            return Document(data, extension, content_type, short_name)
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]:
        return Document(data, _DOCX[1], _DOCX[0], short_name)
    raise DocumentError(_("The file is not a PDF, a Word document or a PNG or JPEG image."))


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
