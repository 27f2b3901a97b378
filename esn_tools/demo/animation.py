"""The animator's side of the demo: what Léa Fontaine finds at /animation.

A spotlight showing now, one waiting for its member's answer and one from
last month; reports in the moderation queue, one dismissed and one post
hidden with its reason; posts nobody answered, newcomers who never said a
word, a group gone quiet, a join request left waiting, charters (one not
reviewed for over a year, one a group changed recently), featured posts and
a featured group, and impact stories on real threads.

The animation services are written alongside this demo, so the rows are
written here directly with the models, following their rules (states along
esn.lifecycle's graphs, counters on the post and group rows kept equal to
the rows they count, every moderation step recorded with who and why).
Times are relative to now, like the rest of the demo; the data is fixed, so
two demo databases look the same.

Departments: Customer Service and Finance never talk (no reply, reaction or
shared group between their people), so the health view has a gap to show
and introductions to suggest. Only Jérôme Caron linked them, through Green
IT: here he has left that group.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User, UserSession
from esn.animation.models import (
    Charter,
    CharterAcceptance,
    ContentReport,
    FeaturedPost,
    ImpactOutcome,
    ImpactStory,
    ModerationAction,
    ReportState,
    Spotlight,
    SpotlightState,
)
from esn.core.clock import utcnow
from esn.groups.models import Group, GroupRequest, GroupRole, GroupTag, Membership, Visibility
from esn.notifications.models import Notification, NotificationKind
from esn.people import service as people_service
from esn.people.models import Follow, Profile
from esn.proposals.models import Proposal
from esn.stream import markdown
from esn.stream.models import (
    COMPANY_SOURCE,
    Activity,
    Comment,
    Post,
    PostTopic,
    Reaction,
    group_source,
    reaction_count_column,
)

ANIMATOR = "lea-fontaine"
# The pair of departments the demo keeps apart (see the module docstring).
SILENT_PAIR = ("Customer Service", "Finance")
# How long a first login lasted (ESN_SESSION_DAYS' default).
SESSION_DAYS = 14


@dataclass(frozen=True)
class AnimationSeed:
    """What ``seed_animation`` added."""

    newcomers: int
    groups: int
    posts: int
    spotlights: int
    reports: int


@dataclass(frozen=True)
class Newcomer:
    """Someone who arrived three weeks ago, logged in once and has said nothing since."""

    name: str
    email: str
    title: str
    department: str
    site: str
    manager: str  # a handle
    locale: str
    languages: str
    skills: tuple[str, ...]
    bio: str
    how_i_can_help: str
    looking_for: str


NEWCOMERS: tuple[Newcomer, ...] = (
    Newcomer(
        "Lina Bouchard",
        "lina.bouchard@lumiere.example",
        "Customer Support Specialist",
        "Customer Service",
        "Montréal",
        "sophie-tremblay",
        "fr",
        "French, English",
        ("Customer empathy", "Troubleshooting"),
        "Arrivée au support de Montréal ce mois-ci, je découvre nos lampes une par une.",
        "Répondre aux clients en français et en anglais.",
        "Quelqu'un pour m'expliquer les passerelles domotiques.",
    ),
    Newcomer(
        "Mathis Renaud",
        "mathis.renaud@lumiere.example",
        "Junior Accountant",
        "Finance",
        "Nantes",
        "thomas-nguyen",
        "fr",
        "French, English",
        ("Accounting", "Excel"),
        "Comptable junior à Nantes, tout juste sorti d'alternance.",
        "Les notes de frais, et Excel.",
        "Comprendre ce que font les autres équipes du site de Nantes.",
    ),
    Newcomer(
        "Ethan Clarke",
        "ethan.clarke@lumiere.example",
        "Sales Development Representative",
        "Sales",
        "Montréal",
        "antoine-mercier",
        "en",
        "English, French",
        ("Prospecting", "CRM"),
        "Just joined the Montréal sales team from a lighting wholesaler.",
        "Cold calls, and what installers really think of our products.",
        "Someone to show me how the lamps work before my first demo.",
    ),
)


@dataclass(frozen=True)
class Thread:
    """A post with its replies and reactions; ``where`` is "company" or a group's name.

    ``comments`` are (author, text, reply_to index or None), forty minutes
    apart after the post; reactions are (person, kind).
    """

    key: str
    author: str
    where: str
    body: str
    hours_ago: int
    comments: tuple[tuple[str, str, int | None], ...] = ()
    reactions: tuple[tuple[str, str], ...] = ()


QUIET_GROUP = "Photo Walks"
QUIET_GROUP_DAYS = 500  # created that long ago; its last word is 46 days old

THREADS: tuple[Thread, ...] = (
    # The group that went quiet: two walks, then nothing for six weeks.
    Thread(
        "walk",
        "zoe-lambert",
        QUIET_GROUP,
        "Balade photo sur les pentes de la Croix-Rousse samedi matin, qui vient ? #photography",
        75 * 24,
        (("maxime-chevalier", "Je viens avec mon argentique !", None),),
        (("hugo-bernard", "like"),),
    ),
    Thread(
        "walk_photos",
        "hugo-bernard",
        QUIET_GROUP,
        "Mes photos de la balade sont dans le dossier partagé. La lumière de 9 h était parfaite.",
        47 * 24,
        (("zoe-lambert", "Superbes ! On en refait une au printemps ?", None),),
        (("maxime-chevalier", "celebrate"), ("oliver-bennett", "like")),
    ),
    # Cross-department conversations for the health view.
    Thread(
        "budget",
        "thomas-nguyen",
        "company",
        "Budget 2026 : chaque équipe peut proposer un **projet d'économie d'énergie**. "
        "La finance financera les trois meilleurs. #energy",
        12 * 24,
        (
            ("ines-haddad", "Le cache de la CI en sera un, chiffres à l'appui.", None),
            ("yanis-belkacem", "Les projets de temps libre comptent-ils aussi ?", None),
            ("thomas-nguyen", "Oui, bien sûr : c'est même l'idée.", 1),
            ("hugo-bernard", "Je peux aider à présenter les dossiers.", None),
        ),
        (("antoine-mercier", "support"), ("lea-fontaine", "celebrate"), ("amina-diallo", "like")),
    ),
    Thread(
        "lights",
        "clemence-aubert",
        "company",
        "Le 3e étage de Paris passe à nos propres lampes connectées lundi. "
        "Vos retours sur la lumière du matin m'intéressent ! #workplace",
        9 * 24,
        (
            (
                "margaux-beranger",
                "Nos clients adorent le réveil progressif, vous allez voir.",
                None,
            ),
            ("zoe-lambert", "Je peux régler les scènes depuis l'appli si besoin.", None),
            ("antoine-mercier", "Enfin une démo grandeur nature pour les visites clients.", None),
            ("clemence-aubert", "Merci Zoé, je viens te voir mardi.", 1),
            (
                "oliver-bennett",
                "Honestly, whoever chose the old office lights should never be allowed "
                "near a lamp again.",
                None,
            ),
        ),
        (("daniel-walsh", "like"), ("kevin-o-brien", "celebrate"), ("maxime-chevalier", "like")),
    ),
    # Nobody answered these (older than 48 hours): the work queue's first list.
    Thread(
        "home_assistant",
        "bastien-girard",
        "company",
        "Quelqu'un a déjà branché nos lampes sur Home Assistant ? J'aimerais un retour "
        "d'expérience avant de documenter l'intégration. #domotique",
        4 * 24,
    ),
    Thread(
        "hotel",
        "daniel-walsh",
        "Customer Voice",
        "Our largest hotel customer wants lighting scenes per floor, driven by their booking "
        "system. Has anyone seen this request before? #customers",
        6 * 24,
        (("daniel-walsh", "Adding: they would pay for the integration work.", None),),
    ),
    Thread(
        "pivot_tables",
        "benoit-lemaire",
        "Mentoring Circle",
        "Je passe encore mes vendredis à recopier des notes de frais. Quelqu'un aurait dix "
        "minutes pour me montrer les tableaux croisés dynamiques ? #mentoring",
        11 * 24,
        (),
        (("noemie-perrin", "support"),),
    ),
    # Moderation: a post reported twice, and one hidden after a report.
    Thread(
        "hockey",
        "kevin-o-brien",
        "company",
        "Selling two tickets for Saturday's Canadiens game, $80 each. First come, first served!",
        30,
        (),
        (("oliver-bennett", "like"),),
    ),
    Thread(
        "phone_number",
        "aurelien-masson",
        "company",
        "Le client Dupuis-Berger est toujours sans lumière après la mise à jour. Son portable "
        "perso : 06 12 34 56 78, si quelqu'un de la R&D peut l'appeler ce soir.",
        4 * 24,
        (("jerome-caron", "Aurélien, passe plutôt par le ticket, je regarde avec toi.", None),),
    ),
)

COMPANY_CHARTER_V1 = """\
# Notre charte sur esn

