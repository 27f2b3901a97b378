"""Which channels a page may listen to: what it asks for, as far as policy allows."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.accounts.models import Role, User
from esn.groups.models import Membership
from esn.people.service import NewPerson, create_person
from esn.realtime.channels import MAX_POSTS, MAX_SOURCES, LiveRequest, allowed_channels
from esn.stream import service as stream
from tests.conftest import MakeGroup


async def person(app: Starlette, name: str, **fields: object) -> User:
    async with app.state.session_factory() as db:
        user, _profile = await create_person(
            db,
            NewPerson(email=f"{name.split()[0].lower()}@example.com", name=name, **fields),  # type: ignore[arg-type]
        )
        return user


def test_request_ignores_what_is_not_a_source_or_an_id() -> None:
    asked = LiveRequest.parse(
        "company, group:3 user:9,group:x,evil,user:-1,group:3", "7,abc,-2,0,7"
    )
    assert asked.sources == ["company", "group:3", "user:9"]
    assert asked.posts == [7]


def test_request_is_bounded_keeping_the_latest_asks() -> None:
    asked = LiveRequest.parse(
        ",".join(f"group:{n}" for n in range(MAX_SOURCES + 50)),
        ",".join(str(n) for n in range(1, MAX_POSTS + 51)),
    )
    assert len(asked.sources) == MAX_SOURCES
    assert len(asked.posts) == MAX_POSTS
    asked.add(["company"], [999_999])
    assert asked.sources[-1] == "company" and len(asked.sources) == MAX_SOURCES
    assert asked.posts[-1] == 999_999 and len(asked.posts) == MAX_POSTS


async def test_channels_follow_group_visibility_and_membership(
    app: Starlette, db: AsyncSession, make_group: MakeGroup
) -> None:
    owner = await person(app, "Olga Owner")
    outsider = await person(app, "Oscar Outsider")
    admin = await person(app, "Ada Admin", role=Role.ADMIN.value)
    club = await make_group(owner, "Running club", "open")
    lab = await make_group(owner, "Robotics lab", "private")
    vault = await make_group(owner, "The vault", "secret")
    async with app.state.session_factory() as session:
        company_post = await stream.create_post(
            session,
            owner,
            "company",
            "Hello",
            media_dir=app.state.settings.media_dir,
        )
        lab_post = await stream.create_post(
            session,
            owner,
            f"group:{lab.id}",
            "Secret",
            media_dir=app.state.settings.media_dir,
        )
    asked = LiveRequest.parse(
        f"company,group:{club.id},group:{lab.id},group:{vault.id},user:{owner.id},group:999999",
        f"{company_post.id},{lab_post.id},999999",
    )

    for_owner = await allowed_channels(db, owner, asked)
    assert {
        "source:company",
        f"source:group:{club.id}",
        f"source:group:{lab.id}",
        f"source:group:{vault.id}",
        f"source:user:{owner.id}",
        f"post:{company_post.id}",
        f"post:{lab_post.id}",
        f"user:{owner.id}",
        f"membership:{owner.id}",
        f"session:{owner.id}",
    } == for_owner

    expected_outside = {
        "source:company",
        f"source:group:{club.id}",
        f"source:user:{owner.id}",
        f"post:{company_post.id}",
    }
    for reader in (outsider, admin):
        mine = {f"user:{reader.id}", f"membership:{reader.id}", f"session:{reader.id}"}
        # Administrators do not read private or secret groups they are not in either.
        assert await allowed_channels(db, reader, asked) == expected_outside | mine

    db.add(Membership(group_id=lab.id, user_id=outsider.id))
    await db.commit()
    now = await allowed_channels(db, outsider, asked)
    assert f"source:group:{lab.id}" in now and f"post:{lab_post.id}" in now
    assert f"source:group:{vault.id}" not in now


async def test_profile_streams_of_deactivated_people_are_for_administrators_only(
    app: Starlette, db: AsyncSession
) -> None:
    gone = await person(app, "Gina Gone")
    reader = await person(app, "Rita Reader")
    admin = await person(app, "Ada Admin", role=Role.ADMIN.value)
    stored = await db.get(User, gone.id)
    assert stored is not None
    stored.is_active = False
    await db.commit()
    asked = LiveRequest.parse(f"user:{gone.id}")
    assert f"source:user:{gone.id}" not in await allowed_channels(db, reader, asked)
    assert f"source:user:{gone.id}" in await allowed_channels(db, admin, asked)
    assert await allowed_channels(db, stored, asked) == set()
