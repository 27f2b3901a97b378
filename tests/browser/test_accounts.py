"""A person logs in, switches language and logs out, in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, sign_in


def test_log_in_and_out(page: Page, live_server: LiveServer) -> None:
    live_server.add_person("manon.leroy@example.com", "Manon Leroy", department="Finance")
    sign_in(page, live_server, "manon.leroy@example.com")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Manon Leroy")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.goto(f"{live_server.url}/settings")
    expect(page).to_have_url(f"{live_server.url}/login?next=%2Fsettings")


def test_wrong_password_keeps_the_email(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong email or password.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("someone@example.com")


def test_switch_language(page: Page, live_server: LiveServer) -> None:
    live_server.add_person("louis.petit@example.com", "Louis Petit")
    sign_in(page, live_server, "louis.petit@example.com")
    page.get_by_label("Language").select_option("fr")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Paramètres")).to_be_visible()
    page.get_by_label("Langue").select_option("en")
    page.get_by_role("button", name="Changer de langue").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