- Parlez à chacun comme à un collègue que vous respectez.
- Posez vos questions en public : la réponse servira à d'autres.
- Pas de données de clients ni d'informations confidentielles hors des groupes prévus pour.
- Les annonces personnelles vont dans les groupes dédiés, pas dans le fil de l'entreprise.
"""

COMPANY_CHARTER_V2 = (
    COMPANY_CHARTER_V1
    + """\
- Un message vous gêne ? Signalez-le : l'équipe d'animation le regarde, et son auteur sait \
toujours pourquoi un message est masqué.
- Répondez aux nouveaux arrivants : personne ne doit rester sans réponse.
"""
)

CUSTOMER_VOICE_CHARTER_V1 = """\
# Customer Voice

Ce que disent les clients, tel qu'ils le disent. Jamais de nom de client ni de coordonnées :
le numéro de ticket suffit.
"""

CUSTOMER_VOICE_CHARTER_V2 = (
    CUSTOMER_VOICE_CHARTER_V1
    + """
Chaque retour reçoit une réponse sous une semaine, même pour dire « pas maintenant ».
"""
)

PHOTO_WALKS_CHARTER = """\
# Photo Walks

On ne photographie personne sans son accord, et on partage les photos dans le dossier commun.
"""


class _Clock:
    """Times before the one ``now`` the whole demo is measured from."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def days(self, count: float) -> datetime:
        return self.now - timedelta(days=count)

    def hours(self, count: float) -> datetime:
        return self.now - timedelta(hours=count)


