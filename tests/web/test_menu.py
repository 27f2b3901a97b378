"""base.html's main menu: which links each role sees, as policy.py decides."""

from __future__ import annotations

import re

import httpx
import pytest

from esn import policy
from esn.accounts.models import Role, User
from esn.web.templating import menu_for
from tests.conftest import MakePerson, log_in

MAIN_NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)
HREF = re.compile(r'<(?:a href|form method="post" action)="([^"]+)"')

# What every signed-in person sees, in the menu's order (the public URLs of DESIGN.md).
EVERYONE = ["/", "/people", "/groups", "/proposals", "/org"]
PERSONAL = ["/notifications", "/settings", "/logout"]

MENUS = {
    "employee": EVERYONE + PERSONAL,
    # A manager is an employee with reports: the same menu (the approvals queue
    # is reached from /proposals, not from the menu).
    "manager": EVERYONE + PERSONAL,
    "animator": [*EVERYONE, "/animation", *PERSONAL],
    "admin": [*EVERYONE, "/animation", "/admin", *PERSONAL],
}


def menu_links(page: str) -> list[str]:
    """The paths the main menu of ``page`` links to (and posts to, for logging out)."""
    found = MAIN_NAV.search(page)
    assert found, "no main menu on the page"
    return HREF.findall(found.group(1))


async def _person(make_person: MakePerson, kind: str) -> User:
    if kind == "manager":
        manager, _ = await make_person("Morgan Manager")
        await make_person("Riley Report", manager_id=manager.id)
        return manager
    user, _ = await make_person(f"An {kind}", role=Role(kind).value)
    return user


@pytest.mark.parametrize("kind", list(MENUS))
async def test_each_role_sees_its_menu(
    client: httpx.AsyncClient, make_person: MakePerson, kind: str
) -> None:
    user = await _person(make_person, kind)
    assert (await log_in(client, user.email)).status_code == 303

    for path in ("/", "/people", "/no-such-page"):  # a page, another page, the error page
        page = await client.get(path)
        assert menu_links(page.text) == MENUS[kind], path


async def test_anonymous_visitors_see_only_the_login_link(client: httpx.AsyncClient) -> None:
    page = await client.get("/")

    assert menu_links(page.text) == ["/", "/login"]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("active", [True, False])
def test_menu_flags_are_policy_decisions(role: Role, active: bool) -> None:
    user = User(email="someone@example.com", role=role.value, is_active=active)

    assert menu_for(user) == {
        "animation": policy.can_animate_company(user),
        "admin": policy.can_administer(user),
    }
    assert menu_for(None) == {"animation": False, "admin": False}
