"""Profile photos: checked from their bytes, re-encoded, stored under a random name.

Nothing a person uploads is ever served as it came: the image is decoded by
Pillow (so a script or an SVG renamed ``.png`` is refused), shrunk, and written
again as a fresh JPEG or PNG, which also drops EXIF data such as GPS positions.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from esn.web.i18n import gettext as _

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
    not_an_image = _("This file is not a photo. Send a JPEG, PNG, GIF or WEBP image.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                _check_pixels(probe)
                probe.verify()
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                _check_pixels(image)
                image.seek(0)  # the first frame of an animation
                image.load()
                return _reencode(image)
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRefused(_too_many_pixels()) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated or malformed files with any of these.
        raise PhotoRefused(not_an_image) from exc


def _too_many_pixels() -> str:
    return _("This image is too large in pixels. Send a photo under %(count)d megapixels.") % {
        "count": MAX_PIXELS // 1_000_000
    }


def _check_pixels(image: Image.Image) -> None:
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise PhotoRefused(_too_many_pixels())


def _reencode(image: Image.Image) -> PreparedPhoto:
    """A bounded copy with no metadata: PNG if it has transparency, else JPEG."""
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    converted = upright.convert("RGBA" if has_alpha else "RGB")
    converted.thumbnail((MAX_SIDE, MAX_SIDE))
    # A new image from raw pixels carries no EXIF, ICC or text chunks.
    clean = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        return PreparedPhoto(out.getvalue(), "png")
    clean.save(out, format="JPEG", quality=85)
    return PreparedPhoto(out.getvalue(), "jpg")


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