@dataclass
class _Context:
    """What the steps share: the clock, people by handle, groups by name, posts by key."""

    clock: _Clock
    people: dict[str, User]
    groups: dict[str, Group]
    posts: dict[str, Post]
    comments: dict[tuple[str, int], Comment]

    def uid(self, handle: str) -> int:
        user_id = self.people[handle].id
        assert user_id is not None
        return user_id

    def gid(self, name: str) -> int:
        group_id = self.groups[name].id
        assert group_id is not None
        return group_id


async def _people_by_handle(db: AsyncSession) -> dict[str, User]:
    rows = await db.execute(
        select(User, col(Profile.handle)).join(Profile, col(Profile.user_id) == col(User.id))
    )
    return {handle: user for user, handle in rows.all()}


async def _groups_by_name(db: AsyncSession) -> dict[str, Group]:
    rows = (await db.execute(select(Group).order_by(col(Group.id)))).scalars()
    groups: dict[str, Group] = {}
    for group in rows:
        groups.setdefault(group.name, group)
    return groups


async def _post_containing(db: AsyncSession, phrase: str) -> Post:
    post = (
        (
            await db.execute(
                select(Post).where(col(Post.body).contains(phrase)).order_by(col(Post.id))
            )
        )
        .scalars()
        .first()
    )
    assert post is not None, phrase
    return post


async def _recount_members(db: AsyncSession, group: Group) -> None:
    group.member_count = (
        await db.execute(
            select(func.count()).select_from(Membership).where(col(Membership.group_id) == group.id)
        )
    ).scalar_one()


# --- people -------------------------------------------------------------------------


async def _age_the_company(db: AsyncSession, ctx: _Context) -> None:
    """The demo people had accounts long before the network's recent history."""
    demo_people = sorted(
        (user for user in ctx.people.values() if user.email.endswith("@lumiere.example")),
        key=lambda user: user.id or 0,
    )
    for index, user in enumerate(demo_people):
        user.created_at = ctx.clock.days(900 - 7 * index)


