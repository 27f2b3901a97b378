"""Attachments are checked from their bytes; names are plain; images get thumbnails."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from esn.stream import attachments
from esn.stream.attachments import AttachmentRefused, prepare_attachment


def png_bytes(size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_an_image_is_accepted_with_a_small_thumbnail() -> None:
    prepared = prepare_attachment("holiday.png", png_bytes())

    assert prepared.is_image
    assert prepared.content_type == "image/png"
    assert prepared.thumbnail is not None
    with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
        assert max(thumb.size) <= attachments.THUMBNAIL_SIDE


def test_pdf_text_and_office_files_are_accepted() -> None:
    assert prepare_attachment("r.pdf", b"%PDF-1.7\n...").content_type == "application/pdf"
    assert prepare_attachment("notes.txt", "café\n".encode()).content_type.startswith("text/plain")
    assert prepare_attachment("plan.docx", docx_bytes()).extension == "docx"


def test_a_file_over_the_limit_is_refused() -> None:
    with pytest.raises(AttachmentRefused, match="too large"):
        prepare_attachment("big.pdf", b"%PDF-" + b"x" * 100, max_bytes=50)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cat.png", b"<html><body><script>alert(1)</script></body></html>"),
        ("cat.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("doc.pdf", b"<html>not a pdf</html>"),
        ("notes.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("notes.txt", b"<svg onload='alert(1)'></svg>"),
        ("notes.txt", b"binary\x00data"),
        ("notes.txt", b"\xff\xfe not utf-8"),
        ("plan.docx", b"PK\x03\x04 broken zip"),
    ],
)
def test_content_that_does_not_match_its_name_is_refused(name: str, data: bytes) -> None:
    with pytest.raises(AttachmentRefused, match="not what its name says"):
        prepare_attachment(name, data)


@pytest.mark.parametrize(
    "name", ["drawing.svg", "page.html", "page.htm", "run.exe", "script.js", "noextension"]
)
def test_unaccepted_types_are_refused(name: str) -> None:
    with pytest.raises(AttachmentRefused, match="not accepted"):
        prepare_attachment(name, b"<svg><script>alert(1)</script></svg>")


@pytest.mark.parametrize(
    "name", ["../../x", "../../x.png", "a/b.txt", "..\\..\\x.txt", "x\x00.png", "..", ".htaccess"]
)
def test_path_like_or_nul_filenames_are_refused(name: str) -> None:
    with pytest.raises(AttachmentRefused, match="not allowed"):
        prepare_attachment(name, png_bytes((10, 10)))


def test_invisible_characters_in_names_are_refused() -> None:
    with pytest.raises(AttachmentRefused, match="characters"):
        prepare_attachment("evil\u202egnp.exe.png", png_bytes((10, 10)))


def test_files_are_stored_under_generated_names(tmp_path: Path) -> None:
    prepared = prepare_attachment("My photo.png", png_bytes())
    names = attachments.new_names(prepared)

    attachments.write_files(tmp_path, prepared, names)

    stored = sorted(p.name for p in (tmp_path / "attachments").iterdir())
    assert stored == sorted([names.stored_name, str(names.thumbnail_name)])
    assert "My photo" not in names.stored_name
    assert attachments.stored_path(tmp_path, "../../etc/passwd") is None
    assert attachments.stored_path(tmp_path, names.stored_name) is not None
