"""The shared upload checker: limits, the type read from the content, short names and photos re-encoded."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from PIL import Image

from jiedu.core import uploads
from jiedu.core.uploads import Kind, Photos, UploadRefused

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EVERYTHING = frozenset(Kind)
#: EXIF tags: Make, Orientation (6: turn 90° clockwise to display).
MAKE, ORIENTATION = 0x010F, 0x0112


def receive(content: bytes, name: str = "x.bin", **options: Any) -> uploads.Received:
    given = {"accepted": EVERYTHING, "max_bytes": 1000, "default_name": "file", **options}
    size = given.pop("size", len(content))
    return uploads.receive(io.BytesIO(content), size=size, name=name, **given)


def refusal(content: bytes, name: str = "x.bin", **options: Any) -> tuple[str, str, int, int]:
    with pytest.raises(UploadRefused) as exc:
        receive(content, name, **options)
    return (exc.value.reason, exc.value.name, exc.value.size, exc.value.limit)


def sideways_photo(image_format: str, *, size: tuple[int, int] = (40, 20)) -> bytes:
    """A photo taken sideways: red on its left half, blue on its right, EXIF saying "turn it clockwise" and
    naming the phone."""
    width, height = size
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = 6
    out = io.BytesIO()
    image.save(out, format=image_format, exif=exif.tobytes())
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


# --- refusals ------------------------------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    file = io.BytesIO(PDF)
    with pytest.raises(UploadRefused) as exc:
        uploads.receive(
            file, size=1001, name="big.pdf", accepted=EVERYTHING, max_bytes=1000, default_name="file"
        )
    assert (exc.value.reason, exc.value.name, exc.value.size, exc.value.limit) == (
        "oversize",
        "big.pdf",
        1001,
        1000,
    )
    assert file.tell() == 0


def test_content_longer_than_the_limit_is_refused_whatever_size_was_given() -> None:
    assert refusal(b"%PDF-" + b"0" * 996, "big.pdf", size=10) == ("overflow", "big.pdf", 10, 1000)
    assert receive(b"%PDF-" + b"0" * 995, size=10).content == b"%PDF-" + b"0" * 995


def test_an_empty_file_is_refused() -> None:
    assert refusal(b"", "C:\\scans\\empty.pdf") == ("empty", "empty.pdf", 0, 1000)


def test_a_text_file_renamed_as_a_pdf_or_a_photo_is_refused() -> None:
    assert refusal(b"<html>rules</html>", "rules.pdf") == ("not_accepted", "rules.pdf", 18, 1000)
    assert refusal(b"plain text", "photo.jpg") == ("not_accepted", "photo.jpg", 10, 1000)


def test_a_kind_the_caller_does_not_accept_is_refused() -> None:
    webp = sideways_photo("WEBP")
    assert refusal(webp, "scan.webp", accepted={Kind.PDF, Kind.PNG, Kind.JPEG}, max_bytes=100_000) == (
        "not_accepted",
        "scan.webp",
        len(webp),
        100_000,
    )
    assert receive(webp, "scan.webp", max_bytes=100_000).content_type == "image/webp"


# --- documents -----------------------------------------------------------------------------------------------------


def test_a_pdf_is_kept_as_sent() -> None:
    received = receive(PDF, "C:\\path\\x.pdf")
    assert received == uploads.Received(
        kind=Kind.PDF, content=PDF, extension=".pdf", content_type="application/pdf", name="x.pdf"
    )
    assert received.is_photo is False


def test_word_documents_are_recognised_by_their_content() -> None:
    content = docx()
    received = receive(content, "rules.zip", max_bytes=100_000)
    assert (received.kind, received.extension, received.content_type, received.content) == (
        "docx",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        content,
    )
    old_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24
    assert (receive(old_word, "r.doc").kind, receive(old_word, "r.doc").content_type) == (
        "doc",
        "application/msword",
    )


def test_sniffing_reads_the_first_bytes_only() -> None:
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert [
        uploads.sniff(content)
        for content in (
            PDF,
            b"\x89PNG\r\n\x1a\n....",
            b"\xff\xd8\xff\xe0",
            b"RIFF\x00\x00\x00\x00WEBPVP8 ",
            b"RIFF\x00\x00\x00\x00WAVEfmt ",
            other_zip.getvalue(),
            b"GIF89a",
            b"",
        )
    ] == ["pdf", "png", "jpeg", "webp", None, None, None, None]


def test_without_photo_rules_an_image_is_kept_as_sent_even_if_it_does_not_decode() -> None:
    scan = b"\x89PNG\r\n\x1a\n...."
    assert receive(scan, "C:\\scans\\rule.png") == uploads.Received(
        kind=Kind.PNG, content=scan, extension=".png", content_type="image/png", name="rule.png"
    )


# --- photos --------------------------------------------------------------------------------------------------------


def test_a_png_becomes_an_upright_jpeg_without_its_exif() -> None:
    content = sideways_photo("PNG")
    assert Image.open(io.BytesIO(content)).getexif()[MAKE] == "PhoneMaker"
    received = receive(content, "现场.png", max_bytes=100_000, photos=Photos(edge=2048))
    assert (received.kind, received.extension, received.content_type, received.name, received.is_photo) == (
        "png",
        ".jpg",
        "image/jpeg",
        "现场.png",
        True,
    )
    stored = Image.open(io.BytesIO(received.content))
    assert (stored.format, stored.size, dict(stored.getexif())) == ("JPEG", (20, 40), {})
    # Turned clockwise: the left (red) half is now on top.
    top, bottom = stored.getpixel((10, 5)), stored.getpixel((10, 35))
    assert top[0] > 240 and top[2] < 15, top
    assert bottom[2] > 240 and bottom[0] < 15, bottom


def test_a_large_photo_is_bounded_on_its_longer_edge() -> None:
    content = sideways_photo("JPEG", size=(3000, 1500))
    received = receive(content, max_bytes=10_000_000, photos=Photos(edge=2048))
    assert Image.open(io.BytesIO(received.content)).size == (1024, 2048)


def test_a_webp_photo_becomes_a_jpeg() -> None:
    received = receive(sideways_photo("WEBP"), "p.webp", max_bytes=100_000, photos=Photos(edge=2048))
    stored = Image.open(io.BytesIO(received.content))
    assert (received.kind, received.extension, received.content_type) == ("webp", ".jpg", "image/jpeg")
    assert (stored.format, stored.size, dict(stored.getexif())) == ("JPEG", (20, 40), {})


def test_a_png_may_stay_a_png_still_without_its_exif() -> None:
    received = receive(sideways_photo("PNG"), max_bytes=100_000, photos=Photos(edge=2048, keep_png=True))
    stored = Image.open(io.BytesIO(received.content))
    assert (received.extension, received.content_type) == (".png", "image/png")
    assert (stored.format, stored.size, dict(stored.getexif())) == ("PNG", (20, 40), {})
    assert stored.getpixel((10, 5)) == (255, 0, 0)


def test_a_phone_cameras_jpeg_with_a_second_picture_is_taken_as_its_first() -> None:
    # Many phone cameras write a multi-picture JPEG (MPO): it starts like any JPEG and Pillow names it MPO.
    first, second = Image.new("RGB", (64, 48), (255, 0, 0)), Image.new("RGB", (64, 48), (0, 0, 255))
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(out.getvalue())).format == "MPO"
    received = receive(out.getvalue(), "IMG_0001.jpg", max_bytes=100_000, photos=Photos(edge=2048))
    stored = Image.open(io.BytesIO(received.content))
    assert (received.kind, received.extension, stored.format, stored.size) == (
        "jpeg",
        ".jpg",
        "JPEG",
        (64, 48),
    )
    assert stored.getpixel((32, 24))[0] > 240  # the first picture, red


def test_a_photo_that_does_not_decode_is_refused() -> None:
    broken = b"\xff\xd8\xff\xe0" + b"\x00" * 40
    assert refusal(broken, "a.jpg", photos=Photos(edge=2048)) == ("not_accepted", "a.jpg", 44, 1000)


# --- names ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "extension", "shown"),
    [
        ("C:\\path\\x.pdf", None, "x.pdf"),
        ("/home/me/scans/rule.png", None, "rule.png"),
        (" 签到表.pdf ", None, "签到表.pdf"),
        ("", None, "file"),
        (None, None, "file"),
        ("C:\\path\\", None, "file"),
        ("a" * 300 + ".pdf", None, "a" * 200),
        ("C:\\photos\\讲座.JPG", ".jpg", "讲座.jpg"),
        ("scan.png", ".jpg", "scan.jpg"),
        ("a" * 300 + ".png", ".jpg", "a" * 196 + ".jpg"),
        ("", ".pdf", "file.pdf"),
    ],
)
def test_the_name_shown_is_the_base_name_shortened(
    raw: str | None, extension: str | None, shown: str
) -> None:
    assert uploads.short_name(raw, default="file", extension=extension) == shown