async def _add_newcomers(db: AsyncSession, ctx: _Context) -> list[User]:
    """Three people who logged in once, three weeks ago, and have been silent since."""
    # They share the demo password: copy the animator's hash rather than hash it again.
    password_hash = ctx.people[ANIMATOR].password_hash
    added: list[User] = []
    for number, newcomer in enumerate(NEWCOMERS):
        manager_id = ctx.uid(newcomer.manager)
        user, profile = await people_service.add_person(
            db,
            people_service.NewPerson(
                email=newcomer.email,
                name=newcomer.name,
                password=None,
                role="employee",
                title=newcomer.title,
                department=newcomer.department,
                site=newcomer.site,
                manager_id=manager_id,
                skills=newcomer.skills,
                languages=newcomer.languages,
                locale=newcomer.locale,
            ),
        )
        assert user.id is not None
        user.password_hash = password_hash
        user.created_at = ctx.clock.days(22 + number)
        profile.bio = newcomer.bio
        profile.how_i_can_help = newcomer.how_i_can_help
        profile.looking_for = newcomer.looking_for
        first_login = ctx.clock.days(21 + number) + timedelta(hours=9)
        db.add(
            UserSession(
                token_hash=secrets.token_hex(32),
                user_id=user.id,
                created_at=first_login,
                expires_at=first_login + timedelta(days=SESSION_DAYS),
                user_agent="Mozilla/5.0 (demo)",
            )
        )
        for followee in (manager_id, ctx.uid("helene-marchand")):
            db.add(Follow(follower_id=user.id, followee_id=followee, created_at=first_login))
        ctx.people[profile.handle] = user
        added.append(user)
    await db.flush()
    return added


async def _keep_departments_apart(db: AsyncSession, ctx: _Context) -> None:
    """Jérôme Caron left Green IT: no group is shared by Customer Service and Finance."""
    green_it = ctx.groups["Green IT"]
    await db.execute(
        delete(Membership).where(
            col(Membership.group_id) == green_it.id,
            col(Membership.user_id) == ctx.uid("jerome-caron"),
        )
    )
    await _recount_members(db, green_it)


# --- groups and conversations -------------------------------------------------------


async def _add_quiet_group(db: AsyncSession, ctx: _Context) -> Group:
    """An open group, long established, whose last word is six weeks old."""
    owner = ctx.uid("zoe-lambert")
    created = ctx.clock.days(QUIET_GROUP_DAYS)
    group = Group(
        slug="photo-walks",
        name=QUIET_GROUP,
        search_name=people_service.fold(QUIET_GROUP),
        description="Lunchtime photo walks around our sites, and the pictures that come of them.",
        visibility=Visibility.OPEN.value,
        created_by=owner,
        created_at=created,
    )
    db.add(group)
    await db.flush()
    assert group.id is not None
    db.add(GroupTag(group_id=group.id, tag="photography"))
    db.add(
        Activity(
            actor_id=owner,
            verb="created",
            object_type="group",
            object_id=group.id,
            source=group_source(group.id),
            created_at=created,
        )
    )
    members = ("zoe-lambert", "maxime-chevalier", "hugo-bernard", "oliver-bennett")
    for number, handle in enumerate(members):
        joined = created + timedelta(days=number)
        role = GroupRole.OWNER.value if handle == "zoe-lambert" else GroupRole.MEMBER.value
        db.add(Membership(group_id=group.id, user_id=ctx.uid(handle), role=role, created_at=joined))
        if number:
            db.add(
                Activity(
                    actor_id=ctx.uid(handle),
                    verb="joined",
                    object_type="group",
                    object_id=group.id,
                    source=group_source(group.id),
                    created_at=joined,
                )
            )
    await db.flush()
    await _recount_members(db, group)
    ctx.groups[QUIET_GROUP] = group
    return group


def _render(body: str) -> tuple[str, list[str]]:
    """Safe HTML and #topics of a demo text (the demo texts mention nobody)."""
    parsed = markdown.parse(body)
    tags = list(dict.fromkeys(markdown.topic_key(tag) for tag in parsed.tags))
    return markdown.render(parsed, set()), tags


