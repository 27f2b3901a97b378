"""The renderer registry and the shared cards: how the socket routes and shares rendering."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.core.live import Frame, Swap
from esn.notifications.events import BellChanged
from esn.realtime.cards import SharedCards
from esn.realtime.live import LiveReader, LiveRenderers, partial

received: list[Frame] = []


async def two_swaps(frame: Frame, reader: LiveReader) -> Sequence[Swap]:
    received.append(frame)
    return [("#a", "outerHTML", f"<b>{frame.payload['n']}</b>"), ('#x[y="z"]', "delete", "")]


async def nothing(*_args: Any) -> Sequence[Swap]:
    return []


def no_templates(name: str, /, **context: Any) -> str:
    raise AssertionError("nothing to render")


async def test_events_go_to_their_renderer_and_come_back_as_partials(app: Starlette) -> None:
    renderers = LiveRenderers({"one": two_swaps}, {"none": nothing})
    reader = LiveReader(
        user=None,  # type: ignore[arg-type]
        render_template=no_templates,
        group_roles={},
        csrf_token="",
        session_factory=app.state.session_factory,
        cards=SharedCards(app.state.session_factory),
        follow=lambda _post_id: None,
    )

    received.clear()
    frame = await renderers.render("c", {"type": "one", "n": 1}, reader)
    assert received == [Frame("one", "c", {"type": "one", "n": 1})]
    assert frame == (
        '<hx-partial hx-target="#a" hx-swap="outerHTML"><b>1</b></hx-partial>'
        '<hx-partial hx-target="#x[y=&#34;z&#34;]" hx-swap="delete"></hx-partial>'
    )
    # Nothing to swap, an unknown type, or no type at all: no frame.
    for event in ({"type": "none"}, {"type": "other"}, {"type": 7}, {}):
        assert await renderers.render("c", event, reader) is None


def test_one_renderer_per_event_type_and_what_a_socket_shows_first() -> None:
    with pytest.raises(ValueError, match="two renderers"):
        LiveRenderers({"one": two_swaps}, {"one": nothing})
    renderers = LiveRenderers({}, on_open=lambda user_id: [BellChanged(user_id)])
    assert renderers.opening(5) == [("user:5", {"type": "notification"})]
    assert LiveRenderers().opening(5) == []
    assert (
        partial("#t", "innerHTML") == '<hx-partial hx-target="#t" hx-swap="innerHTML"></hx-partial>'
    )


async def test_shared_cards_read_once_and_render_once_per_kind_of_reader(app: Starlette) -> None:
    cards = SharedCards(app.state.session_factory)
    reads: list[int] = []

    async def load(db: AsyncSession) -> str:
        reads.append(1)
        await asyncio.sleep(0.01)
        return "the card"

    results = await asyncio.gather(*(cards.shared(("post", 1), load) for _ in range(5)))
    assert results == ["the card"] * 5 and reads == [1]

    renders: list[str] = []

    def render(token: str) -> str:
        renders.append(token)
        return f'<input value="{token}">'

    first = cards.html(("fr", "post", 1, True), render, "token-a")
    second = cards.html(("fr", "post", 1, True), render, "token-b")
    assert (first, second) == ('<input value="token-a">', '<input value="token-b">')
    assert renders == [cards.token_placeholder]
    cards.html(("en", "post", 1, True), render, "token-c")
    assert len(renders) == 2
