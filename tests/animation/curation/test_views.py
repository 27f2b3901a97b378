"""Curation pages over HTTP: who gets which answer, messages next to fields, redirects."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.animation.models import FeaturedPost, FeaturedPostSeen
from esn.core.clock import utcnow
from esn.groups.models import Group, Membership
from esn.stream.models import Post
from tests.animation.curation.conftest import MakeGroup, MakePost
from tests.conftest import MakePerson, csrf_token, log_in


@asynccontextmanager
async def signed_in_as(app: Starlette, user: User) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client logged in as ``user`` (made with the test password), and its CSRF token."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await log_in(client, user.email)
        assert response.status_code == 303
        yield client, await csrf_token(client, "/groups")


def error_for(page: str, field: str) -> str:
    match = re.search(rf'<small id="error-{field}" class="field-error">([^<]*)</small>', page)
    assert match, f"no error shown next to {field}"
    return html.unescape(match.group(1))


def day(days: int) -> str:
    return (utcnow().date() + timedelta(days=days)).isoformat()


async def test_non_animators_get_403_or_404(
    app: Starlette,
    make_person: MakePerson,
    colleague: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
) -> None:
    employee, _ = await make_person("Eve Employee")
    owner, _ = await colleague("Owen Owner")
    group = await make_group(members=[(owner, "owner"), (employee, "member")])
    secret = await make_group("secret", members=[(owner, "owner")])
    post = await make_post(owner, "a post", group)
    async with signed_in_as(app, employee) as (client, token):
        assert (await client.get(f"/groups/{group.slug}/curate")).status_code == 403
        assert (await client.get(f"/groups/{secret.slug}/curate")).status_code == 404
        page = await client.get(f"/groups/{group.slug}")
        assert "group-curate-link" not in page.text
        for path in ("feature", "pin"):
            answer = await client.post(
                f"/posts/{post.id}/{path}", data={"csrf_token": token, "until": day(7)}
            )
            assert answer.status_code == 403
        merge = await client.post(
            f"/groups/{group.slug}/curate/merge",
            data={"csrf_token": token, "target": secret.slug},
        )
        assert merge.status_code == 403
        archive = await client.post(
            f"/groups/{group.slug}/curate/archive", data={"csrf_token": token, "confirm": "yes"}
        )
        assert archive.status_code == 403
        post_page = await client.get(f"/posts/{post.id}")
        assert "post-featuring" not in post_page.text


async def test_featured_post_on_home_dismissed_and_opened(
    app: Starlette,
    db: AsyncSession,
    make_person: MakePerson,
    colleague: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
) -> None:
    animator, _ = await make_person("Anna Animator", role="animator")
    reader, _ = await make_person("Rita Reader")
    author, _ = await colleague("Paul Author")
    member, _ = await colleague("Mia Member")
    private = await make_group("private", members=[(member, "owner")])
    hidden_post = await make_post(member, "members only", private)
    first = await make_post(author, "First news")
    second = await make_post(author, "Second news")
    async with signed_in_as(app, animator) as (client, token):
        refused = await client.post(
            f"/posts/{hidden_post.id}/feature", data={"csrf_token": token, "until": day(7)}
        )
        assert refused.status_code == 404
        past = await client.post(
            f"/posts/{first.id}/feature", data={"csrf_token": token, "until": day(-2)}
        )
        assert past.status_code == 422
        assert "passed" in error_for(past.text, "until")
        assert f'value="{day(-2)}"' in past.text
        pin = await client.post(
            f"/posts/{first.id}/pin", data={"csrf_token": token, "until": day(7)}
        )
        assert pin.status_code == 422 and "not in a group" in html.unescape(pin.text)
        for post in (first, second):
            done = await client.post(
                f"/posts/{post.id}/feature", data={"csrf_token": token, "until": day(7)}
            )
            assert done.status_code == 303
            assert done.headers["location"] == f"/posts/{post.id}?curation=featured"
        page = await client.get(f"/posts/{first.id}")
        assert 'id="featured-state"' in page.text and "Stop featuring" in page.text
    features = dict(
        (await db.execute(select(col(FeaturedPost.post_id), col(FeaturedPost.id)))).all()
    )
    async with signed_in_as(app, reader) as (client, token):
        home = await client.get("/")
        assert f'id="featured-{features[first.id]}"' in home.text
        assert f'id="featured-{features[second.id]}"' in home.text
        assert 'class="featured-post-excerpt">First news</p>' in home.text  # a text excerpt
        dismissed = await client.post(
            f"/animation/featured/{features[first.id]}/seen", data={"csrf_token": token}
        )
        assert dismissed.status_code == 303 and dismissed.headers["location"] == "/"
        opened = await client.get(f"/animation/featured/{features[second.id]}/open")
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/posts/{second.id}"
        home = await client.get("/")
        assert "featured-posts" not in home.text
        # htmx: an empty answer, the card is removed in place.
        again = await client.post(
            f"/animation/featured/{features[first.id]}/seen",
            data={"csrf_token": token},
            headers={"HX-Request": "true"},
        )
        assert again.status_code == 200 and again.text == ""
        assert (await client.get("/animation/featured/999999/open")).status_code == 404
    seen = await db.execute(select(func.count()).select_from(FeaturedPostSeen))
    assert seen.scalar_one() == 2


async def test_pins_show_on_the_group_page_with_unpin_for_its_animators(
    app: Starlette,
    db: AsyncSession,
    make_person: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
) -> None:
    owner, _ = await make_person("Owen Owner")
    group = await make_group(members=[(owner, "owner")])
    post = await make_post(owner, "Read this first", group)
    async with signed_in_as(app, owner) as (client, token):
        done = await client.post(
            f"/posts/{post.id}/pin", data={"csrf_token": token, "until": day(5)}
        )
        assert done.status_code == 303
        page = await client.get(f"/groups/{group.slug}")
        assert 'id="group-pins"' in page.text and "Read this first" in page.text
        assert "Unpin" in page.text
        pin_id = (await db.execute(select(col(FeaturedPost.id)))).scalar_one()
        unpinned = await client.post(
            f"/animation/featured/{pin_id}/end",
            data={"csrf_token": token, "next": f"/groups/{group.slug}"},
        )
        assert unpinned.status_code == 303
        assert unpinned.headers["location"] == f"/groups/{group.slug}"
        page = await client.get(f"/groups/{group.slug}")
        assert 'id="group-pins"' not in page.text


async def test_archiving_over_http(
    app: Starlette,
    make_person: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
) -> None:
    owner, _ = await make_person("Owen Owner")
    group = await make_group(members=[(owner, "owner")])
    await make_post(owner, "Kept for the record", group)
    async with signed_in_as(app, owner) as (client, token):
        page = await client.get(f"/groups/{group.slug}")
        assert "group-curate-link" in page.text
        unconfirmed = await client.post(
            f"/groups/{group.slug}/curate/archive", data={"csrf_token": token}
        )
        assert unconfirmed.status_code == 422
        assert "Tick the box" in error_for(unconfirmed.text, "confirm")
        done = await client.post(
            f"/groups/{group.slug}/curate/archive", data={"csrf_token": token, "confirm": "yes"}
        )
        assert done.status_code == 303
        page = await client.get(f"/groups/{group.slug}")
        assert page.status_code == 200
        assert "Archived: read-only." in page.text and "Kept for the record" in page.text
        composer = await client.post(
            "/posts",
            data={"csrf_token": token, "source": f"group:{group.id}", "body": "Anyone?"},
        )
        assert composer.status_code == 422
        assert "This group is archived" in composer.text
        reopened = await client.post(
            f"/groups/{group.slug}/curate/unarchive", data={"csrf_token": token}
        )
        assert reopened.status_code == 303
        assert "Archived: read-only." not in (await client.get(f"/groups/{group.slug}")).text


async def test_curating_details_keeps_what_was_typed(
    app: Starlette, make_person: MakePerson, make_group: MakeGroup
) -> None:
    owner, _ = await make_person("Owen Owner")
    group = await make_group(members=[(owner, "owner")])
    async with signed_in_as(app, owner) as (client, token):
        page = await client.get(f"/groups/{group.slug}/curate")
        assert page.status_code == 200 and "curate-merge" not in page.text
        tags = ", ".join(f"tag{n}" for n in range(20))
        bad = await client.post(
            f"/groups/{group.slug}/curate",
            data={"csrf_token": token, "name": "Renamed", "tags": tags},
        )
        assert bad.status_code == 422
        assert "at most" in error_for(bad.text, "tags")
        assert 'value="Renamed"' in bad.text
        good = await client.post(
            f"/groups/{group.slug}/curate",
            data={"csrf_token": token, "name": "Renamed", "description": "New.", "tags": "a, B"},
        )
        assert good.status_code == 303
        page = await client.get(f"/groups/{group.slug}")
        assert "Renamed" in page.text


async def test_merging_over_http_redirects_the_old_address(
    app: Starlette,
    db: AsyncSession,
    make_person: MakePerson,
    colleague: MakePerson,
    make_group: MakeGroup,
    make_post: MakePost,
) -> None:
    animator, _ = await make_person("Anna Animator", role="animator")
    member, _ = await colleague("Mia Member")
    old = await make_group("private", name="Old Club", members=[(member, "owner")])
    new = await make_group(name="New Club")
    await make_post(member, "from the old club", old)
    async with signed_in_as(app, animator) as (client, token):
        page = await client.get(f"/groups/{old.slug}/curate")
        assert page.status_code == 200 and "curate-merge" in page.text
        itself = await client.post(
            f"/groups/{old.slug}/curate/merge", data={"csrf_token": token, "target": old.slug}
        )
        assert itself.status_code == 422
        assert "cannot be merged into itself" in error_for(itself.text, "target")
        unconfirmed = await client.post(
            f"/groups/{old.slug}/curate/merge", data={"csrf_token": token, "target": new.slug}
        )
        assert unconfirmed.status_code == 422
        assert "everyone will be able to read" in error_for(unconfirmed.text, "understood")
        merged = await client.post(
            f"/groups/{old.slug}/curate/merge",
            data={
                "csrf_token": token,
                "target": f"http://testserver/groups/{new.slug}",
                "understood": "yes",
            },
        )
        assert merged.status_code == 303
        assert merged.headers["location"] == f"/groups/{new.slug}?done=merged"
        for tail in ("", "/members", "/about", "/curate"):
            moved = await client.get(f"/groups/{old.slug}{tail}?after=x")
            assert moved.status_code == 301
            assert moved.headers["location"] == f"/groups/{new.slug}{tail}?after=x"
        join = await client.post(f"/groups/{old.slug}/join", data={"csrf_token": token})
        assert join.status_code == 308
        assert join.headers["location"] == f"/groups/{new.slug}/join"
        directory = await client.get("/groups")
        assert "Old Club" not in directory.text and "New Club" in directory.text
        page = await client.get(f"/groups/{new.slug}")
        assert "from the old club" in page.text
    db.expire_all()
    moved_post = (await db.execute(select(Post))).scalar_one()
    assert moved_post.group_id == new.id
    role = await db.execute(
        select(col(Membership.role)).where(
            col(Membership.group_id) == new.id, col(Membership.user_id) == member.id
        )
    )
    assert role.scalar_one() == "owner"
    stored = await db.get(Group, old.id)
    assert stored is not None and stored.merged_into_id == new.id


async def test_featured_group_first_in_the_directory_and_secret_ones_never_leak(
    app: Starlette,
    make_person: MakePerson,
    colleague: MakePerson,
    make_group: MakeGroup,
) -> None:
    animator, _ = await make_person("Anna Animator", role="animator")
    reader, _ = await make_person("Rita Reader")
    owner, _ = await colleague("Owen Owner")
    await make_group(name="Aardvarks")
    zebras = await make_group(name="Zebras")
    secret = await make_group("secret", name="Velvet Room", members=[(owner, "owner")])
    async with signed_in_as(app, animator) as (client, token):
        past = await client.post(
            f"/groups/{zebras.slug}/curate/feature", data={"csrf_token": token, "until": day(-1)}
        )
        assert past.status_code == 422 and "passed" in error_for(past.text, "until")
        for group in (zebras, secret):
            done = await client.post(
                f"/groups/{group.slug}/curate/feature",
                data={"csrf_token": token, "until": day(10)},
            )
            assert done.status_code == 303
    async with signed_in_as(app, reader) as (client, _token):
        directory = (await client.get("/groups")).text
        assert 'id="featured-groups"' in directory
        assert directory.index("Zebras") < directory.index("Aardvarks")
        assert "Velvet Room" not in directory
        assert f"featured-group-card-{zebras.id}" in directory