async def _write_thread(db: AsyncSession, ctx: _Context, thread: Thread) -> Post:
    """One post with its comments and reactions, its counters equal to its rows."""
    when = ctx.clock.hours(thread.hours_ago)
    html, tags = _render(thread.body)
    if thread.where == "company":
        source, group_id = COMPANY_SOURCE, None
    else:
        group_id = ctx.gid(thread.where)
        source = group_source(group_id)
    post = Post(
        source=source,
        group_id=group_id,
        author_id=ctx.uid(thread.author),
        body=thread.body,
        html=html,
        created_at=when,
        topic_tags=" ".join(sorted(tags)),
        comment_count=len(thread.comments),
        reaction_count=len(thread.reactions),
    )
    for _handle, kind in thread.reactions:
        column = reaction_count_column(kind)
        setattr(post, column, getattr(post, column) + 1)
    db.add(post)
    await db.flush()
    assert post.id is not None
    for tag in tags:
        db.add(PostTopic(post_id=post.id, tag=tag, created_at=when))
    written: list[Comment] = []
    for number, (handle, text, reply_to) in enumerate(thread.comments):
        comment_html, _tags = _render(text)
        parent = written[reply_to] if reply_to is not None else None
        comment = Comment(
            post_id=post.id,
            parent_id=(parent.parent_id or parent.id) if parent is not None else None,
            author_id=ctx.uid(handle),
            body=text,
            html=comment_html,
            created_at=when + timedelta(minutes=40 * (number + 1)),
        )
        db.add(comment)
        await db.flush()
        written.append(comment)
        ctx.comments[(thread.key, number)] = comment
    for number, (handle, kind) in enumerate(thread.reactions):
        db.add(
            Reaction(
                post_id=post.id,
                user_id=ctx.uid(handle),
                kind=kind,
                created_at=when + timedelta(minutes=25 * (number + 1)),
            )
        )
    ctx.posts[thread.key] = post
    return post


async def _add_waiting_request(db: AsyncSession, ctx: _Context) -> None:
    """Charlotte asked to join the private Mobile App 2.0 five days ago; nobody answered."""
    group = ctx.groups["Mobile App 2.0"]
    asked = ctx.clock.days(5)
    db.add(
        GroupRequest(
            group_id=ctx.gid("Mobile App 2.0"),
            user_id=ctx.uid("charlotte-davies"),
            kind="request",
            state="pending",
            created_at=asked,
        )
    )
    managers = (
        await db.execute(
            select(col(Membership.user_id))
            .where(
                col(Membership.group_id) == group.id,
                col(Membership.role).in_([GroupRole.OWNER.value, GroupRole.ANIMATOR.value]),
            )
            .order_by(col(Membership.user_id))
        )
    ).scalars()
    for manager_id in list(managers):
        db.add(
            Notification(
                user_id=manager_id,
                kind=NotificationKind.JOIN_REQUEST.value,
                actor_id=ctx.uid("charlotte-davies"),
                group_id=group.id,
                created_at=asked,
                read_at=asked + timedelta(hours=3),
            )
        )


# --- spotlights ---------------------------------------------------------------------


