"""Two years of conversation: posts, comments, reactions, mentions and topics, streamed.

A first pass plans every post in a few compact arrays (author, where it goes,
how many comments and reactions it gets, so that the totals are exact); the
second pass writes posts in time order, each with its comments, reactions,
mentions and topics, in chunks. Counts kept on the post row are those of the
rows written with it, so they always match.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from esn.stream.markdown import topic_key
from esn.stream.models import COMPANY_SOURCE, ReactionKind, group_source, profile_source
from esn_tools.scale import words
from esn_tools.scale.company import (
    DAY,
    SECOND,
    Company,
    Row,
    StampFunction,
    Weighted,
    part_random,
)
from esn_tools.scale.text import TextMaker

HOUR = 3600 * SECOND
COMPANY_SHARE = 0.05
PROFILE_SHARE = 0.10
MAX_COMMENTS_PER_POST = 150
MAX_REACTIONS_PER_POST = 150
REPLY_SHARE = 0.3
POST_MENTION_SHARE = 0.12
COMMENT_MENTION_SHARE = 0.05
TAGGED_POST_SHARE = 0.35
KINDS = tuple(kind.value for kind in ReactionKind)
KIND_CUMULATIVE = tuple(itertools.accumulate((55, 15, 18, 12)))  # mostly likes
COMPANY = 0  # destination codes in the plan; a positive code is a group id
PROFILE = -1
TOPIC_SHAPE = re.compile(r"^\w[\w-]*$")


@dataclass
class Chunk:
    """Rows of consecutive posts and everything attached to them."""

    posts: list[Row] = field(default_factory=list)
    topics: list[Row] = field(default_factory=list)
    comments: list[Row] = field(default_factory=list)
    reactions: list[Row] = field(default_factory=list)
    mentions: list[Row] = field(default_factory=list)


class Participants:
    """Who may comment on, react to and be mentioned in one stream's posts."""

    def __init__(self, weighted: Weighted, everyone: Sequence[int]) -> None:
        self.weighted = weighted
        self.everyone = everyone  # for the rare exhaustive fallback

    def pick(self, rng: random.Random, count: int = 1) -> list[int]:
        """``count`` people, the active ones more often."""
        return self.weighted.pick(rng, count)


