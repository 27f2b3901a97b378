"""Post and comment texts with the HTML esn.stream.markdown would make of them.

Rendering millions of texts through markdown-it and nh3 would take longer
than the rest of the load, so each text is built from sentences whose HTML is
known in advance, in exactly the shape the real renderer writes: paragraphs,
tight bullet lists, ``<strong>``, and @mention / #topic links carrying nh3's
``rel``. tests/test_seed_scale.py renders every XS text for real and compares.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from urllib.parse import quote

from esn.stream.markdown import LINK_REL, topic_key
from esn_tools.scale import words

# How many filled-in variants of each sentence list to prepare: enough that
# texts rarely repeat, few enough to build in a blink.
POOL_SIZE = 400
BOLD_SHARE = 0.12


def escape_text(text: str) -> str:
    """Text as nh3 serialises it: only &, < and > are escaped outside attributes."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@functools.cache
def mention_html(handle: str) -> str:
    """The link the renderer makes of ``@handle`` for a reader of the post."""
    return f'<a class="mention" href="/people/{quote(handle)}" rel="{LINK_REL}">@{handle}</a>'


@functools.cache
def topic_html(tag: str) -> str:
    """The link the renderer makes of ``#tag`` (as typed; the URL has its stored form)."""
    href = "/topics/" + quote(topic_key(tag), safe="")
    return f'<a class="topic" href="{href}" rel="{LINK_REL}">#{escape_text(tag)}</a>'


Piece = tuple[str, str]  # (Markdown text, its HTML)


def _fill(rng: random.Random, template: str, bold: bool) -> Piece:
    """One sentence with its slots filled, maybe with a bold slot value."""
    names = [name for name in words.SLOTS if "{" + name + "}" in template]
    text_values: dict[str, str] = {}
    html_values: dict[str, str] = {}
    emphasised = rng.choice(names) if bold and names else None
    for name in names:
        value = rng.choice(words.SLOTS[name])
        if name == emphasised and name not in {"number", "hour"}:
            text_values[name] = f"**{value}**"
            html_values[name] = f"<strong>{escape_text(value)}</strong>"
        else:
            text_values[name] = value
            html_values[name] = escape_text(value)
    return template.format(**text_values), escape_text(template).format(**html_values)


def _pool(rng: random.Random, templates: Sequence[str], size: int = POOL_SIZE) -> list[Piece]:
    return [_fill(rng, rng.choice(templates), rng.random() < BOLD_SHARE) for _index in range(size)]


class TextMaker:
    """Makes post and comment texts from sentence pools built once from ``seed``."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.openers = _pool(rng, words.POST_OPENERS)
        self.middles = _pool(rng, words.POST_MIDDLES)
        self.closers = _pool(rng, words.POST_CLOSERS, 60)
        self.items = _pool(rng, words.LIST_ITEMS, 120)
        self.comments = _pool(rng, words.COMMENTS)
        self.replies = _pool(rng, words.REPLIES, 120)
        self.reply_paragraphs = [(text, f"<p>{html}</p>\n") for text, html in self.replies]

    def post(self, rng: random.Random, mentions: Sequence[str], tags: Sequence[str]) -> Piece:
        """A post naming ``mentions`` (handles) and ``tags`` (topics as typed)."""
        shape = rng.random()
        blocks: list[tuple[str, list[Piece]]] = []  # ("p" or "ul", sentences)
        first = [rng.choice(self.openers)]
        if shape < 0.55:
            if rng.random() < 0.6:
                first.append(rng.choice(self.middles))
            if rng.random() < 0.5:
                first.append(rng.choice(self.closers))
            blocks.append(("p", first))
        elif shape < 0.9:
            first.append(rng.choice(self.middles))
            blocks.append(("p", first))
            blocks.append(("p", [rng.choice(self.middles), rng.choice(self.closers)]))
        else:
            blocks.append(("p", [*first, ("Next steps:", "Next steps:")]))
            blocks.append(("ul", rng.sample(self.items, rng.randint(2, 4))))
            blocks.append(("p", [rng.choice(self.middles), rng.choice(self.middles)]))
            blocks.append(("p", [rng.choice(self.closers)]))
        last = blocks[-1][1]
        if mentions:
            if rng.random() < 0.5:
                last.append(self._mentions("Thanks ", mentions, " for the help."))
            else:
                last.append(self._mentions("cc ", mentions, ""))
        if tags:
            last.append(
                (" ".join("#" + tag for tag in tags), " ".join(topic_html(tag) for tag in tags))
            )
        return _assemble(blocks)

    def comment(
        self, rng: random.Random, *, reply_to: str | None, mention: str | None, tag: str | None
    ) -> Piece:
        """A comment, or a reply opening with ``@reply_to``; may name someone or a topic."""
        # Built by hand rather than through _assemble: there are millions of them.
        if reply_to is not None:
            text, html = rng.choice(self.replies)
            text, html = f"@{reply_to} {text}", f"{mention_html(reply_to)} {html}"
        else:
            text, html = rng.choice(self.comments)
            if rng.random() < 0.2:
                more_text, more_html = rng.choice(self.middles)
                text, html = f"{text} {more_text}", f"{html} {more_html}"
        if mention is not None:
            text, html = f"{text} cc @{mention}", f"{html} cc {mention_html(mention)}"
        if tag is not None:
            text, html = f"{text} #{tag}", f"{html} {topic_html(tag)}"
        return text, f"<p>{html}</p>\n"

    def reply_only(self, rng: random.Random) -> Piece:
        """A reply that names nobody."""
        return rng.choice(self.reply_paragraphs)

    @staticmethod
    def _mentions(before: str, handles: Sequence[str], after: str) -> Piece:
        text = before + " ".join("@" + handle for handle in handles) + after
        html = before + " ".join(mention_html(handle) for handle in handles) + escape_text(after)
        return text, html


def _assemble(blocks: list[tuple[str, list[Piece]]]) -> Piece:
    texts: list[str] = []
    htmls: list[str] = []
    for kind, pieces in blocks:
        if kind == "ul":
            texts.append("\n".join("- " + text for text, _html in pieces))
            htmls.append("<ul>\n" + "".join(f"<li>{html}</li>\n" for _text, html in pieces))
            htmls.append("</ul>\n")
        else:
            texts.append(" ".join(text for text, _html in pieces))
            htmls.append("<p>" + " ".join(html for _text, html in pieces) + "</p>\n")
    return "\n\n".join(texts), "".join(htmls)