async def _add_spotlights(db: AsyncSession, ctx: _Context) -> int:
    """One showing now, one waiting for its member, one from last month."""
    clock, lea = ctx.clock, ctx.uid(ANIMATOR)
    showing = Spotlight(
        member_id=ctx.uid("manon-leroy"),
        drafted_by=lea,
        works_on="Je refais la FAQ en libre-service avec Chloé : sur nos 40 pages les plus lues, "
        "18 étaient périmées. La partie facturation est déjà réécrite.",
        can_help_with="Répondre à un client hispanophone, écrire une réponse claire et courte.",
        looking_for="Des relecteurs côté produit pour les pages techniques de la FAQ.",
        why_now="Son projet de temps libre change déjà le quotidien du support : "
        "faisons-le connaître au-delà de Nantes.",
        state=SpotlightState.ACCEPTED.value,
        created_at=clock.days(5),
        decided_at=clock.days(3),
        starts_at=clock.days(2),
        ends_at=clock.days(2) + timedelta(days=7),
        version=3,  # drafted, edited by Manon, accepted
    )
    waiting = Spotlight(
        member_id=ctx.uid("laura-whitaker"),
        drafted_by=lea,
        works_on="Laura buys the components that go into every lamp we make, from LED drivers "
        "to the aluminium of the housings.",
        can_help_with="Finding a supplier, comparing quotes, negotiating a delivery date.",
        looking_for="Engineers to help her judge LED driver specifications.",
        why_now="Procurement touches every product, yet few engineers know how to help her.",
        state=SpotlightState.PROPOSED.value,
        created_at=clock.hours(20),
        starts_at=clock.now + timedelta(days=1),
        ends_at=clock.now + timedelta(days=8),
    )
    past = Spotlight(
        member_id=ctx.uid("samuel-cohen"),
        drafted_by=lea,
        works_on="J'ai animé six déjeuners SQL : quatorze collègues au premier, et chacun est "
        "reparti avec ses propres requêtes.",
        can_help_with="Écrire une requête, passer d'un export Excel à un tableau de bord.",
        looking_for="Des équipes qui refont les mêmes calculs à la main chaque mois.",
        why_now="Ses déjeuners SQL se terminent : le bon moment pour en parler à tous.",
        state=SpotlightState.ACCEPTED.value,
        created_at=clock.days(48),
        decided_at=clock.days(46),
        starts_at=clock.days(45),
        ends_at=clock.days(38),
        version=2,
    )
    db.add_all([showing, waiting, past])
    await db.flush()
    for spotlight in (showing, past):
        assert spotlight.id is not None
        db.add(
            Activity(
                actor_id=spotlight.member_id,
                verb="spotlighted",
                object_type="spotlight",
                object_id=spotlight.id,
                source=COMPANY_SOURCE,
                created_at=spotlight.starts_at,
            )
        )
        db.add(
            Notification(
                user_id=lea,
                kind=NotificationKind.SPOTLIGHT_ANSWERED.value,
                actor_id=spotlight.member_id,
                spotlight_id=spotlight.id,
                created_at=spotlight.decided_at or spotlight.created_at,
                read_at=(spotlight.decided_at or spotlight.created_at) + timedelta(hours=2),
            )
        )
    db.add(
        Notification(
            user_id=waiting.member_id,
            kind=NotificationKind.SPOTLIGHT_PROPOSED.value,
            actor_id=lea,
            spotlight_id=waiting.id,
            created_at=waiting.created_at,
        )
    )
    return 3


# --- moderation ---------------------------------------------------------------------


async def _add_reports(db: AsyncSession, ctx: _Context) -> int:
    """Three open reports, one dismissed, and a post hidden after a report."""
    clock, lea = ctx.clock, ctx.uid(ANIMATOR)
    hockey = ctx.posts["hockey"].id
    assert hockey is not None
    rude = ctx.comments[("lights", 4)]
    open_reports = [
        ContentReport(
            post_id=hockey,
            reporter_id=ctx.uid("yanis-belkacem"),
            reason="Petite annonce personnelle dans le fil de toute l'entreprise.",
            created_at=clock.hours(20),
        ),
        ContentReport(
            post_id=hockey,
            reporter_id=ctx.uid("sophie-tremblay"),
            reason="Une vente entre particuliers ici, est-ce permis ? Je préfère demander.",
            created_at=clock.hours(9),
        ),
        ContentReport(
            post_id=rude.post_id,
            comment_id=rude.id,
            reporter_id=ctx.uid("amina-diallo"),
            reason="Ce commentaire met en cause l'équipe des services généraux : "
            "ce n'est pas respectueux.",
            created_at=clock.days(8),
        ),
    ]
    maintenance = await _post_containing(db, "Platform maintenance on Saturday")
    assert maintenance.id is not None
    dismissed = ContentReport(
        post_id=maintenance.id,
        reporter_id=ctx.uid("elodie-fournier"),
        reason="Ça ne concerne que l'équipe technique, non ?",
        state=ReportState.DISMISSED.value,
        created_at=clock.hours(2),
        handled_by=lea,
        handled_at=clock.hours(1),
    )
    hidden_post = ctx.posts["phone_number"]
    assert hidden_post.id is not None
    hidden_at = clock.days(3)
    hide_reason = (
        "Ce message contient le numéro personnel d'un client. Passez par le ticket de support "
        "pour partager ses coordonnées."
    )
    actioned = ContentReport(
        post_id=hidden_post.id,
        reporter_id=ctx.uid("camille-roux"),
        reason="Le numéro de portable d'un client, en clair, visible par toute l'entreprise.",
        state=ReportState.ACTIONED.value,
        created_at=clock.days(3) - timedelta(hours=5),
        handled_by=lea,
        handled_at=hidden_at,
    )
    db.add_all([*open_reports, dismissed, actioned])
    await db.flush()
    hidden_post.hidden_at = hidden_at
    hidden_post.hidden_by = lea
    hidden_post.hidden_reason = hide_reason
    db.add_all(
        [
            ModerationAction(
                actor_id=lea,
                action="dismiss",
                post_id=maintenance.id,
                report_id=dismissed.id,
                reason="Le VPN sert aussi à Lyon, Nantes et Montréal : l'information concerne "
                "tout le monde.",
                created_at=clock.hours(1),
            ),
            ModerationAction(
                actor_id=lea,
                action="hide",
                post_id=hidden_post.id,
                report_id=actioned.id,
                reason=hide_reason,
                created_at=hidden_at,
            ),
            Notification(
                user_id=hidden_post.author_id,
                kind=NotificationKind.CONTENT_HIDDEN.value,
                actor_id=lea,
                post_id=hidden_post.id,
                created_at=hidden_at,
            ),
        ]
    )
    return len(open_reports) + 2


