"""The living part of the demo: groups across departments and their conversations.

Everything goes through the groups and stream services, as people would do it,
so counts, topics, mentions, notifications and the activity log are all real.
Times are then spread over the last two weeks so the home page reads like a
network in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.groups import service as groups
from esn.groups.models import Group, GroupRequest, Visibility
from esn.people.models import Profile
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE, Activity, Comment, Post, PostTopic, group_source


@dataclass(frozen=True)
class DemoGroup:
    """A group, its owner (by handle), its members and its visibility."""

    name: str
    description: str
    tags: tuple[str, ...]
    visibility: str
    owner: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class DemoPost:
    """A post (``group`` is a group name, "company", or "profile"), its replies and reactions.

    ``comments`` are (author, text, reply_to index or None); ``hours_ago``
    places it in time.
    """

    author: str
    where: str
    body: str
    hours_ago: int
    comments: tuple[tuple[str, str, int | None], ...] = ()
    reactions: tuple[tuple[str, str], ...] = ()


GROUPS: tuple[DemoGroup, ...] = (
    DemoGroup(
        "Green IT",
        "Cutting the energy our software and offices use, across every department.",
        ("sustainability", "energy"),
        Visibility.OPEN.value,
        "ines-haddad",
        ("bastien-girard", "claire-vasseur", "clemence-aubert", "hugo-bernard", "jerome-caron"),
    ),
    DemoGroup(
        "Customer Voice",
        "Sales, support and product listen to customers together and share what they hear.",
        ("customers", "feedback"),
        Visibility.OPEN.value,
        "sophie-tremblay",
        ("antoine-mercier", "chloe-dubois", "charlotte-davies", "lucas-petit", "daniel-walsh"),
    ),
    DemoGroup(
        "Mobile App 2.0",
        "Rebuilding the customer app: design, code, tests and launch.",
        ("mobile", "product"),
        Visibility.PRIVATE.value,
        "emilie-laurent",
        ("zoe-lambert", "maxime-chevalier", "oliver-bennett", "aurelien-masson", "kevin-o-brien"),
    ),
    DemoGroup(
        "Mentoring Circle",
        "Newcomers and experienced colleagues meet every month, whatever their department.",
        ("mentoring", "onboarding"),
        Visibility.OPEN.value,
        "sarah-mitchell",
        ("noemie-perrin", "priya-raman", "gaelle-morin", "benoit-lemaire", "lea-fontaine"),
    ),
    DemoGroup(
        "Data Guild",
        "Everyone who works with data: dashboards, SQL, models, good practice.",
        ("data", "sql"),
        Visibility.OPEN.value,
        "ines-haddad",
        ("samuel-cohen", "francois-dupuis", "claire-vasseur", "julien-moreau"),
    ),
    DemoGroup(
        "Project Aurora",
        "Preparing the acquisition of a partner company. Confidential until announced.",
        ("strategy",),
        Visibility.SECRET.value,
        "helene-marchand",
        ("thomas-nguyen", "marc-lefevre", "amina-diallo"),
    ),
)

POSTS: tuple[DemoPost, ...] = (
    DemoPost(
        "helene-marchand",
        "company",
        "Welcome to **esn**, our new place to talk across departments! Introduce yourself, "
        "join a group, and if an idea keeps you awake, propose it as a #slacktime project.",
        320,
        (
            ("lea-fontaine", "I'll be your community animator: ask me anything! #onboarding", None),
            ("kevin-o-brien", "Great to have one place for all sites, Montréal included.", None),
            ("helene-marchand", "@kevin-o-brien exactly why we chose it.", 1),
        ),
        (("lea-fontaine", "celebrate"), ("marc-lefevre", "like"), ("amina-diallo", "support")),
    ),
    DemoPost(
        "ines-haddad",
        "Green IT",
        "Our CI runs 1,400 builds a day. Caching dependencies could save about a third of "
        "that energy. Who wants to measure it with me? @bastien-girard knows the scripts. "
        "#sustainability #energy",
        200,
        (
            ("bastien-girard", "Count me in, I know the build scripts well.", None),
            ("claire-vasseur", "Finance can price the savings once you have numbers.", None),
            ("ines-haddad", "@claire-vasseur perfect, let's meet on Thursday.", 1),
        ),
        (("bastien-girard", "insightful"), ("clemence-aubert", "like")),
    ),
    DemoPost(
        "chloe-dubois",
        "Customer Voice",
        "Three customers this week asked to **export their invoices as CSV**. "
        "Is that on anyone's roadmap? #feedback",
        150,
        (
            ("lucas-petit", "Not yet, but it's a small change in the app. I can look.", None),
            ("antoine-mercier", "Two of my key accounts asked too.", None),
            ("chloe-dubois", "@lucas-petit thank you! I'll send you the tickets.", 0),
        ),
        (("sophie-tremblay", "support"), ("daniel-walsh", "like"), ("antoine-mercier", "like")),
    ),
    DemoPost(
        "emilie-laurent",
        "Mobile App 2.0",
        "Beta build 0.9 is out for the team. Please try the new onboarding and report "
        "anything odd here. #mobile",
        90,
        (
            ("zoe-lambert", "Login with fingerprint works on all my test phones.", None),
            ("oliver-bennett", "Found a crash on Android 12 when rotating; ticket filed.", None),
        ),
        (("maxime-chevalier", "celebrate"), ("zoe-lambert", "like")),
    ),
    DemoPost(
        "sarah-mitchell",
        "Mentoring Circle",
        "Next circle on Tuesday at noon, Lyon office and online. Theme: *asking for help "
        "without feeling lost*. #mentoring",
        60,
        (("noemie-perrin", "I'll bring the two newcomers from Lyon.", None),),
        (("priya-raman", "like"), ("gaelle-morin", "support")),
    ),
    DemoPost(
        "samuel-cohen",
        "Data Guild",
        "Tip of the week: a window function replaced our 200-line pipeline for monthly "
        "churn. Happy to show it. #sql #data",
        40,
        (
            ("francois-dupuis", "Yes please, marketing needs the same numbers.", None),
            ("samuel-cohen", "@francois-dupuis Friday 3pm then.", 0),
        ),
        (("ines-haddad", "insightful"), ("julien-moreau", "like")),
    ),
    DemoPost(
        "thomas-nguyen",
        "Project Aurora",
        "Due diligence documents are in the data room. Keep everything here until the "
        "announcement.",
        30,
        (("marc-lefevre", "Technical review done, no blocker.", None),),
        (("helene-marchand", "like"),),
    ),
    DemoPost(
        "lea-fontaine",
        "company",
        "Who knows **Figma** well? @amina-diallo and the HR team need a hand with the new "
        "onboarding booklet. #onboarding",
        20,
        (
            ("maxime-chevalier", "I do! Send me the draft.", None),
            ("amina-diallo", "Thank you both, this will help every newcomer.", 0),
        ),
        (("amina-diallo", "celebrate"),),
    ),
    DemoPost(
        "jerome-caron",
        "profile",
        "Back from the support summit in Montréal: my notes on response times are on "
        "the wiki. #customers",
        8,
        (("sophie-tremblay", "Great summary, thank you Jérôme.", None),),
        (("daniel-walsh", "like"),),
    ),
    DemoPost(
        "marc-lefevre",
        "company",
        "Platform maintenance on Saturday 6-8am: the VPN will restart twice.",
        3,
        (),
        (("julien-moreau", "like"),),
    ),
)


async def _people_by_handle(db: AsyncSession) -> dict[str, User]:
    rows = await db.execute(
        select(User, col(Profile.handle)).join(Profile, col(Profile.user_id) == col(User.id))
    )
    return {handle: user for user, handle in rows.all()}


async def _backdate(db: AsyncSession, post: Post, hours_ago: int) -> None:
    """Move a post, its comments, topics and activity back in time."""
    when = utcnow() - timedelta(hours=hours_ago)
    await db.execute(update(Post).where(col(Post.id) == post.id).values(created_at=when))
    await db.execute(
        update(PostTopic).where(col(PostTopic.post_id) == post.id).values(created_at=when)
    )
    comment_ids = (
        await db.execute(
            select(col(Comment.id)).where(col(Comment.post_id) == post.id).order_by(col(Comment.id))
        )
    ).scalars()
    for minutes, comment_id in enumerate(comment_ids, start=1):
        await db.execute(
            update(Comment)
            .where(col(Comment.id) == comment_id)
            .values(created_at=when + timedelta(minutes=17 * minutes))
        )
    await db.commit()


async def seed_conversation(db: AsyncSession, media_dir: Path) -> tuple[int, int]:
    """Create the demo groups and posts; returns (groups, posts) created."""
    people = await _people_by_handle(db)
    slugs: dict[str, str] = {}
    for demo in GROUPS:
        owner = people[demo.owner]
        group = await groups.create_group(
            db,
            owner,
            groups.NewGroup(
                name=demo.name,
                description=demo.description,
                tags=demo.tags,
                visibility=demo.visibility,
            ),
        )
        slugs[demo.name] = group.slug
        for handle in demo.members:
            if demo.visibility == Visibility.OPEN.value:
                await groups.join_group(db, people[handle], group.slug)
            else:
                await groups.invite_person(db, owner, group.slug, handle)
                invitation_id = await _pending_invitation(db, people[handle])
                await groups.answer_invitation(
                    db, people[handle], group.slug, invitation_id, accept=True
                )
    group_ids = {name: await _group_id(db, slug) for name, slug in slugs.items()}
    for demo_post in POSTS:
        author = people[demo_post.author]
        if demo_post.where == "company":
            source = COMPANY_SOURCE
        elif demo_post.where == "profile":
            source = f"user:{author.id}"
        else:
            source = group_source(group_ids[demo_post.where])
        post = await stream.create_post(db, author, source, demo_post.body, media_dir=media_dir)
        assert post.id is not None
        comment_ids: list[int] = []
        for handle, text, reply_to in demo_post.comments:
            parent = comment_ids[reply_to] if reply_to is not None else None
            comment = await stream.add_comment(db, people[handle], post.id, text, parent)
            assert comment.id is not None
            comment_ids.append(comment.id)
        for handle, kind in demo_post.reactions:
            await stream.toggle_reaction(db, people[handle], post.id, kind)
        await _backdate(db, post, demo_post.hours_ago)
    # Group creations and joins happened "before" the conversations.
    await db.execute(update(Activity).values(created_at=utcnow() - timedelta(hours=330)))
    await db.commit()
    return len(GROUPS), len(POSTS)


async def _pending_invitation(db: AsyncSession, user: User) -> int:
    result = await db.execute(
        select(col(GroupRequest.id))
        .where(col(GroupRequest.user_id) == user.id, col(GroupRequest.state) == "pending")
        .order_by(col(GroupRequest.id).desc())
    )
    return int(result.scalars().first() or 0)


async def _group_id(db: AsyncSession, slug: str) -> int:
    result = await db.execute(select(col(Group.id)).where(col(Group.slug) == slug))
    group_id = result.scalar_one()
    assert group_id is not None
    return group_id
