"""Bridges between departments: who talks to whom, who never does, who links them.

How interactions are counted over the period (``Profile.department`` of
active accounts; people without a department are left out):

- a reply: one comment on a post by someone else counts 1 from the
  commenter's department to the post author's department;
- a reaction: one reaction to a post by someone else counts 1 from the
  reactor's department to the post author's department;
- a shared group: each group (merged groups left out) counts 1 for every pair
  of different departments among its current members, in both directions —
  once per group, however many members, so one big group cannot outweigh the
  conversation. Memberships are today's, not the period's.

Two departments "never interact" when none of the three links them, in either
direction. The queries return pairs of people or (group, department) pairs,
bounded by the number of people and groups, never one row per message.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.animation.health.activity import Period
from esn.groups.models import Group, Membership
from esn.people.models import Profile, Skill
from esn.people.service import fold
from esn.stream.models import Comment, Post, Reaction

# Beyond this, a matrix is no longer readable: the largest departments are kept.
MAX_DEPARTMENTS = 40
MAX_BRIDGERS = 10
MAX_INTRODUCTIONS = 20
# A few suggestions per pair of departments, so one pair does not fill the list.
MAX_INTRODUCTIONS_PER_PAIR = 2
# Words that say nothing about a skill, in English and French (already folded).
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "for",
        "with",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "or",
        "my",
        "our",
        "your",
        "i",
        "me",
        "we",
        "you",
        "is",
        "are",
        "be",
        "can",
        "how",
        "help",
        "helping",
        "helps",
        "looking",
        "look",
        "someone",
        "people",
        "who",
        "what",
        "about",
        "from",
        "into",
        "more",
        "need",
        "needs",
        "want",
        "wants",
        "new",
        "good",
        "work",
        "working",
        "team",
        "teams",
        "any",
        "some",
        "other",
        "et",
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "un",
        "une",
        "pour",
        "avec",
        "sur",
        "dans",
        "en",
        "au",
        "aux",
        "mon",
        "ma",
        "mes",
        "nos",
        "vos",
        "je",
        "nous",
        "vous",
        "est",
        "sont",
        "qui",
        "que",
        "quoi",
        "aide",
        "aider",
        "cherche",
        "recherche",
        "besoin",
        "personne",
        "personnes",
        "equipe",
        "equipes",
        "travail",
        "faire",
        "plus",
        "autre",
        "autres",
        "ou",
        "par",
    ]
)
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]*")


def keywords(text: str) -> dict[str, str]:
    """The meaningful words of ``text``, stop words out: each word's matching form
    (folded: no case, no accents; a plural "s" dropped so "APIs" meets "API")
    mapped to the word as written (folded), to explain a match."""
    words: dict[str, str] = {}
    for word in _WORD.findall(fold(text)):
        if word in STOP_WORDS or len(word) < 2:
            continue
        stem = (
            word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
        )
        words.setdefault(stem, word)
    return words


@dataclass
class Cell:
    """Interactions from one department to another."""

    replies: int = 0
    reactions: int = 0
    shared_groups: int = 0

    @property
    def total(self) -> int:
        """Replies, reactions and shared groups together."""
        return self.replies + self.reactions + self.shared_groups


@dataclass(frozen=True)
class Person:
    """Someone named in the per-person tables (animators and administrators only)."""

    user_id: int
    name: str
    handle: str
    department: str


@dataclass(frozen=True)
class Bridger:
    """A person and the other departments they exchanged with in the period."""

    person: Person
    departments: tuple[str, ...]
    interactions: int


@dataclass(frozen=True)
class Introduction:
    """Two people of departments that never interact, and why they might meet."""

    first: Person
    second: Person
    first_needs_met: tuple[str, ...]  # what ``first`` looks for that ``second`` offers
    second_needs_met: tuple[str, ...]  # and the other way round
    shared_skills: tuple[str, ...]

    @property
    def score(self) -> int:
        """A need met weighs twice a shared skill."""
        return 2 * (len(self.first_needs_met) + len(self.second_needs_met)) + len(
            self.shared_skills
        )


@dataclass
class Bridges:
    """The department matrix and what it tells."""

    departments: list[str]
    cells: dict[tuple[str, str], Cell]
    never: list[tuple[str, str]] = field(default_factory=list)
    bridgers: list[Bridger] = field(default_factory=list)
    introductions: list[Introduction] = field(default_factory=list)
    left_out: int = 0  # smaller departments beyond MAX_DEPARTMENTS

    def cell(self, source: str, target: str) -> Cell:
        """Interactions from ``source`` to ``target`` (an empty cell when none)."""
        return self.cells.get((source, target), Cell())

    def totals(self) -> list[list[int]]:
        """The matrix of totals, rows and columns in ``departments`` order."""
        return [[self.cell(a, b).total for b in self.departments] for a in self.departments]

    @property
    def pair_count(self) -> int:
        """Pairs of different departments."""
        size = len(self.departments)
        return size * (size - 1) // 2

    @property
    def interacting_share(self) -> float | None:
        """Share of department pairs linked at all, or None with fewer than two."""
        if not self.pair_count:
            return None
        return (self.pair_count - len(self.never)) / self.pair_count


async def _people(db: AsyncSession) -> dict[int, Person]:
    statement = (
        select(
            col(Profile.user_id),
            col(Profile.display_name),
            col(Profile.handle),
            col(Profile.department),
        )
        .join(User, col(User.id) == col(Profile.user_id))
        .where(col(User.is_active).is_(True), col(Profile.department) != "")
    )
    return {
        user_id: Person(user_id, name, handle, department.strip())
        for user_id, name, handle, department in (await db.execute(statement)).all()
        if department.strip()
    }


async def _person_pairs(db: AsyncSession, period: Period, kind: str) -> list[tuple[int, int, int]]:
    """(actor, post author, count) of replies or reactions to someone else's post."""
    actor: Any
    if kind == "replies":
        actor, created_at = col(Comment.author_id), col(Comment.created_at)
        extra = [col(Comment.hidden_at).is_(None)]
        joined = select(actor, col(Post.author_id), func.count()).join(
            Post, col(Post.id) == col(Comment.post_id)
        )
    else:
        actor, created_at = col(Reaction.user_id), col(Reaction.created_at)
        extra = []
        joined = select(actor, col(Post.author_id), func.count()).join(
            Post, col(Post.id) == col(Reaction.post_id)
        )
    statement = joined.where(
        created_at >= period.start,
        created_at < period.end,
        actor != col(Post.author_id),
        *extra,
    ).group_by(actor, col(Post.author_id))
    return [(int(a), int(b), int(n)) for a, b, n in (await db.execute(statement)).all()]


