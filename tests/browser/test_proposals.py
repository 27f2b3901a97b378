"""Two people in two browsers: a post becomes a proposal, the manager asks for changes,
then approves; the project group appears; the team checks in and closes it."""

from __future__ import annotations

import asyncio

from playwright.sync_api import Browser, Page, expect

from esn.core.clock import utcnow
from esn.database import create_engine, create_session_factory
from esn.people.service import NewPerson, create_person
from tests.browser.conftest import LiveServer, sign_in
from tests.conftest import PASSWORD, run_in_thread

EMPLOYEE = "emma.employee@example.com"
MANAGER = "mark.manager@example.com"


def _manager_and_report(server: LiveServer) -> None:
    """Mark manages Emma, in the served database."""

    async def create() -> None:
        engine = create_engine(server.database_url)
        async with create_session_factory(engine)() as db:
            manager, _ = await create_person(
                db, NewPerson(email=MANAGER, name="Mark Manager", password=PASSWORD)
            )
            await create_person(
                db,
                NewPerson(
                    email=EMPLOYEE, name="Emma Employee", password=PASSWORD, manager_id=manager.id
                ),
            )
        await engine.dispose()

    run_in_thread(lambda: asyncio.run(create()))


def test_a_post_becomes_a_project_with_its_retrospective(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    _manager_and_report(live_server)
    today = utcnow().date().isoformat()

    # Emma shares an idea, then turns her post into a proposal and submits it.
    sign_in(page, live_server, EMPLOYEE)
    page.get_by_label("Share something").fill("Our onboarding checklists live in five wikis.")
    page.get_by_role("button", name="Post", exact=True).click()
    post = page.locator("article.post", has_text="Our onboarding checklists live in five wikis.")
    post.get_by_role("link", name="Turn into a proposal").click()
    expect(page.get_by_label("Title")).to_have_value(
        "Our onboarding checklists live in five wikis."
    )
    page.get_by_label("What the company gains").fill("Newcomers find everything on day one.")
    page.get_by_label("Start", exact=True).fill(today)
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Your proposal was sent for approval.")).to_be_visible()
    proposal_url = page.url.split("?")[0]

    # Mark, in his own browser, finds it in his queue and asks for changes.
    mark_context = browser.new_context(locale="en-GB")
    try:
        mark = mark_context.new_page()
        sign_in(mark, live_server, MANAGER)
        mark.goto(f"{live_server.url}/approvals")
        mark.get_by_role("link", name="Our onboarding checklists live in five wikis.").click()
        mark.get_by_label("Reason (the proposer reads it)").fill("Say which wiki stays.")
        mark.get_by_role("button", name="Ask for changes").click()
        expect(mark.get_by_text("The proposer was asked for changes.")).to_be_visible()

        # Emma reads why, changes the proposal and submits it again.
        page.goto(proposal_url)
        expect(page.get_by_text("Say which wiki stays.")).to_be_visible()
        page.get_by_role("button", name="Change the proposal").click()
        page.get_by_label("What the company gains").fill(
            "Newcomers find everything on day one, in the HR wiki only."
        )
        page.get_by_role("button", name="Submit for approval").click()
        expect(page.get_by_text("Your proposal was sent for approval.")).to_be_visible()

        # Mark approves with a reason; the project group appears.
        mark.goto(proposal_url)
        mark.get_by_label("Reason (the proposer reads it)").fill("Go, and keep it short.")
        mark.get_by_role("button", name="Approve").click()
        expect(mark.get_by_text("The proposal is approved.")).to_be_visible()
        expect(mark.get_by_text("Go, and keep it short.")).to_be_visible()
    finally:
        mark_context.close()

    page.goto(proposal_url)
    facts = page.locator(".proposal-facts")
    facts.get_by_role("link", name="Our onboarding checklists live in five wikis.").click()
    pinned = page.locator("#group-pinned-proposals")
    expect(pinned.get_by_text("In progress")).to_be_visible()

    # Emma checks in (without leaving the page) and closes it with a retrospective.
    page.goto(proposal_url)
    page.get_by_label("What was done this week").fill("Merged three wikis into one.")
    page.get_by_label("Hours spent").fill("2.5")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#proposal-checkins").get_by_text("Merged three wikis")).to_be_visible()
    expect(page.get_by_text("2.5 h spent of")).to_be_visible()
    page.get_by_role("button", name="Close with a retrospective").click()
    page.get_by_label("Completed: we did what we set out to do").check()
    page.get_by_label("What we learned").fill("One wiki per topic is enough.")
    page.get_by_role("button", name="Close and share the retrospective").click()
    expect(page.get_by_text("The project is closed and its retrospective shared.")).to_be_visible()

    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("One wiki per topic is enough.").first).to_be_visible()
    expect(
        page.get_by_text("completed a slack-time project and shared its retrospective").first
    ).to_be_visible()