# --- charters -----------------------------------------------------------------------


async def _accept(db: AsyncSession, charter: Charter, user_ids: list[int], start: datetime) -> None:
    """Each person accepted ``charter`` within a few hours of one another from ``start``."""
    assert charter.id is not None
    for number, user_id in enumerate(user_ids):
        db.add(
            CharterAcceptance(
                charter_id=charter.id,
                user_id=user_id,
                accepted_at=start + timedelta(hours=3 * number),
            )
        )


async def _member_ids(db: AsyncSession, group: Group) -> list[int]:
    return list(
        (
            await db.execute(
                select(col(Membership.user_id))
                .where(col(Membership.group_id) == group.id)
                .order_by(col(Membership.user_id))
            )
        ).scalars()
    )


async def _add_charters(db: AsyncSession, ctx: _Context, newcomers: list[User]) -> None:
    """The company charter (v1 over a year old, v2 accepted by everyone) and two groups'."""
    clock, lea = ctx.clock, ctx.uid(ANIMATOR)
    company_v1 = Charter(
        version=1, body=COMPANY_CHARTER_V1, created_by=lea, created_at=clock.days(400)
    )
    company_v2 = Charter(
        version=2, body=COMPANY_CHARTER_V2, created_by=lea, created_at=clock.days(30)
    )
    owner = ctx.uid("sophie-tremblay")
    voice = ctx.groups["Customer Voice"]
    voice_v1 = Charter(
        group_id=voice.id,
        version=1,
        body=CUSTOMER_VOICE_CHARTER_V1,
        created_by=owner,
        created_at=clock.days(15),
    )
    voice_v2 = Charter(
        group_id=voice.id,
        version=2,
        body=CUSTOMER_VOICE_CHARTER_V2,
        created_by=owner,
        created_at=clock.days(3),
    )
    walks = ctx.groups[QUIET_GROUP]
    walks_charter = Charter(
        group_id=walks.id,
        version=1,
        body=PHOTO_WALKS_CHARTER,
        created_by=ctx.uid("zoe-lambert"),
        created_at=clock.days(QUIET_GROUP_DAYS - 1),
    )
    db.add_all([company_v1, company_v2, voice_v1, voice_v2, walks_charter])
    await db.flush()
    newcomer_ids = {user.id for user in newcomers}
    veterans = sorted(
        user.id
        for user in ctx.people.values()
        if user.id is not None
        and user.id not in newcomer_ids
        and user.email.endswith("@lumiere.example")
    )
    await _accept(db, company_v1, veterans, clock.days(399))
    await _accept(db, company_v2, veterans, clock.days(29))
    # Newcomers accepted the charter of the day at their first (and only) login.
    for number, user in enumerate(newcomers):
        assert user.id is not None
        await _accept(db, company_v2, [user.id], clock.days(21 + number) + timedelta(hours=9))
    voice_members = await _member_ids(db, voice)
    await _accept(db, voice_v1, voice_members, clock.days(13))
    # Only a few members accepted the new version: the others see the gentle banner.
    keen = {ctx.uid(handle) for handle in ("sophie-tremblay", "lucas-petit", "daniel-walsh")}
    await _accept(db, voice_v2, [m for m in voice_members if m in keen], clock.days(2))
    await _accept(db, walks_charter, await _member_ids(db, walks), clock.days(QUIET_GROUP_DAYS))


