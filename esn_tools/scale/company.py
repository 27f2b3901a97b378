"""The structure of a synthetic company: people, org chart, groups, follows.

Everything here fits in memory even at scale L (50 000 people, 2 000 groups,
five million follows kept as lists of ids); the conversation (esn_tools.scale.
content) is streamed. Each part draws from its own random.Random seeded with
a fixed string, so a change in one part does not reshuffle the others and the
same scale always gives the same company.

Times are integers (microseconds since the epoch, UTC). The structure
(hires, groups, memberships, follows) predates the two years of conversation,
so nobody posts in a group before joining it.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from esn.accounts.models import Role
from esn.groups.models import GroupRole, Visibility
from esn.groups.service import slug_from_name, tag_key
from esn.people.service import fold, skill_key
from esn.stream.markdown import topic_key
from esn_tools.scale import words
from esn_tools.scale.sizes import Scale

RANDOM_SEED = "esn-scale-2026"
SECOND = 1_000_000
DAY = 86_400 * SECOND
CONVERSATION_DAYS = 730
EMAIL_DOMAIN = "scale.example"
PASSWORD = "bench-password-2026"  # noqa: S105 - printed for benchmark operators on purpose

Row = tuple[object, ...]
# Turns microseconds since the epoch into what the database driver takes.
StampFunction = Callable[[int], object]


def part_random(part: str) -> random.Random:
    """The random stream of one part of the company (same part, same numbers)."""
    return random.Random(f"{RANDOM_SEED}:{part}")  # noqa: S311 - synthetic data


@dataclass(frozen=True)
class Weighted:
    """A population with cumulative weights, for fast repeated ``random.choices``."""

    population: list[int]
    cumulative: list[float]

    @classmethod
    def of(cls, population: Sequence[int], weights: Sequence[float]) -> Weighted | None:
        """None when nothing has a positive weight (nobody to choose)."""
        pairs = [(item, weight) for item, weight in zip(population, weights, strict=True)]
        kept = [(item, weight) for item, weight in pairs if weight > 0]
        if not kept:
            return None
        return cls([item for item, _w in kept], list(itertools.accumulate(w for _i, w in kept)))

    def pick(self, rng: random.Random, count: int = 1) -> list[int]:
        """``count`` draws with replacement."""
        return rng.choices(self.population, cum_weights=self.cumulative, k=count)


@dataclass
class Person:
    """One employee and what the generators need to know about them."""

    id: int
    name: str
    handle: str
    email: str
    department: int
    site: int
    manager_id: int | None = None
    role: str = Role.EMPLOYEE.value
    title: str = ""
    hired: int = 0
    idle: bool = False
    activity: float = 0.0
    reports: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    follows: list[int] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


@dataclass
class GroupPlan:
    """One group: identity, visibility, popularity and members (owner first)."""

    id: int
    name: str
    slug: str
    visibility: str
    description: str
    tags: tuple[str, ...]
    department: int | None
    site: int | None
    weight: float
    created: int
    members: list[int] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)

    @property
    def owner(self) -> int:
        """The creator, who owns the group."""
        return self.members[0]


def handle_base(name: str) -> str:
    """The handle esn.people.service derives from a name (before numbering)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug[:48] or "person"


def _ascii_word(text: str) -> str:
    return re.sub(r"[^a-z]", "", fold(text)) or "x"


