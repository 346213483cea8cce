"""PDF documents from templates (WeasyPrint): Chinese text is set in a CJK font of the machine and embedded, so
the file reads the same on any viewer. See docs/adr/0010-printable-documents.md."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

#: Fonts tried in order for Chinese text; fonts-noto-cjk provides the first on Debian.
CJK_FONTS = '"Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", sans-serif'


class PdfUnavailable(RuntimeError):
    """The machine lacks the system libraries PDF output needs (Pango); the message says what to install."""


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render a print template to PDF. The template extends ``core/print_base.html``."""
    try:
        from weasyprint import HTML  # imported here: loading Pango costs ~0.3 s, needed by few requests
    except OSError as exc:  # pragma: no cover - depends on the machine
        raise PdfUnavailable(
            _(
                "PDF output needs the Pango library and a Chinese font: apt-get install libpango-1.0-0 "
                "libpangoft2-1.0-0 fonts-noto-cjk."
            )
        ) from exc

    html = render_to_string(template, {**context, "cjk_fonts": CJK_FONTS})
    return HTML(string=html).write_pdf()


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
