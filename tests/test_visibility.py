"""The visibility matrix: what each kind of reader may learn of private and secret groups.

Unique markers are planted in a private and a secret group (group name, post,
comment, attachment name and bytes, a #topic, a slack-time proposal linked to
the group, submitted and approved, with its conversation). Then, for every kind of actor,
every page, htmx fragment, download, notification list, autocomplete and email
is fetched, and a marker may appear only where the rules in esn/policy.py allow:

- the group's name: everyone signed in for a private group; for a secret one,
  its members, the people it invited, company animators and administrators;
- its content: its members only (owners and group animators included); a
  proposal linked to the group is content too (its team and its approver, here
  a member, see it as well).

Community animation adds its own markers in each group: a report's reason and
an impact story's note (for the group's moderators and animators: here the
group animator), a post nobody answered (content: it must not reach a company
animator's work queue when they are not a member), a pin and the group's
charter (for whoever may know the group exists). The animation pages and
exports are fetched by every actor like the rest.

Also: a hidden post or group answers exactly like a missing one, and the
single-item check agrees with the list query for random memberships.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn import policy
from esn.accounts.models import Role, User
from esn.animation.models import Charter, ContentReport, FeaturedPost, ImpactStory
from esn.core.clock import utcnow
from esn.groups import service as groups
from esn.groups.models import GroupRequest, Visibility
from esn.notifications import jobs as digests
from esn.notifications.models import DigestPreference
from esn.people.models import Profile
from esn.proposals import service as proposals
from esn.settings import Settings
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, Post, group_source
from tests.conftest import MakePerson, Outbox, log_in

ACTORS = (
    "anonymous",
    "outsider",
    "invitee",
    "member",
    "former",
    "group_animator",
    "company_animator",
    "admin",
)
CONTENT_READERS = {"member", "group_animator"}
# Report reasons and impact notes: the group's own animators (owners too).
ANIMATION_READERS = {"group_animator"}
NAME_READERS = {
    Visibility.PRIVATE.value: set(ACTORS) - {"anonymous"},
    Visibility.SECRET.value: {"member", "invitee", "group_animator", "company_animator", "admin"},
}


@dataclasses.dataclass
class PlantedGroup:
    """One group with its markers and the ids of the things that carry them."""

    visibility: str
    slug: str
    group_id: int
    post_id: int
    attachment_id: int
    proposal_id: int
    name_marker: str
    content_markers: tuple[str, ...]
    animation_markers: tuple[str, ...]
    charter_marker: str


@dataclasses.dataclass
class World:
    """Everyone and everything the matrix looks at."""

    users: dict[str, User]
    handles: dict[str, str]
    groups: list[PlantedGroup]
    owner: User


async def _handle(db: AsyncSession, user: User) -> str:
    profile = await db.get(Profile, user.id)
    assert profile is not None
    return profile.handle


async def _pending_invitation(db: AsyncSession, user: User, group_id: int) -> int:
    result = await db.execute(
        select(GroupRequest.id).where(
            GroupRequest.user_id == user.id,
            GroupRequest.group_id == group_id,
            GroupRequest.state == "pending",
        )
    )
    invitation_id = result.scalar_one()
    assert invitation_id is not None
    return invitation_id


async def _plant(
    db: AsyncSession, world: World, visibility: str, settings: Settings
) -> PlantedGroup:
    tag = visibility[:3]
    owner, users = world.owner, world.users
    group = await groups.create_group(
        db,
        owner,
        groups.NewGroup(name=f"Zq{tag}NAMEMARK", visibility=visibility, tags=(f"zq{tag}tag",)),
    )
    assert group.id is not None
    slug = group.slug
    for who in ("member", "former", "group_animator"):
        await groups.invite_person(db, owner, slug, world.handles[who])
        invitation = await _pending_invitation(db, users[who], group.id)
        await groups.answer_invitation(db, users[who], slug, invitation, accept=True)
    group_animator = users["group_animator"]
    assert group_animator.id is not None
    await groups.change_member_role(db, owner, slug, group_animator.id, "animator")
    await groups.invite_person(db, owner, slug, world.handles["invitee"])
    post = await stream.create_post(
        db,
        owner,
        group_source(group.id),
        f"Zq{tag}POSTMARK for the team #zq{tag}topic, also @{world.handles['outsider']}",
        uploads=[stream.Upload(f"Zq{tag}FILEMARK.txt", f"Zq{tag}BYTESMARK inside".encode())],
        media_dir=settings.media_dir,
    )
    assert post.id is not None
    await stream.add_comment(db, users["member"], post.id, f"Zq{tag}COMMENTMARK agreed")
    await stream.toggle_reaction(db, users["member"], post.id, "like")
    await groups.leave_group(db, users["former"], slug)
    view = await stream.post_view(db, owner, post.id)
    assert view is not None and view.attachments
    attachment_id = view.attachments[0].id
    assert attachment_id is not None
    proposal_id = await _plant_proposal(db, world, slug, tag, settings)
    await _plant_animation(db, world, group.id, post.id, tag, settings)
    return PlantedGroup(
        visibility=visibility,
        slug=slug,
        group_id=group.id,
        post_id=post.id,
        attachment_id=attachment_id,
        proposal_id=proposal_id,
        name_marker=f"Zq{tag}NAMEMARK",
        content_markers=(
            f"Zq{tag}POSTMARK",
            f"Zq{tag}COMMENTMARK",
            f"Zq{tag}FILEMARK",
            f"Zq{tag}BYTESMARK",
            f"Zq{tag}PROPMARK",
            f"Zq{tag}PROPTEXT",
            f"Zq{tag}QUIETMARK",
        ),
        animation_markers=(f"Zq{tag}REPORTMARK", f"Zq{tag}IMPACTMARK"),
        charter_marker=f"Zq{tag}CHARTERMARK",
    )


async def _plant_animation(
    db: AsyncSession,
    world: World,
    group_id: int,
    post_id: int,
    tag: str,
    settings: Settings,
) -> None:
    """A report, an impact story, a pin, a charter and a post left unanswered for days."""
    users = world.users
    now = utcnow()
    quiet = await stream.create_post(
        db,
        world.owner,
        group_source(group_id),
        f"Zq{tag}QUIETMARK does anyone know?",
        media_dir=settings.media_dir,
    )
    quiet.created_at = now - timedelta(days=3)
    db.add(quiet)
    db.add(
        ContentReport(
            post_id=post_id, reporter_id=users["member"].id, reason=f"Zq{tag}REPORTMARK rude"
        )
    )
    db.add(
        ImpactStory(
            post_id=post_id,
            outcome="got_help",
            note=f"Zq{tag}IMPACTMARK found a mentor",
            tagged_by=users["group_animator"].id,
        )
    )
    db.add(
        FeaturedPost(
            post_id=post_id,
            group_id=group_id,
            featured_by=users["group_animator"].id,
            expires_at=now + timedelta(days=7),
        )
    )
    db.add(
        Charter(
            group_id=group_id,
            version=1,
            body=f"Zq{tag}CHARTERMARK be kind",
            created_by=world.owner.id,
        )
    )
    await db.commit()


async def _plant_proposal(
    db: AsyncSession, world: World, slug: str, tag: str, settings: Settings
) -> int:
    """The owner proposes a project linked to the group; "member", their manager, approves."""
    start = utcnow().date()
    draft = await proposals.create_proposal(
        db,
        world.owner,
        proposals.ProposalInput(
            title=f"Zq{tag}PROPMARK",
            problem=f"Zq{tag}PROPTEXT is what we would fix",
            gain="Time",
            time_unit="percent",
            time_amount=Decimal(4),
            start_date=start,
            end_date=start + timedelta(days=20),
            skills=(f"zq{tag}skill",),
            group=slug,
        ),
    )
    assert draft.id is not None
    submitted = await proposals.submit_proposal(
        db, world.owner, draft.id, version=draft.version, media_dir=settings.media_dir
    )
    await proposals.decide_proposal(
        db,
        world.users["member"],
        draft.id,
        "approve",
        "Go ahead",
        version=submitted.version,
    )
    return draft.id


@pytest.fixture
async def world(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> AsyncIterator[World]:
    """Owner, one person of each kind, a private and a secret group with markers."""
    owner, _ = await make_person("Olga Owner")
    users: dict[str, User] = {}
    roles = {"company_animator": Role.ANIMATOR.value, "admin": Role.ADMIN.value}
    for actor in ACTORS:
        if actor != "anonymous":
            users[actor], _ = await make_person(
                f"{actor.replace('_', ' ').title()} Person",
                role=roles.get(actor, Role.EMPLOYEE.value),
            )
    handles = {actor: await _handle(db, user) for actor, user in users.items()}
    handles["owner"] = await _handle(db, owner)
    # The owner reports to "member": the approver of the owner's proposals reads the group.
    owner_profile = await db.get(Profile, owner.id)
    assert owner_profile is not None
    owner_profile.manager_id = users["member"].id
    await db.commit()
    world = World(users=users, handles=handles, groups=[], owner=owner)
    for visibility in (Visibility.PRIVATE.value, Visibility.SECRET.value):
        world.groups.append(await _plant(db, world, visibility, settings))
    yield world


def _urls(planted: PlantedGroup, world: World) -> list[str]:
    tag = planted.visibility[:3]
    post = planted.post_id
    return [
        "/",
        "/groups",
        f"/groups?q=zq{tag}",
        f"/groups?tag=zq{tag}tag",
        f"/groups/{planted.slug}",
        f"/groups/{planted.slug}/about",
        f"/groups/{planted.slug}/members",
        f"/posts/{post}",
        f"/posts/{post}/history",
        f"/posts/{post}/attachments/{planted.attachment_id}",
        f"/posts/{post}/attachments/{planted.attachment_id}/thumbnail",
        f"/topics/zq{tag}topic",
        f"/people/{world.handles['member']}",
        f"/people/{world.handles['owner']}",
        "/notifications",
        f"/posts/mention-candidates?source=group:{planted.group_id}&q=",
        f"/posts/mention-candidates?source=group:{planted.group_id}&q=member",
        "/proposals",
        f"/proposals?q=zq{tag}",
        f"/proposals?skill=zq{tag}skill",
        "/proposals?state=active",
        f"/proposals/{planted.proposal_id}",
        f"/proposals/{planted.proposal_id}/edit",
        f"/proposals/{planted.proposal_id}/close",
        "/proposals/export.csv",
        "/approvals",
        *_animation_urls(planted),
    ]


HEALTH_TABLES = (
    "weekly",
    "segments",
    "matrix",
    "never",
    "bridgers",
    "introductions",
    "ladder",
    "impact",
)


def _animation_urls(planted: PlantedGroup) -> list[str]:
    """Every animation page, fragment and export that could carry a marker."""
    slug, post = planted.slug, planted.post_id
    return [
        "/animation",
        "/animation/spotlights",
        "/animation/moderation",
        "/animation/impact",
        "/animation/health",
        *(f"/animation/health.csv?table={table}" for table in HEALTH_TABLES),
        "/animation/charter",
        f"/groups/{slug}/curate",
        f"/groups/{slug}/charter",
        f"/groups/{slug}/queue",
        f"/posts/{post}/report",
    ]


async def _everything_seen(client: httpx.AsyncClient, urls: list[str]) -> str:
    """Every byte the pages, their htmx fragments and downloads gave this client."""
    seen: list[str] = []
    for url in urls:
        for headers in ({}, {"hx-request": "true"}):
            response = await client.get(url, headers=headers)
            assert response.status_code < 500, url
            seen.append(response.content.decode("utf-8", errors="replace"))
    return "\n".join(seen)


@pytest.fixture
async def clients(app: Starlette, world: World) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """One signed-in HTTP client per actor (anonymous signs in as nobody)."""
    transport = httpx.ASGITransport(app=app)
    opened: dict[str, httpx.AsyncClient] = {}
    try:
        for actor in ACTORS:
            client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
            opened[actor] = client
            if actor != "anonymous":
                response = await log_in(client, world.users[actor].email)
                assert response.status_code == 303
        yield opened
    finally:
        for client in opened.values():
            await client.aclose()


@pytest.mark.parametrize("actor", ACTORS)
async def test_markers_reach_only_those_who_may_see_them(
    actor: str, world: World, clients: dict[str, httpx.AsyncClient]
) -> None:
    client = clients[actor]
    for planted in world.groups:
        seen = await _everything_seen(client, _urls(planted, world))
        may_see_name = actor in NAME_READERS[planted.visibility]
        may_read = actor in CONTENT_READERS
        if not may_see_name:
            assert planted.name_marker not in seen, (actor, planted.visibility)
        for marker in planted.content_markers:
            if may_read:
                assert marker in seen, (actor, marker)
            else:
                assert marker not in seen, (actor, marker)
        if may_see_name and actor != "anonymous":
            assert planted.name_marker in seen, (actor, planted.visibility)
        for marker in planted.animation_markers:
            if actor in ANIMATION_READERS:
                assert marker in seen, (actor, marker)
            else:
                assert marker not in seen, (actor, marker)
        if not may_see_name:
            assert planted.charter_marker not in seen, (actor, planted.visibility)


@pytest.mark.parametrize("actor", sorted(set(ACTORS) - CONTENT_READERS - {"anonymous"}))
async def test_hidden_things_answer_like_missing_ones(
    actor: str, world: World, clients: dict[str, httpx.AsyncClient]
) -> None:
    client = clients[actor]
    for planted in world.groups:
        hidden = await client.get(f"/posts/{planted.post_id}")
        missing = await client.get("/posts/987654")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.text.replace(f"/posts/{planted.post_id}", "/posts/ID") == (
            missing.text.replace("/posts/987654", "/posts/ID")
        )
        download = await client.get(f"/posts/{planted.post_id}/attachments/{planted.attachment_id}")
        assert download.status_code == 404
        hidden_proposal = await client.get(f"/proposals/{planted.proposal_id}")
        missing_proposal = await client.get("/proposals/987654")
        assert hidden_proposal.status_code == missing_proposal.status_code == 404
        assert hidden_proposal.text.replace(
            f"/proposals/{planted.proposal_id}", "/proposals/ID"
        ) == (missing_proposal.text.replace("/proposals/987654", "/proposals/ID"))
        if actor not in NAME_READERS[planted.visibility]:
            hidden_group = await client.get(f"/groups/{planted.slug}")
            missing_group = await client.get("/groups/no-such-group-here")
            assert hidden_group.status_code == missing_group.status_code == 404
            assert hidden_group.text.replace(f"/groups/{planted.slug}", "/groups/X") == (
                missing_group.text.replace("/groups/no-such-group-here", "/groups/X")
            )


async def test_mentioned_outsider_is_not_notified(
    db: AsyncSession, world: World, clients: dict[str, httpx.AsyncClient]
) -> None:
    page = await clients["outsider"].get("/notifications")
    for planted in world.groups:
        assert f"/posts/{planted.post_id}" not in page.text
        for marker in planted.content_markers:
            assert marker not in page.text


async def test_digest_emails_carry_only_readable_content(
    db: AsyncSession, settings: Settings, world: World, smtp_server: Outbox
) -> None:
    from esn.mail import Mailer

    for user in [*world.users.values(), world.owner]:
        assert user.id is not None
        db.add(DigestPreference(user_id=user.id, frequency="daily"))
    await db.commit()
    mailer = Mailer(smtp_server.url, settings.mail_from)
    sent = await digests.send_digests(db, mailer, settings, utcnow() + timedelta(days=2))
    assert sent > 0
    messages = await smtp_server.received(sent)
    by_recipient = {str(message["To"]): message.get_content() for message in messages}
    for actor, user in world.users.items():
        body = by_recipient.get(user.email, "")
        for planted in world.groups:
            for marker in planted.content_markers[:2]:
                if actor not in CONTENT_READERS:
                    assert marker not in body, (actor, marker)
    member_body = by_recipient.get(world.users["member"].email, "")
    assert "ZqprivPOSTMARK" in member_body or "Zqpri" in member_body


async def test_single_item_check_agrees_with_list_query(
    db: AsyncSession, settings: Settings, make_person: MakePerson
) -> None:
    """Random groups, memberships and posts: for every person, the posts the list
    query returns are exactly those the one-post check lets them read."""
    rng = random.Random(20261121)
    people = [(await make_person(f"Random {n}"))[0] for n in range(6)]
    post_ids: list[int] = []
    for number in range(6):
        owner = rng.choice(people)
        visibility = rng.choice([v.value for v in Visibility])
        group = await groups.create_group(
            db,
            owner,
            groups.NewGroup(name=f"Random group {number}", visibility=visibility),
        )
        assert group.id is not None
        for person in rng.sample(people, 3):
            if person.id == owner.id:
                continue
            await groups.invite_person(db, owner, group.slug, person.email)
            invitation = await _pending_invitation(db, person, group.id)
            await groups.answer_invitation(db, person, group.slug, invitation, accept=True)
        post = await stream.create_post(
            db, owner, group_source(group.id), f"post {number}", media_dir=settings.media_dir
        )
        assert post.id is not None
        post_ids.append(post.id)
    company = await stream.create_post(
        db, people[0], COMPANY_SOURCE, "company news", media_dir=settings.media_dir
    )
    assert company.id is not None
    post_ids.append(company.id)
    for person in people:
        listed = set(
            (
                await db.execute(select(Post.id).where(policy.readable_posts_clause(person)))
            ).scalars()
        )
        one_by_one = {
            post_id
            for post_id in post_ids
            if await stream.post_view(db, person, post_id) is not None
        }
        assert listed == one_by_one, person.email