class Company:
    """The people and groups of one scale, built deterministically in memory."""

    def __init__(self, scale: Scale, now: int) -> None:
        self.scale = scale
        self.now = now
        self.conversation_start = now - CONVERSATION_DAYS * DAY
        self.departments = words.DEPARTMENTS[: scale.departments]
        self.people: list[Person] = []
        self.groups: list[GroupPlan] = []
        self.busiest_id = 0
        self._build_people()
        self._build_groups()
        self._join_groups()
        self._follow_people()
        self._follow_topics()

    # --- people ---------------------------------------------------------------

    def person(self, user_id: int) -> Person:
        """The person with this id (ids are 1..people)."""
        return self.people[user_id - 1]

    @property
    def active_ids(self) -> list[int]:
        """Everyone who takes part (the idle people follow and join nothing)."""
        return [person.id for person in self.people if not person.idle]

    def _build_people(self) -> None:
        rng = part_random("people")
        count = self.scale.people
        department_weights = [department.weight for department in self.departments]
        # Every department has its head; the CEO sits in Operations.
        ceo_department = next(i for i, d in enumerate(self.departments) if d.name == "Operations")
        departments = [ceo_department, *range(len(self.departments))]
        departments += rng.choices(
            range(len(self.departments)), weights=department_weights, k=count - len(departments)
        )
        taken_handles: set[str] = set()
        for index, department in enumerate(departments):
            user_id = index + 1
            name = f"{rng.choice(words.FIRST_NAMES)} {rng.choice(words.LAST_NAMES)}"
            first, last = name.split(" ", 1)
            base = handle_base(name)
            handle, number = base, 1
            while handle in taken_handles:
                number += 1
                handle = f"{base}-{number}"
            taken_handles.add(handle)
            email = f"{_ascii_word(first)}.{_ascii_word(last)}.{user_id}@{EMAIL_DOMAIN}"
            self.people.append(Person(user_id, name, handle, email, department, site=0))
        self._org_chart(rng)
        self._sites_titles_and_roles(rng)
        self._activity(rng)

    def _org_chart(self, rng: random.Random) -> None:
        """Department heads report to the CEO; below them, teams of three to nine."""
        ceo = self.people[0]
        for department in range(len(self.departments)):
            staff = [p for p in self.people[1:] if p.department == department]
            head, others = staff[0], staff[1:]
            head.manager_id = ceo.id
            ceo.reports.append(head.id)
            # Breadth first, so managers come before their reports.
            openings = deque([(head, rng.randint(3, 9))])
            for person in others:
                manager, room = openings[0]
                person.manager_id = manager.id
                manager.reports.append(person.id)
                openings[0] = (manager, room - 1)
                if room - 1 == 0:
                    openings.popleft()
                openings.append((person, rng.randint(3, 9)))

    def _sites_titles_and_roles(self, rng: random.Random) -> None:
        site_weights = [site.weight for site in words.SITES]
        start = self.conversation_start
        for person in self.people:
            department = self.departments[person.department]
            if person.manager_id is None or person.manager_id == 1:
                person.site = (
                    0
                    if rng.random() < 0.7
                    else rng.choices(range(len(words.SITES)), site_weights)[0]
                )
            elif rng.random() < 0.5:  # half of a team sits with its manager
                person.site = self.person(person.manager_id).site
            else:
                person.site = rng.choices(range(len(words.SITES)), weights=site_weights)[0]
            if person.id == 1:
                person.title = "Chief Executive Officer"
            elif person.manager_id == 1:
                person.title = department.head_title
            elif person.reports:
                person.title = rng.choice(department.manager_titles)
            else:
                seniority = rng.choices(("", "Senior ", "Junior ", "Principal "), (62, 25, 8, 5))
                person.title = seniority[0] + rng.choice(department.titles)
            years = 8 if person.id == 1 else rng.uniform(0.1, 7.0)
            person.hired = start - int(years * 365 * DAY) - rng.randrange(30 * DAY)
        individuals = [p for p in self.people if not p.reports and p.id != 1]
        by_department = {d.name: i for i, d in enumerate(self.departments)}
        admin_home = by_department.get("IT", by_department["Engineering"])
        admins = [p for p in individuals if p.department == admin_home][:2]
        for person in admins:
            person.role = Role.ADMIN.value
            person.title = "Collaboration Tools Administrator"
        animator_homes = {
            by_department[name]
            for name in ("Communications", "Human Resources", "Marketing")
            if name in by_department
        }
        candidates = [
            p for p in individuals if p.department in animator_homes and p.role == Role.EMPLOYEE
        ]
        for person in candidates[: max(2, self.scale.people // 250)]:
            person.role = Role.ANIMATOR.value
            person.title = "Community Manager"
        self.busiest_id = next(p.id for p in self.people if p.role == Role.ANIMATOR.value)
        plain = [p for p in individuals if p.role == Role.EMPLOYEE.value]
        for person in rng.sample(plain, max(3, self.scale.people // 1000)):
            person.idle = True

    def _activity(self, rng: random.Random) -> None:
        """Zipf-like: a few people post and comment a lot, many rarely."""
        taking_part = [p for p in self.people if not p.idle]
        rng.shuffle(taking_part)
        offset = self.scale.people / 100 + 1
        for rank, person in enumerate(taking_part):
            lurker = 0.1 if rng.random() < 0.2 else 1.0
            person.activity = lurker / (rank + offset)
        everyone = Weighted.of([p.id for p in self.people], [p.activity for p in self.people])
        assert everyone is not None
        self.everyone: Weighted = everyone

    # --- groups ---------------------------------------------------------------

    def _build_groups(self) -> None:
        rng = part_random("groups")
        names: set[str] = set()
        slugs: set[str] = set()
        shares = {Visibility.OPEN.value: 60, Visibility.PRIVATE.value: 30, "secret": 10}
        forced = [Visibility.OPEN.value, Visibility.PRIVATE.value, Visibility.SECRET.value]
        for index in range(self.scale.groups):
            if index < len(forced):
                visibility = forced[index]
            else:
                visibility = rng.choices(list(shares), weights=list(shares.values()))[0]
            group = self._invent_group(rng, index + 1, visibility, names)
            base = slug_from_name(group.name)
            slug, number = base, 1
            while slug in slugs or slug == "new":
                number += 1
                slug = f"{base}-{number}"
            slugs.add(slug)
            group.slug = slug
            self.groups.append(group)

    def _invent_group(
        self, rng: random.Random, group_id: int, visibility: str, names: set[str]
    ) -> GroupPlan:
        department: int | None = None
        site: int | None = None
        popularity = rng.paretovariate(1.3)
        if visibility == Visibility.OPEN.value:
            theme, tags = rng.choice(words.COMMUNITY_THEMES)
            kind = rng.choice(words.COMMUNITY_KINDS)
            name = f"{theme} {kind}"
            if rng.random() < 0.3:
                site = rng.randrange(len(words.SITES))
                name = f"{words.SITES[site].city} {name}"
            description = (
                f"Everyone interested in {theme}: news, questions and tips, whatever "
                "your department or site."
            )
        elif visibility == Visibility.PRIVATE.value and rng.random() < 0.5:
            department = rng.randrange(len(self.departments))
            name = f"{self.departments[department].name} {rng.choice(words.TEAM_KINDS)}"
            tags = (tag_key(self.departments[department].name),)
            description = "Our team's space: plans, decisions and day-to-day questions."
            popularity *= 0.6
        else:
            codename = rng.choice(words.PROJECT_CODENAMES)
            name = f"Project {codename}"
            if visibility == Visibility.SECRET.value and rng.random() < 0.4:
                name = rng.choice(words.SECRET_GROUP_NAMES)
            department = rng.randrange(len(self.departments))
            tags = (codename.lower(), rng.choice(("roadmap", "launch", "strategy")))
            description = "Confidential project work; please keep it in this group."
            popularity *= 0.3 if visibility == Visibility.SECRET.value else 0.6
        unique = name
        number = 1
        while unique in names:
            number += 1
            unique = f"{name} {number}"
        names.add(unique)
        extra = rng.choice(words.TOPICS)
        all_tags = tuple(dict.fromkeys(t for t in (*tags, tag_key(extra)) if t))
        created = self.conversation_start - rng.randrange(DAY, 400 * DAY)
        return GroupPlan(
            group_id, unique, "", visibility, description, all_tags[: rng.randint(1, 4)],
            department, site, popularity, created,
        )  # fmt: skip

    def _join_groups(self) -> None:
        rng = part_random("memberships")
        scale = self.scale
        every_group = Weighted.of([g.id for g in self.groups], [g.weight for g in self.groups])
        assert every_group is not None
        by_department = {
            d: Weighted.of(
                [g.id for g in self.groups if g.department == d],
                [g.weight for g in self.groups if g.department == d],
            )
            for d in range(len(self.departments))
        }
        by_site = {
            s: Weighted.of(
                [g.id for g in self.groups if g.site == s],
                [g.weight for g in self.groups if g.site == s],
            )
            for s in range(len(words.SITES))
        }
        cap = min(25, max(1, len(self.groups) - 2))
        for person in self.people:
            if person.idle:
                continue
            if person.id == self.busiest_id:
                wanted = min(scale.busiest_groups, len(self.groups))
            else:
                wanted = round(scale.groups_per_person * rng.lognormvariate(0, 0.5))
                wanted = max(1, min(cap, wanted))
            chosen: dict[int, None] = {}
            for _attempt in range(wanted * 30):
                if len(chosen) >= wanted:
                    break
                draw = rng.random()
                source = every_group
                if draw < 0.35:
                    source = by_department[person.department] or every_group
                elif draw < 0.5:
                    source = by_site[person.site] or every_group
                chosen[source.pick(rng)[0]] = None
            person.groups = sorted(chosen)
        for person in self.people:
            for group_id in person.groups:
                self.groups[group_id - 1].members.append(person.id)
        active = self.active_ids
        for group in self.groups:
            # A group of one or two is a dead group: bring a few colleagues in.
            while len(group.members) < 3:
                newcomer = rng.choice(active)
                if newcomer not in group.members:
                    group.members.append(newcomer)
                    self.person(newcomer).groups.append(group.id)
            self._give_roles(rng, group)
        for person in self.people:
            person.groups.sort()

    def _give_roles(self, rng: random.Random, group: GroupPlan) -> None:
        """The owner is a manager of the group's department when there is one."""
        leaders = [
            m for m in group.members
            if self.person(m).reports
            and (group.department is None or self.person(m).department == group.department)
        ]  # fmt: skip
        owner = rng.choice(leaders) if leaders else rng.choice(group.members)
        group.members.remove(owner)
        group.members.sort()
        group.members.insert(0, owner)
        group.roles[owner] = GroupRole.OWNER.value
        size = len(group.members)
        animators = 0 if size < 5 else 1 if size < 30 else 2 if size < 200 else 3
        for animator in rng.sample(group.members[1:], animators):
            group.roles[animator] = GroupRole.ANIMATOR.value

    # --- follows ----------------------------------------------------------------

    def _follow_people(self) -> None:
        rng = part_random("follows")
        scale = self.scale
        people_ids = [p.id for p in self.people]
        colleagues = {
            d: Weighted.of(
                [p.id for p in self.people if p.department == d],
                [p.activity + 0.001 for p in self.people if p.department == d],
            )
            for d in range(len(self.departments))
        }
        cap = min(300, scale.follows_per_person * 3, scale.people - 2)
        for person in self.people:
            if person.idle:
                continue
            if person.id == self.busiest_id:
                wanted = min(scale.busiest_follows, scale.people - 1)
            else:
                wanted = round(scale.follows_per_person * rng.lognormvariate(0, 0.6))
                wanted = max(2, min(cap, wanted))
            chosen: dict[int, None] = {}
            if person.manager_id is not None:
                chosen[person.manager_id] = None
            for report in person.reports[:20]:
                chosen[report] = None
            team = colleagues[person.department]
            assert team is not None
            for _attempt in range(wanted * 30):
                if len(chosen) >= wanted:
                    break
                draw = rng.random()
                if draw < 0.4:
                    followee = team.pick(rng)[0]
                elif draw < 0.8:
                    followee = self.everyone.pick(rng)[0]
                else:
                    followee = rng.choice(people_ids)
                if followee != person.id:
                    chosen[followee] = None
            person.follows = list(chosen)

    def _follow_topics(self) -> None:
        rng = part_random("topics")
        weights = [1 / (rank + 1) for rank in range(len(words.TOPICS))]
        for person in self.people:
            if person.idle:
                continue
            if person.id == self.busiest_id:
                wanted = 12
            elif rng.random() < 0.3:
                wanted = rng.randint(1, 8)
            else:
                continue
            picked = rng.choices(words.TOPICS, weights=weights, k=wanted * 3)
            person.topics = list(dict.fromkeys(topic_key(tag) for tag in picked))[:wanted]

    # --- rows ----------------------------------------------------------------------

    def user_rows(self, stamp: StampFunction, password_hash: str) -> Iterator[Row]:
        """id, email, password_hash, role, is_active, locale, timezone, created_at."""
        rng = part_random("accounts")
        for p in self.people:
            site = words.SITES[p.site]
            locale = site.locale if rng.random() < 0.85 else None
            yield (p.id, p.email, password_hash, p.role, True, locale, site.timezone,
                   stamp(p.hired))  # fmt: skip

    def profile_rows(self, stamp: StampFunction) -> Iterator[Row]:
        """Every Profile column, search name folded as esn.people.service does."""
        rng = part_random("profiles")
        for p in self.people:
            department = self.departments[p.department]
            site = words.SITES[p.site]
            skills = self.skills_of(p)
            fill = {
                "title": p.title,
                "city": site.city,
                "department": department.name,
                "skill": skills[0],
                "skill2": skills[-1],
                "years": str(max(1, (self.conversation_start - p.hired) // (365 * DAY) + 2)),
                "hobby": rng.choice(words.HOBBIES),
            }
            described = rng.random() < 0.65
            bio = rng.choice(words.BIOS).format(**fill) if described else ""
            helps = rng.choice(words.HELP_WITH).format(**fill) if described else ""
            looking = rng.choice(words.LOOKING_FOR).format(**fill) if rng.random() < 0.4 else ""
            languages = site.languages
            if rng.random() < 0.25:
                languages += ", " + rng.choice(words.EXTRA_LANGUAGES)
            updated = p.hired + rng.randrange(max(1, self.conversation_start - p.hired))
            yield (p.id, p.handle, p.name, fold(p.name), p.title, department.name,
                   site.city, p.manager_id, bio, helps, looking, languages, None,
                   stamp(updated))  # fmt: skip

    def skills_of(self, person: Person) -> list[str]:
        """Two to six skills, mostly of the person's department (same every call)."""
        rng = random.Random(f"{RANDOM_SEED}:skills:{person.id}")  # noqa: S311
        department = self.departments[person.department]
        count = rng.randint(2, 6)
        picked = [
            rng.choice(department.skills) if rng.random() < 0.7 else rng.choice(words.CROSS_SKILLS)
            for _index in range(count * 2)
        ]
        unique = {skill_key(name): name for name in reversed(picked)}
        return list(dict.fromkeys(unique[skill_key(name)] for name in picked))[:count]

    def skill_rows(self) -> Iterator[Row]:
        """id, user_id, name, key."""
        ids = itertools.count(1)
        for person in self.people:
            for name in self.skills_of(person):
                yield (next(ids), person.id, name, skill_key(name))

    def group_rows(self, stamp: StampFunction) -> Iterator[Row]:
        """id, slug, name, search_name, description, visibility, created_by, created_at,
        member_count."""
        for g in self.groups:
            yield (g.id, g.slug, g.name, fold(g.name)[:120], g.description, g.visibility,
                   g.owner, stamp(g.created), len(g.members))  # fmt: skip

    def group_tag_rows(self) -> Iterator[Row]:
        """id, group_id, tag."""
        ids = itertools.count(1)
        for group in self.groups:
            for tag in group.tags:
                yield (next(ids), group.id, tag)

    def membership_rows(self, stamp: StampFunction) -> Iterator[Row]:
        """id, group_id, user_id, role, created_at (the owner joins when creating)."""
        rng = part_random("membership-times")
        ids = itertools.count(1)
        for g in self.groups:
            for user_id in g.members:
                role = g.roles.get(user_id, GroupRole.MEMBER.value)
                since = max(g.created, self.person(user_id).hired)
                joined = since if role == GroupRole.OWNER else since + rng.randrange(
                    max(1, self.conversation_start - since)
                )  # fmt: skip
                yield (next(ids), g.id, user_id, role, stamp(joined))

    def activity_rows(self, stamp: StampFunction) -> Iterator[Row]:
        """The "created" event of each group, as esn.groups.service records it."""
        for g in self.groups:
            yield (g.id, g.owner, "created", "group", g.id, None, None, f"group:{g.id}",
                   stamp(g.created))  # fmt: skip

    def follow_rows(self, stamp: StampFunction) -> Iterator[Row]:
        """id, follower_id, followee_id, created_at."""
        rng = part_random("follow-times")
        ids = itertools.count(1)
        for person in self.people:
            for followee in person.follows:
                since = max(person.hired, self.person(followee).hired)
                when = since + rng.randrange(max(1, self.conversation_start - since))
                yield (next(ids), person.id, followee, stamp(when))

    def topic_follow_rows(self, stamp: StampFunction) -> Iterator[Row]:
        """id, user_id, tag, created_at."""
        rng = part_random("topic-times")
        ids = itertools.count(1)
        for person in self.people:
            for tag in person.topics:
                when = person.hired + rng.randrange(max(1, self.conversation_start - person.hired))
                yield (next(ids), person.id, tag, stamp(when))
