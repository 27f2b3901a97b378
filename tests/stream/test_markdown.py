"""Markdown rendering: what survives sanitising, mentions and topics, bounded time."""

from __future__ import annotations

import time

import pytest

from esn.stream import markdown

# Mentions and topics become links to named routes (esn.core.urls).
pytestmark = pytest.mark.usefixtures("route_map")


def html_of(text: str, linkable: set[str] | None = None) -> str:
    return markdown.render(markdown.parse(text), linkable or set())


def test_markdown_becomes_simple_html() -> None:
    html = html_of("**bold** _it_\n\n- one\n- two\n\n> quoted\n\n`code`")

    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<li>one</li>" in html
    assert "<blockquote>" in html
    assert "<code>code</code>" in html


def test_script_tags_are_shown_as_text_never_run() -> None:
    html = html_of("Hi <script>alert('x')</script> <img src=x onerror=alert(1)>")

    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
        "[click](vbscript:msgbox(1))",
    ],
)
def test_dangerous_links_are_dropped(link: str) -> None:
    html = html_of(link)

    # Shown as text at most, never as a link.
    assert "<a" not in html
    assert "href" not in html


def test_safe_links_get_rel_noopener_nofollow_ugc() -> None:
    html = html_of("[docs](https://example.com/a)")

    assert '<a href="https://example.com/a" rel="noopener nofollow ugc">docs</a>' in html


def test_sanitiser_strips_event_and_htmx_attributes() -> None:
    # Raw HTML is off, so markdown never produces these; the sanitiser is the
    # second line of defence and must hold on its own.
    dirty = (
        '<p onclick="steal()" hx-get="/admin" hx-trigger="load" style="x" class="evil">'
        '<a href="/x" onmouseover="y" hx-post="/logout" data-hx-get="/z" class="mention">t</a></p>'
    )

    clean = markdown.sanitize(dirty)

    for attribute in ("onclick", "onmouseover", "hx-", "style", "evil", "data-"):
        assert attribute not in clean
    assert 'class="mention"' in clean


def test_mentions_link_only_people_allowed_and_topics_become_links() -> None:
    parsed = markdown.parse("Ask @alice or @bob about #Budget-2025 and #42, not `@carol #code`")

    html = markdown.render(parsed, {"alice"})

    assert parsed.handles == ["alice", "bob"]
    assert parsed.tags == ["budget-2025"]
    assert '<a class="mention" href="/people/alice"' in html
    assert "@bob" in html and "/people/bob" not in html
    assert '<a class="topic" href="/topics/budget-2025"' in html
    assert "/topics/42" not in html
    assert "<code>@carol #code</code>" in html


def test_an_email_address_is_not_a_mention() -> None:
    parsed = markdown.parse("write to alice@example.com")

    assert parsed.handles == []


@pytest.mark.parametrize(
    "text",
    [
        "> " * 5000 + "deep",
        "*" * 10_000,
        "[" * 10_000,
        "**" * 2500 + "x" + "**" * 2500,
        "".join("  " * depth + "- item\n" for depth in range(300))[:10_000],
        "[a](" * 2500,
        "_*" * 5000,
        "<" * 10_000,
    ],
)
def test_pathological_markdown_renders_in_bounded_time(text: str) -> None:
    assert len(text) <= 12_000
    started = time.perf_counter()

    html = html_of(text)

    assert time.perf_counter() - started < 2.0
    # Nesting is capped: no more than markdown-it's limit of open blockquotes.
    assert html.count("<blockquote>") <= markdown.MAX_NESTING
