"""Profile photos: checked from their bytes, re-encoded, stored under a random name.

Nothing a person uploads is ever served as it came: the image is decoded by
Pillow (so a script or an SVG renamed ``.png`` is refused), shrunk, and written
again as a fresh JPEG or PNG, which also drops EXIF data such as GPS positions.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from esn.core.i18n import gettext as _
from esn.images import NotAnImage, TooManyPixels, decode, metadata_free_copy

ACCEPTED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
MAX_SIDE = 512
# A 1 KB PNG can declare 100 000 x 100 000 pixels; decoding it would take
# gigabytes. No camera photo comes near this many pixels.
MAX_PIXELS = 40_000_000
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
# Only names this module generates are ever turned into paths.
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


class PhotoRefused(ValueError):
    """The upload is not a photo esn accepts; the message says why."""


@dataclass(frozen=True)
class PreparedPhoto:
    """A re-encoded photo ready to be written: its bytes and file extension."""

    data: bytes
    extension: str


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def prepare_photo(data: bytes, max_bytes: int) -> PreparedPhoto:
    """Check ``data`` is a JPEG, PNG, GIF or WEBP image and re-encode it small.

    Raises PhotoRefused with a translated message otherwise.
    """
    if len(data) > max_bytes:
        raise PhotoRefused(
            _("The photo is too large: send one under %(size)s MB.")
            % {"size": _megabytes(max_bytes)}
        )
    try:
        image, _format = decode(data, ACCEPTED_FORMATS, MAX_PIXELS)
    except TooManyPixels as exc:
        raise PhotoRefused(
            _("This image is too large in pixels. Send a photo under %(count)d megapixels.")
            % {"count": MAX_PIXELS // 1_000_000}
        ) from exc
    except NotAnImage as exc:
        raise PhotoRefused(
            _("This file is not a photo. Send a JPEG, PNG, GIF or WEBP image.")
        ) from exc
    return PreparedPhoto(*metadata_free_copy(image, MAX_SIDE, jpeg_quality=85))


def photo_dir(media_dir: Path) -> Path:
    """Where profile photos are kept."""
    return media_dir / "photos"


def store_photo(media_dir: Path, photo: PreparedPhoto) -> str:
    """Write the photo under a new random name and return that name."""
    folder = photo_dir(media_dir)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    (folder / name).write_bytes(photo.data)
    return name


def stored_path(media_dir: Path, name: str | None) -> Path | None:
    """The file of a stored photo name, or None if the name is not one of ours."""
    if not name or not _STORED_NAME.match(name):
        return None
    return photo_dir(media_dir) / name


def content_type(name: str) -> str:
    """The MIME type of a stored photo, from the extension this module chose."""
    return CONTENT_TYPES[name.rsplit(".", 1)[-1]]


def delete_photo(media_dir: Path, name: str | None) -> None:
    """Remove a stored photo; a file already gone is not an error."""
    path = stored_path(media_dir, name)
    if path is not None:
        path.unlink(missing_ok=True)
