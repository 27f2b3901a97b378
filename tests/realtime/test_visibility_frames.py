"""The visibility matrix, websocket leg: live frames carry markers only to readers.

Each kind of actor opens a page asking for both planted groups' streams and
posts; new marked content is then posted, commented and reacted to, and the
frames each socket received before its own bell rang are searched for markers.
"""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from esn.realtime.hub import Hub
from tests.realtime.conftest import OpenSocket, SignIn
from tests.realtime.test_ws import comment_on, is_bell, post_in, react, ring_bell
from tests.test_visibility import ACTORS, CONTENT_READERS, World, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("world")


@pytest.mark.parametrize("actor", sorted(set(ACTORS) - {"anonymous"}))
async def test_live_frames_carry_markers_only_to_readers(
    actor: str,
    app: Starlette,
    hub: Hub,
    world: World,  # noqa: F811
    open_socket: OpenSocket,
    sign_in: SignIn,
) -> None:
    user = world.users[actor]
    sources = ",".join(f"group:{planted.group_id}" for planted in world.groups)
    posts = ",".join(str(planted.post_id) for planted in world.groups)
    socket = await open_socket(
        await sign_in(user), f"/ws?sources={sources}&posts={posts}", user=user
    )
    for planted in world.groups:
        tag = planted.visibility[:3]
        await post_in(app, world.owner, f"group:{planted.group_id}", f"Zq{tag}LIVEPOSTMARK")
        await comment_on(app, world.owner, planted.post_id, f"Zq{tag}LIVECOMMENTMARK")
        await react(app, world.owner, planted.post_id)
    await ring_bell(hub, user)

    # A socket receives events in order: everything sent before the bell is here.
    frames: list[str] = []
    while not frames or not is_bell(frames[-1]):
        frames.append(await socket.receive_text())
    heard = "\n".join(frames)
    for planted in world.groups:
        tag = planted.visibility[:3]
        for marker in (f"Zq{tag}LIVEPOSTMARK", f"Zq{tag}LIVECOMMENTMARK"):
            if actor in CONTENT_READERS:
                assert marker in heard, (actor, marker)
            else:
                assert marker not in heard, (actor, marker)
