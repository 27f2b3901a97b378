"""htmx 4's own hx-ws extension applies what /ws sends, in a real browser."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, sign_in
from tests.conftest import CSRF_META, PASSWORD


def signed_in_client(server: LiveServer, email: str) -> httpx.Client:
    """Another person, using esn over HTTP in the background."""
    client = httpx.Client(base_url=server.url)
    token = CSRF_META.search(client.get("/login").text)
    assert token
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303
    return client


def test_comment_reaction_and_bell_appear_without_reload(
    page: Page,
    live_server: LiveServer,
) -> None:
    live_server.add_person("nadia.live@example.com", "Nadia Live")
    live_server.add_person("omar.live@example.com", "Omar Live")
    nadia = signed_in_client(live_server, "nadia.live@example.com")
    token = CSRF_META.search(nadia.get("/").text)
    assert token
    nadia.post(
        "/posts",
        data={"source": "company", "body": "Who has the remote?", "csrf_token": token.group(1)},
    )
    found = re.search(r'id="post-(\d+)"', nadia.get("/").text)
    nadia.close()
    assert found
    post_id = found.group(1)
    sign_in(page, live_server, "nadia.live@example.com")
    frames: list[object] = []
    page.on(
        "websocket", lambda socket: socket.on("framereceived", lambda frame: frames.append(frame))
    )
    page.goto(f"{live_server.url}/posts/{post_id}")
    expect(page.get_by_text("Who has the remote?")).to_be_visible()
    # The server's first frame (the bell's count) says the socket listens.
    for _ in range(100):
        if frames:
            break
        page.wait_for_timeout(100)
    assert frames, "the page never heard from /ws"

    omar = signed_in_client(live_server, "omar.live@example.com")
    token = CSRF_META.search(omar.get("/").text)
    assert token
    omar.post(
        f"/posts/{post_id}/comments",
        data={"body": "In the top drawer", "csrf_token": token.group(1)},
    )
    omar.post(f"/posts/{post_id}/reactions", data={"kind": "like", "csrf_token": token.group(1)})
    omar.close()

    expect(page.get_by_text("In the top drawer")).to_be_visible()
    expect(page.locator(f"#post-{post_id}-counts .reaction-count").first).to_have_text("1")
    expect(page.locator(f"#post-{post_id}-counts")).to_contain_text("1 comment")
    expect(page.locator("#bell-count")).to_contain_text("2")
    # Only the targets changed: the post itself is still there, once.
    expect(page.get_by_text("Who has the remote?")).to_have_count(1)
    expect(page.get_by_text("In the top drawer")).to_have_count(1)
