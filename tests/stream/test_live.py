"""The stream's live renderers, called as the websocket calls them, with a stand-in reader.

The websocket end to end (frames, channels, sessions) is tested in
tests/realtime; here, what each renderer decides for one reader.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from esn.accounts.models import Role, User
from esn.core.channels import post_channel, source_channel
from esn.core.events import LiveEvent
from esn.core.live import Frame
from esn.stream import live
from esn.stream import service as stream
from esn.stream.events import PostCreated, PostDeleted, ReactionChanged
from esn.stream.models import COMPANY_SOURCE, Post, group_source
from tests.conftest import MakePerson
from tests.stream.conftest import MakeGroup

T = TypeVar("T")


@dataclass
class Templates:
    """Records what was rendered, with what."""

    rendered: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, name: str, /, **context: Any) -> str:
        self.rendered.append((name, context))
        return f"<{name}>"


@dataclass
class Reader:
    """A socket's person as the renderers see them, without a socket."""

    user: User
    sessions: async_sessionmaker[AsyncSession]
    templates: Templates
    roles: dict[int, str] = field(default_factory=dict)
    followed: list[int] = field(default_factory=list)
    shared_keys: list[Hashable] = field(default_factory=list)

    def role_in(self, group_id: int) -> str | None:
        return self.roles.get(group_id)

    def session(self) -> AsyncSession:
        return self.sessions()

    def render(self, template_name: str, /, **context: Any) -> str:
        return self.templates(template_name, **context)

    async def shared(self, key: Hashable, load: Callable[[AsyncSession], Awaitable[T]]) -> T:
        self.shared_keys.append(key)
        async with self.sessions() as db:
            return await load(db)

    def render_shared(self, key: tuple[Hashable, ...], render: Callable[[str], str]) -> str:
        return render("TOKEN")

    def follow_post(self, post_id: int) -> None:
        self.followed.append(post_id)


def frame_of(event: LiveEvent, channel: str | None = None) -> Frame:
    """``event`` as a socket receives it, on its own channel unless told another."""
    return Frame(event.type, channel or event.channel, event.payload())


async def new_post(app: Starlette, author: User, source: str, body: str) -> Post:
    async with app.state.session_factory() as db:
        return await stream.create_post(
            db, author, source, body, media_dir=app.state.settings.media_dir
        )


async def test_a_new_post_is_shown_and_followed_only_by_its_readers(
    app: Starlette, colleague: MakePerson, make_group: MakeGroup
) -> None:
    member, _ = await colleague("Mia Member")
    admin, _ = await colleague("Ada Admin", role=Role.ADMIN)
    lab = await make_group("private", [(member, "member")])
    assert lab.id is not None
    created = await new_post(app, member, group_source(lab.id), "Prototype ready")
    assert created.id is not None
    event = PostCreated(created.id, group_source(lab.id))
    channel = source_channel(group_source(lab.id))

    templates = Templates()
    outsider = Reader(admin, app.state.session_factory, templates)
    assert await live.render_new_post(frame_of(event, channel), outsider) == []
    assert outsider.followed == [] and templates.rendered == []

    reader = Reader(member, app.state.session_factory, templates, roles={lab.id: "member"})
    swaps = await live.render_new_post(frame_of(event, channel), reader)
    assert swaps == [(live.new_post_target(created.id), "afterbegin", "<stream/_post.html>")]
    assert reader.followed == [created.id]
    # Read once for every socket of the process, keyed by post.
    assert reader.shared_keys == [("stream.post", created.id)]
    ((_name, context),) = templates.rendered
    assert context["csrf_token"] == "TOKEN" and context["post"].can_interact

    # Announced on another stream's channel: not this page's stream.
    elsewhere = source_channel(COMPANY_SOURCE)
    assert await live.render_new_post(frame_of(event, elsewhere), reader) == []


async def test_post_events_count_only_on_that_posts_channel(
    app: Starlette, colleague: MakePerson
) -> None:
    author, _ = await colleague("Ann Author")
    created = await new_post(app, author, COMPANY_SOURCE, "Launch day")
    assert created.id is not None
    reader = Reader(author, app.state.session_factory, Templates())
    reaction = ReactionChanged(created.id)

    wrong = post_channel(created.id + 1)
    assert await live.render_counts(frame_of(reaction, wrong), reader) == []
    swaps = await live.render_counts(frame_of(reaction), reader)
    assert swaps == [(f"#post-{created.id}-counts", "outerHTML", "<stream/_counts.html>")]

    deleted = PostDeleted(created.id)
    assert await live.render_deleted_post(frame_of(deleted), reader) == [
        (f"#post-{created.id}", "delete", "")
    ]
    for bad in ({"post_id": "7"}, {"post_id": True}, {"post_id": 2**31}, {}):
        frame = Frame(deleted.type, deleted.channel, bad)
        assert await live.render_deleted_post(frame, reader) == []


def test_every_stream_event_has_its_renderer() -> None:
    from esn.stream import events

    live_events = {
        kind.type
        for kind in vars(events).values()
        if isinstance(kind, type) and issubclass(kind, events.LiveEvent) and "type" in vars(kind)
    }
    assert set(live.RENDERERS) == live_events
