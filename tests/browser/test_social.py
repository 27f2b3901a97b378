"""Two people in two browsers: a group conversation that lives without reloads."""

from __future__ import annotations

import asyncio

from playwright.sync_api import Browser, BrowserContext, Page, expect

from esn.database import create_engine, create_session_factory
from esn.groups import service as groups
from tests.browser.conftest import LiveServer, sign_in
from tests.conftest import run_in_thread


def _make_group(server: LiveServer, owner_email: str, name: str, members: list[str]) -> str:
    """A private group owned by ``owner_email`` with ``members`` in it; its slug."""

    async def create() -> str:
        from sqlalchemy import select

        from esn.accounts.models import User
        from esn.groups.models import GroupRequest

        engine = create_engine(server.database_url)
        async with create_session_factory(engine)() as db:
            owner = (await db.execute(select(User).where(User.email == owner_email))).scalar_one()
            group = await groups.create_group(
                db, owner, groups.NewGroup(name=name, visibility="private")
            )
            for email in members:
                member = (await db.execute(select(User).where(User.email == email))).scalar_one()
                await groups.invite_person(db, owner, group.slug, email)
                invitation = (
                    await db.execute(
                        select(GroupRequest.id).where(
                            GroupRequest.user_id == member.id, GroupRequest.state == "pending"
                        )
                    )
                ).scalar_one()
                assert invitation is not None
                await groups.answer_invitation(db, member, group.slug, invitation, accept=True)
            slug = group.slug
        await engine.dispose()
        return slug

    slugs: list[str] = []
    run_in_thread(lambda: slugs.append(asyncio.run(create())))
    return slugs[0]


def _second_person(browser: Browser) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="en-GB")
    return context, context.new_page()


def _open_live(page: Page, url: str) -> None:
    """Open ``url`` and wait until its socket listens (the bell count is its first frame)."""
    frames: list[object] = []
    page.on(
        "websocket",
        lambda socket: socket.on("framereceived", lambda frame: frames.append(frame)),
    )
    page.goto(url)
    for _ in range(100):
        if frames:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no live socket on {url}")


def test_a_group_conversation_lives_in_two_browsers(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    live_server.add_person("anna.owner@example.com", "Anna Owner")
    live_server.add_person("bilal.member@example.com", "Bilal Member")
    live_server.add_person("carla.outsider@example.com", "Carla Outsider")
    slug = _make_group(
        live_server, "anna.owner@example.com", "Night Shift Crew", ["bilal.member@example.com"]
    )

    bilal_context, bilal = _second_person(browser)
    try:
        sign_in(bilal, live_server, "bilal.member@example.com")
        _open_live(bilal, f"{live_server.url}/groups/{slug}")
        bilal.evaluate("() => { window.stillTheSamePage = true; }")

        # Anna posts in the group; Bilal sees it appear without reloading.
        sign_in(page, live_server, "anna.owner@example.com")
        _open_live(page, f"{live_server.url}/groups/{slug}")
        page.get_by_label("Share something").fill("Pizza at midnight for the release?")
        page.get_by_role("button", name="Post", exact=True).click()
        post = bilal.locator("article.post", has_text="Pizza at midnight for the release?")
        expect(post).to_be_visible()
        assert bilal.evaluate("() => window.stillTheSamePage === true")  # no reload

        # Bilal replies and mentions Anna; Anna's bell rises live and the reply shows up.
        bell_before = page.locator("#bell-count").text_content()
        post.get_by_label("Write a comment").fill("Yes! @anna-owner I bring the drinks.")
        post.get_by_role("button", name="Comment").click()
        expect(page.get_by_text("I bring the drinks.")).to_be_visible()
        expect(page.locator("#bell-count")).not_to_have_text(bell_before or "")
        expect(page.locator("#bell-count")).to_be_visible()
        page.get_by_role("link", name="Notifications").click()
        expect(page.get_by_text("Bilal Member").first).to_be_visible()
    finally:
        bilal_context.close()

    # Someone outside the private group sees nothing of its conversation.
    carla_context, carla = _second_person(browser)
    try:
        sign_in(carla, live_server, "carla.outsider@example.com")
        carla.goto(f"{live_server.url}/groups/{slug}")
        expect(carla.get_by_text("Pizza at midnight")).to_have_count(0)
        carla.goto(f"{live_server.url}/")
        expect(carla.get_by_text("Pizza at midnight")).to_have_count(0)
        expect(carla.get_by_text("I bring the drinks")).to_have_count(0)
    finally:
        carla_context.close()