async def _group_departments(db: AsyncSession, people: dict[int, Person]) -> dict[int, set[str]]:
    statement = (
        select(col(Membership.group_id), col(Membership.user_id))
        .join(Group, col(Group.id) == col(Membership.group_id))
        .where(col(Group.merged_into_id).is_(None))
    )
    departments: dict[int, set[str]] = defaultdict(set)
    for group_id, user_id in (await db.execute(statement)).all():
        person = people.get(user_id)
        if person is not None:
            departments[group_id].add(person.department)
    return departments


def _bridgers(
    people: dict[int, Person], pairs: list[tuple[int, int, int]], kept: set[str]
) -> list[Bridger]:
    reached: dict[int, set[str]] = defaultdict(set)
    counts: Counter[int] = Counter()
    for actor_id, author_id, count in pairs:
        actor, author = people.get(actor_id), people.get(author_id)
        if actor is None or author is None or actor.department == author.department:
            continue
        # Both ends bridge: the one who answers and the one who is answered.
        for one, other in ((actor, author), (author, actor)):
            if other.department in kept:
                reached[one.user_id].add(other.department)
                counts[one.user_id] += count
    ranked = sorted(
        reached,
        key=lambda uid: (-len(reached[uid]), -counts[uid], fold(people[uid].name), uid),
    )
    return [
        Bridger(people[uid], tuple(sorted(reached[uid], key=fold)), counts[uid])
        for uid in ranked[:MAX_BRIDGERS]
    ]


async def bridges(db: AsyncSession, period: Period) -> Bridges:
    """The matrix, the pairs that never interact, the bridgers and the introductions."""
    people = await _people(db)
    sizes = Counter(person.department for person in people.values())
    ordered = sorted(sizes, key=lambda name: (-sizes[name], fold(name)))
    kept = sorted(ordered[:MAX_DEPARTMENTS], key=fold)
    kept_set = set(kept)
    cells: dict[tuple[str, str], Cell] = defaultdict(Cell)
    replies = await _person_pairs(db, period, "replies")
    reactions = await _person_pairs(db, period, "reactions")
    for pairs, kind in ((replies, "replies"), (reactions, "reactions")):
        for actor_id, author_id, count in pairs:
            actor, author = people.get(actor_id), people.get(author_id)
            if actor is None or author is None:
                continue
            if actor.department in kept_set and author.department in kept_set:
                cell = cells[(actor.department, author.department)]
                setattr(cell, kind, getattr(cell, kind) + count)
    for departments in (await _group_departments(db, people)).values():
        for a, b in itertools.combinations(sorted(departments & kept_set), 2):
            cells[(a, b)].shared_groups += 1
            cells[(b, a)].shared_groups += 1
    result = Bridges(departments=kept, cells=dict(cells), left_out=len(ordered) - len(kept))
    result.never = [
        (a, b)
        for a, b in itertools.combinations(kept, 2)
        if result.cell(a, b).total + result.cell(b, a).total == 0
    ]
    result.bridgers = _bridgers(people, replies + reactions, kept_set)
    result.introductions = await _introductions(db, people, result.never)
    return result


