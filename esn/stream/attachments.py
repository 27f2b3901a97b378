"""Files attached to posts: checked from their bytes, stored under generated names.

What a file claims to be (its name) must agree with what its bytes are:
images are decoded by Pillow (an HTML page named ``.png`` is refused), PDFs
start with ``%PDF-``, text is valid UTF-8 without NUL and does not look like
markup, office documents are ZIP archives with the right inner layout.
Anything else (HTML, SVG, executables…) is refused. Files are written under
``media_dir/attachments`` with random names; images also get a re-encoded
thumbnail, the only thing ever served inline.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from esn.core.i18n import gettext as _
from esn.core.text import text_problem
from esn.images import NotAnImage, TooManyPixels, decode, metadata_free_copy

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
MAX_FILENAME_LENGTH = 200
MAX_PIXELS = 40_000_000
THUMBNAIL_SIDE = 480

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp"}
TEXT_TYPES = {"txt": "text/plain", "md": "text/markdown", "csv": "text/csv"}
OFFICE_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
}
# Text that starts like markup is refused: a browser ignoring nosniff could
# still render it, and nobody needs to share a web page as a "text file".
_MARKUP_START = re.compile(rb"^\s*<(?:!doctype|html|svg|\?xml|script|body|head|iframe)", re.I)
# Only names this module generates are ever turned into paths.
_STORED_NAME = re.compile(r"^[0-9a-f]{32}(?:\.thumb)?\.[a-z0-9]{1,5}$")


class AttachmentRefused(ValueError):
    """The file cannot be attached; the message says why."""


@dataclass(frozen=True)
class PreparedAttachment:
    """A checked file ready to be written: bytes, type, and thumbnail for images."""

    filename: str
    data: bytes
    content_type: str
    extension: str
    is_image: bool
    thumbnail: bytes | None = None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def clean_filename(name: str) -> str:
    """The name as shown and offered for download; refuses anything path-like.

    Browsers send a bare name; a name with directories, NUL, control or
    direction-changing characters is refused rather than silently repaired.
    """
    if "\x00" in name or "/" in name or "\\" in name:
        raise AttachmentRefused(
            _("This file name is not allowed: use a plain name without folders.")
        )
    name = unicodedata.normalize("NFC", name).strip()
    if not name or name in {".", ".."} or name.startswith("."):
        raise AttachmentRefused(
            _("This file name is not allowed: use a plain name without folders.")
        )
    if text_problem(name, single_line=True):
        raise AttachmentRefused(_("This file name contains characters that are not allowed."))
    if len(name) > MAX_FILENAME_LENGTH:
        raise AttachmentRefused(
            _("This file name is too long: keep it under %(count)d characters.")
            % {"count": MAX_FILENAME_LENGTH}
        )
    return name


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def prepare_attachment(
    name: str, data: bytes, max_bytes: int = MAX_ATTACHMENT_BYTES
) -> PreparedAttachment:
    """Check one uploaded file; raises AttachmentRefused with a translated message."""
    filename = clean_filename(name)
    if len(data) > max_bytes:
        raise AttachmentRefused(
            _("%(name)s is too large: send files under %(size)s MB.")
            % {"name": filename, "size": _megabytes(max_bytes)}
        )
    if not data:
        raise AttachmentRefused(_("%(name)s is empty.") % {"name": filename})
    extension = _extension(filename)
    if extension in IMAGE_EXTENSIONS:
        return _prepare_image(filename, data)
    if extension == "pdf":
        if not data.startswith(b"%PDF-"):
            raise _mismatch(filename)
        return PreparedAttachment(filename, data, "application/pdf", "pdf", False)
    if extension in TEXT_TYPES:
        _check_text(filename, data)
        content_type = TEXT_TYPES[extension] + "; charset=utf-8"
        return PreparedAttachment(filename, data, content_type, extension, False)
    if extension in OFFICE_TYPES:
        _check_office(filename, data, extension)
        return PreparedAttachment(filename, data, OFFICE_TYPES[extension], extension, False)
    raise AttachmentRefused(
        _(
            "%(name)s: this type of file is not accepted. Send images (JPEG, PNG, GIF, WEBP), "
            "PDF, text or office documents."
        )
        % {"name": filename}
    )


def _mismatch(filename: str) -> AttachmentRefused:
    return AttachmentRefused(
        _("%(name)s is not what its name says: its content is of another type.")
        % {"name": filename}
    )


def _prepare_image(filename: str, data: bytes) -> PreparedAttachment:
    try:
        image, image_format = decode(data, IMAGE_FORMATS, MAX_PIXELS)
    except TooManyPixels as exc:
        raise AttachmentRefused(_("%(name)s is too large in pixels.") % {"name": filename}) from exc
    except NotAnImage as exc:
        raise _mismatch(filename) from exc
    content_type = IMAGE_FORMATS.get(image_format)
    if content_type is None:
        raise _mismatch(filename)
    extension = {"JPEG": "jpg"}.get(image_format, image_format.lower())
    thumbnail, _extension = metadata_free_copy(image, THUMBNAIL_SIDE, jpeg_quality=80)
    return PreparedAttachment(filename, data, content_type, extension, True, thumbnail)


def _check_text(filename: str, data: bytes) -> None:
    if b"\x00" in data or _MARKUP_START.match(data[:1024].lstrip(b"\xef\xbb\xbf")):
        raise _mismatch(filename)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _mismatch(filename) from exc


def _check_office(filename: str, data: bytes, extension: str) -> None:
    """A ZIP whose directory says it is an OOXML or OpenDocument file.

    Only the central directory and the tiny ``mimetype`` entry are read:
    nothing is decompressed in bulk, so a ZIP bomb costs nothing.
    """
    if not data.startswith(b"PK\x03\x04"):
        raise _mismatch(filename)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if extension in {"docx", "xlsx", "pptx"}:
                if "[Content_Types].xml" not in names:
                    raise _mismatch(filename)
                return
            info = archive.getinfo("mimetype")
            if info.file_size > 100:
                raise _mismatch(filename)
            if archive.read(info).decode("ascii", "replace") != OFFICE_TYPES[extension]:
                raise _mismatch(filename)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _mismatch(filename) from exc


# --- storage --------------------------------------------------------------------


@dataclass(frozen=True)
class StoredNames:
    """The generated names one attachment was written under."""

    stored_name: str
    thumbnail_name: str | None


def attachment_dir(media_dir: Path) -> Path:
    """Where attachments are kept (outside static/, never served as they are)."""
    return media_dir / "attachments"


def new_names(prepared: PreparedAttachment) -> StoredNames:
    """Fresh random names for a file and its thumbnail."""
    token = secrets.token_hex(16)
    thumbnail = None
    if prepared.thumbnail is not None:
        thumb_ext = "png" if prepared.thumbnail.startswith(b"\x89PNG") else "jpg"
        thumbnail = f"{token}.thumb.{thumb_ext}"
    return StoredNames(f"{token}.{prepared.extension}", thumbnail)


def write_files(media_dir: Path, prepared: PreparedAttachment, names: StoredNames) -> None:
    """Write the file (and its thumbnail) under the names chosen for it."""
    folder = attachment_dir(media_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / names.stored_name).write_bytes(prepared.data)
    if names.thumbnail_name and prepared.thumbnail is not None:
        (folder / names.thumbnail_name).write_bytes(prepared.thumbnail)


def stored_path(media_dir: Path, name: str | None) -> Path | None:
    """The file behind a stored name, or None if the name is not one of ours."""
    if not name or not _STORED_NAME.match(name):
        return None
    return attachment_dir(media_dir) / name


def delete_files(media_dir: Path, names: list[str | None]) -> None:
    """Remove stored files; a file already gone is not an error."""
    for name in names:
        path = stored_path(media_dir, name)
        if path is not None:
            path.unlink(missing_ok=True)


def thumbnail_type(name: str) -> str:
    """The MIME type of a thumbnail, from the extension this module chose."""
    return "image/png" if name.endswith(".png") else "image/jpeg"
