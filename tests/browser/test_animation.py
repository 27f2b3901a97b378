"""Three people in three browsers: an animator puts a member in the spotlight with
the member's consent, and a colleague finds it on their home page; then the
animator hides a post that colleague reported, and its author reads why."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LiveServer, sign_in

ANIMATOR = "lea.animator@example.com"
MEMBER = "max.member@example.com"
COLLEAGUE = "tina.colleague@example.com"


def _browser_of(browser: Browser, server: LiveServer, email: str) -> tuple[BrowserContext, Page]:
    """A separate browser profile, signed in as ``email``."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in(page, server, email)
    return context, page


def test_a_spotlight_with_consent_and_a_hidden_post_with_its_reason(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    live_server.add_person(ANIMATOR, "Léa Animator", role="animator", department="HR")
    live_server.add_person(MEMBER, "Max Member", department="Finance")
    live_server.add_person(COLLEAGUE, "Tina Colleague", department="Design")

    # Max, the member, shares something (the post Tina will report).
    sign_in(page, live_server, MEMBER)
    page.get_by_label("Share something").fill("Whoever broke the build again is an idiot.")
    page.get_by_role("button", name="Post", exact=True).click()
    max_post = page.locator("article.post", has_text="Whoever broke the build again")
    expect(max_post).to_be_visible()

    lea_context, lea = _browser_of(browser, live_server, ANIMATOR)
    tina_context, tina = _browser_of(browser, live_server, COLLEAGUE)
    try:
        # Léa drafts a spotlight for Max.
        lea.goto(f"{live_server.url}/animation/spotlights/new")
        lea.get_by_label("Who").fill(MEMBER)
        lea.get_by_label("What I work on").fill("Closing the books faster.")
        lea.get_by_label("How I can help").fill("Spreadsheets that do not lie.")
        lea.get_by_label("What I'm looking for").fill("People who automate reports.")
        lea.get_by_label("Why now").fill("Your new closing process saved everyone a week.")
        lea.get_by_role("button", name="Ask them").click()
        expect(lea.locator("#spotlight-state")).to_contain_text("waiting for an answer")

        # Nothing shows to Tina before Max says yes.
        tina.goto(f"{live_server.url}/")
        expect(tina.get_by_text("Closing the books faster.")).to_have_count(0)

        # Max follows the notification, edits his portrait and accepts.
        page.goto(f"{live_server.url}/notifications")
        page.get_by_role("link", name="would like to put you in the spotlight").first.click()
        page.get_by_label("What I work on").fill("Closing the books in three days.")
        page.get_by_role("button", name="Save my portrait").click()
        page.get_by_role("button", name="Accept: show it").click()
        expect(page.locator("#spotlight-state")).to_contain_text("showing now")

        # Tina, a third person, finds Max in the spotlight on her home page.
        tina.goto(f"{live_server.url}/")
        card = tina.locator("section.spotlights-home")
        expect(card).to_contain_text("Max Member")
        expect(card).to_contain_text("Closing the books in three days.")

        # Tina reports Max's post; Léa hides it with a reason.
        tina.locator("article.post", has_text="Whoever broke the build again").get_by_role(
            "link", name="Report"
        ).click()
        tina.get_by_label("Why").fill("Insulting a colleague, even without a name.")
        tina.get_by_role("button", name="Send the report").click()
        expect(tina.get_by_text("Thank you")).to_be_visible()

        lea.goto(f"{live_server.url}/animation/moderation")
        report = lea.locator(".report-item", has_text="Insulting a colleague")
        report.get_by_label("Reason").fill("Please criticise the build, not people.")
        report.get_by_role("button", name="Hide").click()
        expect(lea.get_by_text("Please criticise the build, not people.")).to_be_visible()

        # Max sees that his post is hidden, and why; Tina sees only a placeholder.
        page.goto(f"{live_server.url}/")
        mine = page.locator("article.post", has_text="Whoever broke the build again")
        expect(mine).to_contain_text("Please criticise the build, not people.")
        tina.goto(f"{live_server.url}/")
        expect(tina.get_by_text("Whoever broke the build again")).to_have_count(0)
        expect(tina.get_by_text("hidden by a moderator").first).to_be_visible()
    finally:
        lea_context.close()
        tina_context.close()
