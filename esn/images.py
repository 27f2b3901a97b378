"""Decoding uploaded images safely and writing metadata-free copies of them.

Profile photos and post attachments both trust an image only once Pillow has
decoded it from its bytes, within a pixel budget (a 1 KB PNG can declare
100 000 x 100 000 pixels), and both serve a fresh copy that carries no EXIF,
ICC or text chunks.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable

from PIL import Image, ImageOps, UnidentifiedImageError


class NotAnImage(Exception):
    """The bytes are not a readable image in one of the accepted formats."""


class TooManyPixels(Exception):
    """The image declares more pixels than the budget allows."""


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise TooManyPixels


def decode(data: bytes, formats: Iterable[str], max_pixels: int) -> tuple[Image.Image, str]:
    """The upright first frame of the image in ``data`` and its format name.

    Raises NotAnImage for anything Pillow cannot read as one of ``formats``
    (a script named .png, an SVG, a truncated file) and TooManyPixels beyond
    ``max_pixels``.
    """
    accepted = list(formats)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=accepted) as probe:
                _check_pixels(probe, max_pixels)
                image_format = probe.format or ""
                probe.verify()
            with Image.open(io.BytesIO(data), formats=accepted) as image:
                image.seek(0)  # the first frame of an animation
                image.load()
                return ImageOps.exif_transpose(image), image_format
    except TooManyPixels:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooManyPixels from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated or malformed files with any of these.
        raise NotAnImage from exc


def metadata_free_copy(image: Image.Image, max_side: int, jpeg_quality: int) -> tuple[bytes, str]:
    """A copy at most ``max_side`` wide and high, rebuilt from raw pixels.

    PNG when the image has transparency, else JPEG; returns the bytes and the
    file extension ("png" or "jpg").
    """
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    converted = image.convert("RGBA" if has_alpha else "RGB")
    converted.thumbnail((max_side, max_side))
    # A new image from raw pixels carries no EXIF, ICC or text chunks.
    clean = Image.frombytes(converted.mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        return out.getvalue(), "png"
    clean.save(out, format="JPEG", quality=jpeg_quality)
    return out.getvalue(), "jpg"
