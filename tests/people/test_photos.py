"""Profile photos: what is accepted, how it is stored and who may fetch it."""

from __future__ import annotations

import dataclasses
import io
import os
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import User
from esn.people.models import Profile
from esn.settings import Settings
from tests.conftest import csrf_token
from tests.people.conftest import edit_data, error_for, reload

SignedIn = tuple[httpx.AsyncClient, User, Profile]
MAX_PHOTO_BYTES = 300_000


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with a small photo limit, so "too large" is cheap to test."""
    return dataclasses.replace(settings, max_photo_bytes=MAX_PHOTO_BYTES)


def image_bytes(
    fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **save: object
) -> bytes:
    """A real image made with Pillow."""
    out = io.BytesIO()
    Image.new(mode, size, color="teal" if mode != "1" else 0).save(out, format=fmt, **save)
    return out.getvalue()


def stored_photos(settings: Settings) -> list[Path]:
    """The photo files on disk."""
    folder = settings.media_dir / "photos"
    return sorted(folder.iterdir()) if folder.exists() else []


async def upload(
    client: httpx.AsyncClient, profile: Profile, name: str, data: bytes, mime: str, **fields: str
) -> httpx.Response:
    """Send the edit form with a photo attached."""
    token = await csrf_token(client, "/")
    return await client.post(
        f"/people/{profile.handle}/edit",
        data=edit_data(token, **fields),
        files={"photo": (name, data, mime)},
    )


async def test_a_png_is_accepted_stored_under_a_random_name_and_served(
    signed_in: SignedIn, settings: Settings, db: AsyncSession
) -> None:
    client, _alice, profile = signed_in
    response = await upload(client, profile, "me.png", image_bytes("PNG"), "image/png")
    assert response.status_code == 303

    files = stored_photos(settings)
    assert len(files) == 1
    assert "me" not in files[0].name
    assert re.fullmatch(r"[0-9a-f]{32}\.(jpg|png)", files[0].name)
    page = await client.get(f"/people/{profile.handle}")
    assert f'src="/people/{profile.handle}/photo?v=' in page.text
    assert "avatar-initials" not in page.text

    photo = await client.get(f"/people/{profile.handle}/photo")
    assert photo.status_code == 200
    assert photo.headers["content-type"] in {"image/jpeg", "image/png"}
    assert photo.headers["x-content-type-options"] == "nosniff"
    assert photo.headers["cache-control"].startswith("private")
    with Image.open(io.BytesIO(photo.content)) as served:
        assert served.size == (64, 48)


async def test_big_photos_are_shrunk_and_lose_their_metadata(
    signed_in: SignedIn, settings: Settings
) -> None:
    client, _alice, profile = signed_in
    exif = Image.Exif()
    exif[0x013B] = "Alice's camera owner tag"  # Artist
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS position
    original = image_bytes("JPEG", size=(1600, 1200), exif=exif.tobytes())
    assert len(original) < MAX_PHOTO_BYTES

    response = await upload(client, profile, "holiday.jpg", original, "image/jpeg")
    assert response.status_code == 303

    photo = await client.get(f"/people/{profile.handle}/photo")
    assert photo.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(photo.content)) as served:
        assert served.size == (512, 384)
        assert not served.getexif()
    assert b"camera owner" not in photo.content


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
async def test_gif_and_webp_are_accepted(signed_in: SignedIn, fmt: str) -> None:
    client, _alice, profile = signed_in
    response = await upload(client, profile, f"me.{fmt.lower()}", image_bytes(fmt), "image/x")
    assert response.status_code == 303
    photo = await client.get(f"/people/{profile.handle}/photo")
    assert photo.headers["content-type"] in {"image/jpeg", "image/png"}


async def test_a_transparent_png_stays_a_png(signed_in: SignedIn) -> None:
    client, _alice, profile = signed_in
    logo = image_bytes("PNG", mode="RGBA")
    await upload(client, profile, "logo.png", logo, "image/png")
    photo = await client.get(f"/people/{profile.handle}/photo")
    assert photo.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("notes.png", b"just some text, not an image\n" * 20, "image/png"),
        (
            "logo.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        ("cut.png", image_bytes("PNG", size=(200, 200))[:60], "image/png"),
    ],
    ids=["text-named-png", "svg", "truncated-png"],
)
async def test_files_that_are_not_photos_are_refused(
    signed_in: SignedIn, settings: Settings, db: AsyncSession, name: str, data: bytes, mime: str
) -> None:
    client, _alice, profile = signed_in
    response = await upload(client, profile, name, data, mime, title="Not saved either")
    assert response.status_code == 422
    assert "not a photo" in error_for(response.text, "photo")
    assert 'value="Not saved either"' in response.text
    stored = await reload(db, profile.user_id)
    assert stored.photo_name is None
    assert stored.title == ""
    assert stored_photos(settings) == []


async def test_a_photo_over_the_size_limit_is_refused(
    signed_in: SignedIn, settings: Settings, db: AsyncSession
) -> None:
    client, _alice, profile = signed_in
    noise = Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    assert len(out.getvalue()) > MAX_PHOTO_BYTES

    response = await upload(client, profile, "noise.png", out.getvalue(), "image/png")

    assert response.status_code == 422
    assert "too large" in error_for(response.text, "photo")
    assert (await reload(db, profile.user_id)).photo_name is None


async def test_a_decompression_bomb_is_refused(signed_in: SignedIn, settings: Settings) -> None:
    client, _alice, profile = signed_in
    bomb = image_bytes("PNG", size=(9000, 9000), mode="1")
    assert len(bomb) < MAX_PHOTO_BYTES  # small on disk, 81 megapixels once decoded

    response = await upload(client, profile, "bomb.png", bomb, "image/png")

    assert response.status_code == 422
    assert "megapixels" in error_for(response.text, "photo")
    assert stored_photos(settings) == []


async def test_replacing_and_removing_delete_the_old_file(
    signed_in: SignedIn, settings: Settings, db: AsyncSession
) -> None:
    client, _alice, profile = signed_in
    await upload(client, profile, "one.png", image_bytes("PNG"), "image/png")
    [first] = stored_photos(settings)
    await upload(client, profile, "two.png", image_bytes("PNG", size=(30, 30)), "image/png")
    [second] = stored_photos(settings)
    assert second != first

    token = await csrf_token(client, "/")
    response = await client.post(
        f"/people/{profile.handle}/edit", data=edit_data(token, remove_photo="1")
    )

    assert response.status_code == 303
    assert stored_photos(settings) == []
    assert (await reload(db, profile.user_id)).photo_name is None
    assert (await client.get(f"/people/{profile.handle}/photo")).status_code == 404
    page = await client.get(f"/people/{profile.handle}")
    assert '<span class="avatar avatar-initials large" aria-hidden="true">AM</span>' in page.text


async def test_a_bad_field_keeps_the_new_photo_off_the_disk(
    signed_in: SignedIn, settings: Settings, db: AsyncSession
) -> None:
    client, _alice, profile = signed_in
    response = await upload(
        client, profile, "me.png", image_bytes("PNG"), "image/png", manager="nobody@example.com"
    )
    assert response.status_code == 422
    assert stored_photos(settings) == []
    assert (await reload(db, profile.user_id)).photo_name is None


async def test_without_a_photo_there_is_nothing_to_fetch(signed_in: SignedIn) -> None:
    client, _alice, profile = signed_in
    assert (await client.get(f"/people/{profile.handle}/photo")).status_code == 404


async def test_anonymous_visitors_cannot_fetch_photos(signed_in: SignedIn, app: object) -> None:
    client, _alice, profile = signed_in
    await upload(client, profile, "me.png", image_bytes("PNG"), "image/png")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as stranger:
        response = await stranger.get(f"/people/{profile.handle}/photo")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
