"""Profiles and the directory in a real browser: photo upload, live search."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, sign_in


def test_edit_profile_with_a_photo(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    live_server.add_person("ines.moreau@example.com", "Inès Moreau", department="Marketing")
    photo = tmp_path / "portrait.png"
    Image.new("RGB", (640, 480), (200, 120, 40)).save(photo)

    sign_in(page, live_server, "ines.moreau@example.com")
    page.get_by_role("link", name="See your profile").click()
    page.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_label("Job title").fill("Brand manager")
    page.get_by_label("Skills").fill("Storytelling, Figma")
    page.get_by_label("How I can help").fill("Reviewing your slides before a big meeting.")
    page.get_by_label("New photo").set_input_files(str(photo))
    page.get_by_role("button", name="Save the profile").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Inès Moreau")
    expect(page.get_by_text("Brand manager")).to_be_visible()
    expect(page.get_by_role("link", name="Storytelling")).to_be_visible()
    expect(page.get_by_text("Reviewing your slides before a big meeting.")).to_be_visible()
    portrait = page.locator("img.avatar").first
    expect(portrait).to_be_visible()
    assert portrait.evaluate("image => image.naturalWidth") == 512


def test_a_text_file_named_png_is_refused_next_to_the_field(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    live_server.add_person("paul.girard@example.com", "Paul Girard")
    fake = tmp_path / "holiday.png"
    fake.write_text("this is not an image")

    sign_in(page, live_server, "paul.girard@example.com")
    page.get_by_role("link", name="See your profile").click()
    page.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_label("Job title").fill("Accountant")
    page.get_by_label("New photo").set_input_files(str(fake))
    page.get_by_role("button", name="Save the profile").click()

    expect(page.locator("#error-photo")).to_be_visible()
    expect(page.get_by_label("Job title")).to_have_value("Accountant")


def test_find_a_colleague_by_skill_as_you_type(page: Page, live_server: LiveServer) -> None:
    live_server.add_person(
        "yann.kowalski@example.com", "Yann Kowalski", department="Finance", skills=("Kubernetes",)
    )
    live_server.add_person(
        "sophie.lambert@example.com", "Sophie Lambert", department="Sales", skills=("Negotiation",)
    )
    sign_in(page, live_server, "sophie.lambert@example.com")
    page.get_by_role("link", name="People").click()
    page.get_by_label("Search by name, job title or skill").press_sequentially("kubern")
    results = page.locator("#directory-results")
    expect(results.get_by_text("Yann Kowalski")).to_be_visible()
    expect(results.get_by_text("Sophie Lambert")).to_have_count(0)
    # The page itself was not reloaded: the search box keeps focus and its text.
    expect(page.get_by_label("Search by name, job title or skill")).to_be_focused()

    page.goto(f"{live_server.url}/people")
    page.get_by_label("Skill", exact=True).select_option("Negotiation")
    page.get_by_role("button", name="Search").click()
    expect(results.get_by_text("Sophie Lambert")).to_be_visible()
    expect(results.get_by_text("Yann Kowalski")).to_have_count(0)