# --- curation and impact ------------------------------------------------------------


async def _add_featuring(db: AsyncSession, ctx: _Context) -> None:
    """A post featured company-wide, a post pinned in its group, a featured group."""
    clock = ctx.clock
    budget = ctx.posts["budget"]
    assert budget.id is not None
    circle_post = await _post_containing(db, "Next circle on Tuesday")
    assert circle_post.id is not None
    db.add_all(
        [
            FeaturedPost(
                post_id=budget.id,
                featured_by=ctx.uid(ANIMATOR),
                created_at=clock.days(2),
                expires_at=clock.now + timedelta(days=5),
            ),
            FeaturedPost(
                post_id=circle_post.id,
                group_id=circle_post.group_id,
                featured_by=ctx.uid("sarah-mitchell"),
                created_at=clock.days(2),
                expires_at=clock.now + timedelta(days=7),
            ),
        ]
    )
    ctx.groups["Green IT"].featured_until = clock.now + timedelta(days=10)


async def _add_impact_stories(db: AsyncSession, ctx: _Context) -> None:
    """What came of four conversations, as Léa tagged them."""
    clock, lea = ctx.clock, ctx.uid(ANIMATOR)
    origin = (
        (
            await db.execute(
                select(col(Proposal.origin_post_id))
                .where(col(Proposal.origin_post_id).is_not(None))
                .order_by(col(Proposal.id))
            )
        )
        .scalars()
        .first()
    )
    csv = origin or (await _post_containing(db, "export their invoices as CSV")).id
    green = (await _post_containing(db, "Caching dependencies could save")).id
    figma = (await _post_containing(db, "Who knows **Figma** well?")).id
    window = (await _post_containing(db, "a window function replaced")).id
    assert csv is not None and green is not None and figma is not None and window is not None
    stories = (
        (
            csv,
            ImpactOutcome.BECAME_PROPOSAL,
            "La question de Chloé est devenue la proposition « Export invoices as CSV », "
            "avec Lucas.",
            3,
        ),
        (
            green,
            ImpactOutcome.FIRST_CROSS_TEAM_CONTACT,
            "Claire (Finance) et Inès se sont parlé pour la première fois : la finance chiffre "
            "désormais les économies de Green IT.",
            7,
        ),
        (
            figma,
            ImpactOutcome.GOT_HELP,
            "Maxime a mis en page le livret d'accueil des RH en deux après-midi.",
            10,
        ),
        (
            window,
            ImpactOutcome.IDEA_ADOPTED,
            "Le marketing calcule maintenant son churn mensuel avec la requête de Samuel.",
            1,
        ),
    )
    for post_id, outcome, note, days_ago in stories:
        db.add(
            ImpactStory(
                post_id=post_id,
                outcome=outcome.value,
                note=note,
                tagged_by=lea,
                created_at=clock.days(days_ago),
            )
        )


async def seed_animation(db: AsyncSession) -> AnimationSeed:
    """Give the demo animator something to do; one transaction, committed at the end.

    Runs after the people, conversations and proposals of the demo exist.
    """
    ctx = _Context(
        clock=_Clock(utcnow()),
        people=await _people_by_handle(db),
        groups=await _groups_by_name(db),
        posts={},
        comments={},
    )
    await _age_the_company(db, ctx)
    newcomers = await _add_newcomers(db, ctx)
    await _keep_departments_apart(db, ctx)
    await _add_quiet_group(db, ctx)
    for thread in THREADS:
        await _write_thread(db, ctx, thread)
    await _add_waiting_request(db, ctx)
    spotlights = await _add_spotlights(db, ctx)
    reports = await _add_reports(db, ctx)
    await _add_charters(db, ctx, newcomers)
    await _add_featuring(db, ctx)
    await _add_impact_stories(db, ctx)
    await db.commit()
    return AnimationSeed(
        newcomers=len(newcomers),
        groups=1,
        posts=len(THREADS),
        spotlights=spotlights,
        reports=reports,
    )