class Conversation:
    """Plans and then streams the posts of ``company``."""

    def __init__(self, company: Company, stamp: StampFunction) -> None:
        self.company = company
        self.stamp = stamp
        self.scale = company.scale
        self.text = TextMaker(7)
        active = company.active_ids
        floor = 0.2 * sum(company.person(i).activity for i in active) / len(active)
        everyone = Weighted.of(active, [company.person(i).activity + floor for i in active])
        assert everyone is not None
        self.company_stream = Participants(everyone, active)
        self.group_streams: dict[int, Participants] = {}
        for group in company.groups:
            weighted = Weighted.of(
                group.members, [company.person(m).activity + floor for m in group.members]
            )
            assert weighted is not None
            self.group_streams[group.id] = Participants(weighted, group.members)
        self.topic_weights = list(
            itertools.accumulate(1 / (rank + 1) for rank in range(len(words.TOPICS)))
        )
        self._plan()

    # --- the plan ----------------------------------------------------------------

    def _plan(self) -> None:
        rng = part_random("posts-plan")
        company = self.company
        count = self.scale.posts
        self.authors = array("i", company.everyone.pick(rng, count))
        # Exactly one post in twenty goes to the whole company.
        company_posts = set(rng.sample(range(count), round(count * COMPANY_SHARE)))
        self.destinations = array("i", bytes(4 * count))
        comment_weights = array("f", bytes(4 * count))
        reaction_weights = array("f", bytes(4 * count))
        comment_caps = array("H", bytes(2 * count))
        reaction_caps = array("H", bytes(2 * count))
        group_choice: dict[int, Weighted | None] = {}
        audience = len(company.active_ids)
        for index, author_id in enumerate(self.authors):
            author = company.person(author_id)
            if author_id not in group_choice:
                group_choice[author_id] = Weighted.of(
                    author.groups, [company.groups[g - 1].weight for g in author.groups]
                )
            draw = rng.random()
            groups = group_choice[author_id]
            if index in company_posts:
                destination, boost, size = COMPANY, 3.0, audience
            elif draw < PROFILE_SHARE or groups is None:
                destination, boost, size = PROFILE, 0.7, audience
            else:
                destination = groups.pick(rng)[0]
                size = len(company.groups[destination - 1].members)
                boost = 1.0
            self.destinations[index] = destination
            engagement = boost * rng.lognormvariate(0, 1.0)
            comment_weights[index] = engagement
            reaction_weights[index] = engagement * rng.uniform(0.5, 1.5)
            comment_caps[index] = min(MAX_COMMENTS_PER_POST, 3 * size)
            reaction_caps[index] = min(MAX_REACTIONS_PER_POST, 2 * (size - 1))
        self.comment_counts = _allocate(rng, comment_weights, comment_caps, self.scale.comments)
        self.reaction_counts = _allocate(rng, reaction_weights, reaction_caps, self.scale.reactions)
        self._plan_times()

    def _plan_times(self) -> None:
        """Hour buckets over two years: busy on weekday office hours, growing over time."""
        start = self.company.conversation_start
        hours = (self.company.now - start) // HOUR
        weights: list[float] = []
        for hour in range(hours):
            moment = datetime.fromtimestamp((start + hour * HOUR) / SECOND, UTC)
            # Offices are mostly in Europe: UTC 7-17 is the working day.
            if moment.weekday() >= 5:
                base = 0.08
            elif 7 <= moment.hour < 17:
                base = 0.6 if moment.hour == 11 else 1.0
            elif 5 <= moment.hour < 21:
                base = 0.3
            else:
                base = 0.04
            weights.append(base * (0.6 + 0.8 * hour / hours))
        self.hour_weights = weights
        self.hour_cumulative = list(itertools.accumulate(weights))

    def post_time(self, rng: random.Random, index: int) -> int:
        """When post ``index`` was sent: increasing with the index, like ids."""
        total = self.hour_cumulative[-1]
        target = (index + rng.random()) / self.scale.posts * total
        hour = min(bisect.bisect_left(self.hour_cumulative, target), len(self.hour_weights) - 1)
        before = self.hour_cumulative[hour - 1] if hour else 0.0
        share = min(1.0, max(0.0, (target - before) / self.hour_weights[hour]))
        return self.company.conversation_start + hour * HOUR + int(share * (HOUR - 1))

    # --- streaming -----------------------------------------------------------------

    def chunks(self, size: int) -> Iterator[Chunk]:
        """Posts in time order, ``size`` at a time, with their comments and the rest."""
        rng = part_random("conversation")
        comment_ids = itertools.count(1)
        reaction_ids = itertools.count(1)
        topic_ids = itertools.count(1)
        mention_ids = itertools.count(1)
        chunk = Chunk()
        for index in range(self.scale.posts):
            self._post(rng, index, chunk, comment_ids, reaction_ids, topic_ids, mention_ids)
            if len(chunk.posts) >= size:
                yield chunk
                chunk = Chunk()
        if chunk.posts:
            yield chunk

    def _stream_of(self, author_id: int, destination: int) -> tuple[str, int | None, Participants]:
        if destination == COMPANY:
            return COMPANY_SOURCE, None, self.company_stream
        if destination == PROFILE:
            return profile_source(author_id), None, self.company_stream
        return group_source(destination), destination, self.group_streams[destination]

    def _tags(self, rng: random.Random, group_id: int | None) -> list[str]:
        if rng.random() >= TAGGED_POST_SHARE:
            return []
        wanted = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
        candidates: list[str] = []
        if group_id is not None and rng.random() < 0.5:
            own = self.company.groups[group_id - 1].tags
            candidates += [tag for tag in own if TOPIC_SHAPE.match(tag)]
        candidates += rng.choices(words.TOPICS, cum_weights=self.topic_weights, k=wanted + 2)
        tags: dict[str, str] = {}
        for tag in candidates:
            tags.setdefault(topic_key(tag), tag)
        return list(tags.values())[:wanted]

    def _mentions(
        self, rng: random.Random, stream: Participants, excluded: set[int], wanted: int
    ) -> list[int]:
        chosen: dict[int, None] = {}
        for person in stream.pick(rng, wanted * 4):
            if person not in excluded and len(chosen) < wanted:
                chosen[person] = None
        return list(chosen)

    def _post(
        self,
        rng: random.Random,
        index: int,
        chunk: Chunk,
        comment_ids: Iterator[int],
        reaction_ids: Iterator[int],
        topic_ids: Iterator[int],
        mention_ids: Iterator[int],
    ) -> None:
        company = self.company
        post_id = index + 1
        author_id = self.authors[index]
        source, group_id, stream = self._stream_of(author_id, self.destinations[index])
        sent = self.post_time(rng, index)
        when = self.stamp(sent)
        mentioned: list[int] = []
        if rng.random() < POST_MENTION_SHARE:
            mentioned = self._mentions(rng, stream, {author_id}, rng.choice((1, 1, 2)))
        tags = self._tags(rng, group_id)
        body, html = self.text.post(rng, [company.person(m).handle for m in mentioned], tags)
        keys = list(dict.fromkeys(topic_key(tag) for tag in tags))
        for key in keys:
            chunk.topics.append((next(topic_ids), post_id, key, when))
        for user_id in sorted(mentioned):
            chunk.mentions.append((next(mention_ids), post_id, None, user_id))
        comment_count = self.comment_counts[index]
        self._comments(rng, post_id, author_id, stream, sent, comment_count, chunk,
                       comment_ids, mention_ids)  # fmt: skip
        per_kind = self._reactions(rng, post_id, author_id, stream, sent,
                                   self.reaction_counts[index], chunk, reaction_ids)  # fmt: skip
        chunk.posts.append(
            (post_id, source, group_id, author_id, body, html, when, None, comment_count,
             sum(per_kind), *per_kind, 0, " ".join(sorted(keys)), None)
        )  # fmt: skip

    def _comments(
        self,
        rng: random.Random,
        post_id: int,
        post_author: int,
        stream: Participants,
        sent: int,
        count: int,
        chunk: Chunk,
        comment_ids: Iterator[int],
        mention_ids: Iterator[int],
    ) -> None:
        person = self.company.person
        text = self.text
        stamp = self.stamp
        random_share = rng.random
        now = self.company.now
        threads: list[tuple[int, int]] = []  # (comment id, author) of top-level comments
        moment = sent
        for author_id in stream.pick(rng, count):
            comment_id = next(comment_ids)
            # Hours apart; answers to the newest posts crowd in before now. One
            # draw either way, so the moment of seeding changes times, not texts.
            draw = random_share()
            later = moment + int(-math.log(1.0 - draw) * 3 * HOUR)
            moment = later if later < now else moment + int(draw * (now - moment))
            parent: tuple[int, int] | None = None
            if threads and random_share() < REPLY_SHARE:
                parent = rng.choice(threads)
                if random_share() < 0.4:
                    author_id = post_author
            mention: int | None = None
            if random_share() < COMMENT_MENTION_SHARE:
                # The app notifies the post's author and the one answered with a
                # "reply" and writes no mention row for them (see add_comment).
                excluded = {post_author, author_id, *(parent[1:] if parent else ())}
                found = self._mentions(rng, stream, excluded, 1)
                mention = found[0] if found else None
            reply_to: str | None = None
            if parent is not None and parent[1] != author_id and random_share() < 0.5:
                reply_to = person(parent[1]).handle
            tag = rng.choice(words.TOPICS) if random_share() < 0.03 else None
            if parent is not None and reply_to is None and mention is None and tag is None:
                body, html = text.reply_only(rng)
            else:
                body, html = text.comment(
                    rng,
                    reply_to=reply_to,
                    mention=person(mention).handle if mention else None,
                    tag=tag,
                )
            chunk.comments.append(
                (comment_id, post_id, parent[0] if parent else None, author_id, body, html,
                 stamp(moment), None)
            )  # fmt: skip
            if mention is not None:
                chunk.mentions.append((next(mention_ids), post_id, comment_id, mention))
            if parent is None:
                threads.append((comment_id, author_id))

    def _reactions(
        self,
        rng: random.Random,
        post_id: int,
        post_author: int,
        stream: Participants,
        sent: int,
        count: int,
        chunk: Chunk,
        reaction_ids: Iterator[int],
    ) -> list[int]:
        chosen: dict[tuple[int, int], None] = {}
        for _round in range(3):
            if len(chosen) >= count:
                break
            # A few more draws than needed: some repeat or are the author.
            draws = count + count // 2 + 2
            people = stream.pick(rng, draws)
            kinds = rng.choices(range(len(KINDS)), cum_weights=KIND_CUMULATIVE, k=draws)
            for person, kind in zip(people, kinds, strict=True):
                if person != post_author and len(chosen) < count:
                    chosen[(person, kind)] = None
        if len(chosen) < count:
            # Few readers and many reactions: take what is left, evenly.
            left = [
                (person, kind)
                for person in stream.everyone
                for kind in range(len(KINDS))
                if person != post_author and (person, kind) not in chosen
            ]
            for pair in rng.sample(left, count - len(chosen)):
                chosen[pair] = None
        per_kind = [0] * len(KINDS)
        stamp = self.stamp
        add = chunk.reactions.append
        now = self.company.now
        for person, kind in chosen:
            per_kind[kind] += 1
            draw = rng.random()
            moment = sent + int(-math.log(1.0 - draw) * 6 * HOUR)
            if moment >= now:
                moment = sent + int(draw * (now - sent))
            add((next(reaction_ids), post_id, person, KINDS[kind], stamp(moment)))
        return per_kind


def _allocate(
    rng: random.Random, weights: Sequence[float], caps: Sequence[int], total: int
) -> array[int]:
    """Split ``total`` over the items in proportion to ``weights``, within ``caps``, exactly."""
    if sum(caps) < total:
        raise ValueError("the groups are too small for this many comments or reactions")
    weight_sum = sum(weights) or 1.0
    counts = array("H", bytes(2 * len(weights)))
    assigned = 0
    for index, weight in enumerate(weights):
        share = min(caps[index], int(total * weight / weight_sum + rng.random()))
        counts[index] = share
        assigned += share
    size = len(counts)
    while assigned != total:
        index = rng.randrange(size)
        if assigned < total and counts[index] < caps[index]:
            counts[index] += 1
            assigned += 1
        elif assigned > total and counts[index] > 0:
            counts[index] -= 1
            assigned -= 1
    return counts


__all__ = ["DAY", "Chunk", "Conversation"]