@dataclass
class _Interests:
    needs: dict[str, str] = field(default_factory=dict)  # words of "what I'm looking for"
    offers: set[str] = field(default_factory=set)  # words of skills and "how I can help"
    skills: dict[str, str] = field(default_factory=dict)  # skill key -> name as typed


async def _interests(
    db: AsyncSession, people: dict[int, Person], departments: set[str]
) -> dict[int, _Interests]:
    ids = [uid for uid, person in people.items() if person.department in departments]
    interests: dict[int, _Interests] = defaultdict(_Interests)
    if not ids:
        return interests
    # Chunked IN lists stay under every driver's parameter limit.
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        profiles = await db.execute(
            select(
                col(Profile.user_id), col(Profile.looking_for), col(Profile.how_i_can_help)
            ).where(col(Profile.user_id).in_(chunk))
        )
        for user_id, looking_for, how_i_can_help in profiles.all():
            interests[user_id].needs.update(keywords(looking_for))
            interests[user_id].offers |= keywords(how_i_can_help).keys()
        skills = await db.execute(
            select(col(Skill.user_id), col(Skill.name), col(Skill.key)).where(
                col(Skill.user_id).in_(chunk)
            )
        )
        for user_id, name, key in skills.all():
            interests[user_id].skills[key] = name
            interests[user_id].offers |= keywords(name).keys()
    return interests


async def _introductions(
    db: AsyncSession, people: dict[int, Person], never: list[tuple[str, str]]
) -> list[Introduction]:
    """Pairs of people across departments that never interact, matched on what one
    looks for and the other offers (skills, "how I can help"), or on shared skills."""
    if not never:
        return []
    departments = {name for pair in never for name in pair}
    interests = await _interests(db, people, departments)
    members: dict[str, list[int]] = defaultdict(list)
    offer_index: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    skill_index: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for uid, found in interests.items():
        department = people[uid].department
        members[department].append(uid)
        for word in found.offers:
            offer_index[department][word].add(uid)
        for key in found.skills:
            skill_index[department][key].add(uid)
    chosen: list[Introduction] = []
    for first_department, second_department in never:
        candidates: dict[tuple[int, int], dict[str, set[str]]] = defaultdict(
            lambda: {"first": set(), "second": set(), "skills": set()}
        )
        for uid in members[first_department]:
            for stem, word in interests[uid].needs.items():
                for other in offer_index[second_department].get(stem, ()):
                    candidates[(uid, other)]["first"].add(word)
            for key in interests[uid].skills:
                for other in skill_index[second_department].get(key, ()):
                    candidates[(uid, other)]["skills"].add(interests[uid].skills[key])
        for other in members[second_department]:
            for stem, word in interests[other].needs.items():
                for uid in offer_index[first_department].get(stem, ()):
                    candidates[(uid, other)]["second"].add(word)
        matches = [
            Introduction(
                first=people[a],
                second=people[b],
                first_needs_met=tuple(sorted(found["first"])),
                second_needs_met=tuple(sorted(found["second"])),
                shared_skills=tuple(sorted(found["skills"], key=fold)),
            )
            for (a, b), found in candidates.items()
        ]
        matches.sort(key=lambda m: (-m.score, fold(m.first.name), fold(m.second.name)))
        used: set[int] = set()
        taken = 0
        for match in matches:
            # Different people in each suggestion of one pair of departments.
            if match.first.user_id in used or match.second.user_id in used:
                continue
            chosen.append(match)
            used |= {match.first.user_id, match.second.user_id}
            taken += 1
            if taken == MAX_INTRODUCTIONS_PER_PAIR:
                break
    chosen.sort(key=lambda m: (-m.score, fold(m.first.name), fold(m.second.name)))
    return chosen[:MAX_INTRODUCTIONS]
