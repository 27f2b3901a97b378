"""Markdown for posts and comments: markdown-it-py, then nh3.

Raw HTML is off, so ``<script>`` is shown as text; nh3 then keeps only a small
set of tags and attributes (dropping on*, hx-*, style and any javascript: or
data: URL) and marks every link rel="noopener nofollow ugc". Templates wrap
the result in an ``hx-ignore`` element so htmx never acts on user content.

``@handle`` and ``#topic`` are found in text only (not in code or link text):
``parse`` returns the handles and tags a text names, the caller decides which
mentions may become links (only people who can read the post), and
``render`` writes the HTML.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from esn.core.urls import path_for

# The input is capped by the forms (posts 10 000 characters); markdown-it's
# own maxNesting (20) bounds how deep blocks and inline markup may nest, which
# keeps pathological input such as 5 000 nested quotes linear.
MAX_NESTING = 20

_REFERENCE = re.compile(
    r"(?<![\w@/])@(?P<handle>[a-z0-9][a-z0-9-]{0,63})"
    r"|(?<![\w#&/])#(?P<tag>(?=[\w-]*[^\W\d_])\w[\w-]{0,59})",
    re.IGNORECASE,
)

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_CLASSES = {"a": {"mention", "topic"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener nofollow ugc"


def topic_key(tag: str) -> str:
    """The stored form of a #topic: NFC, case-folded, at most 60 characters."""
    return unicodedata.normalize("NFC", tag).casefold().strip("-")[:60]


def handle_key(handle: str) -> str:
    """The stored form of an @handle (handles are lower-case ASCII)."""
    return handle.lower().rstrip("-")


@dataclass
class Parsed:
    """A text parsed once: its tokens and the people and topics it names."""

    tokens: list[Token]
    handles: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def _split_references(state: StateCore) -> None:
    """Core rule: turn @handle and #tag in plain text into their own tokens."""
    handles: list[str] = state.env.setdefault("handles", [])
    tags: list[str] = state.env.setdefault("tags", [])
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if (
                token.type != "text"
                or in_link
                or ("@" not in token.content and "#" not in token.content)
            ):
                children.append(token)
                continue
            children.extend(_split_text(token, handles, tags))
        block.children = children


def _split_text(token: Token, handles: list[str], tags: list[str]) -> list[Token]:
    pieces: list[Token] = []
    text = token.content
    position = 0
    for match in _REFERENCE.finditer(text):
        if match.start() > position:
            pieces.append(_text(text[position : match.start()]))
        if match.group("handle"):
            key = handle_key(match.group("handle"))
            reference = Token("mention", "", 0, content=match.group(0), meta={"handle": key})
            if key not in handles:
                handles.append(key)
        else:
            key = topic_key(match.group("tag"))
            reference = Token("topic", "", 0, content=match.group(0), meta={"tag": key})
            if key not in tags:
                tags.append(key)
        pieces.append(reference)
        position = match.end()
    if position < len(text):
        pieces.append(_text(text[position:]))
    return pieces


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _render_mention(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    handle = token.meta["handle"]
    if handle in env.get("linkable", ()):
        href = path_for("people:profile", handle=handle)
        return f'<a class="mention" href="{href}">{escape(token.content)}</a>'
    return escape(token.content)


def _render_topic(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    href = path_for("topics:topic", tag=token.meta["tag"])
    return f'<a class="topic" href="{href}">{escape(token.content)}</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING})
    md.core.ruler.push("esn_references", _split_references)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("topic", _render_topic)
    return md


_MD = _parser()


def parse(text: str) -> Parsed:
    """Parse ``text`` once; the result names its @handles and #topics in order."""
    env: dict[str, Any] = {}
    tokens = _MD.parse(text, env)
    return Parsed(tokens=tokens, handles=env.get("handles", []), tags=env.get("tags", []))


def render(parsed: Parsed, linkable: set[str]) -> str:
    """Safe HTML for ``parsed``; only handles in ``linkable`` become profile links."""
    html = _MD.renderer.render(parsed.tokens, _MD.options, {"linkable": linkable})
    return sanitize(html)


def sanitize(html: str) -> str:
    """Keep only harmless markup: the last word on what user content may contain."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
