"""Profiles, the profile editor, the directory, the org chart and follows, through HTTP."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from esn.accounts.models import Role, User
from esn.people.models import Follow, Profile, Skill
from esn.people.service import NewPerson, create_person
from tests.conftest import MakePerson, csrf_token, log_in
from tests.people.conftest import edit_data, error_for, reload

SignedIn = tuple[httpx.AsyncClient, User, Profile]


# --- the profile page ---------------------------------------------------------


async def test_profile_shows_who_the_person_is(
    signed_in: SignedIn, make_person: MakePerson, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    boss, boss_profile = await colleague("Bernard Leroy", title="Head of design")
    person, profile = await make_person(
        "Hélène Dupont",
        title="Service designer",
        department="Design",
        site="Lyon",
        manager_id=boss.id,
        skills=("Figma", "User research"),
        languages="French, English",
    )
    _report, report_profile = await colleague("Jules Petit", manager_id=person.id)
    await log_in(client, person.email)
    token = await csrf_token(client, "/")
    await client.post(
        f"/people/{profile.handle}/edit",
        data=edit_data(
            token,
            display_name="Hélène Dupont",
            title="Service designer",
            department="Design",
            site="Lyon",
            manager=boss.email,
            bio="Ten years of interviews & prototypes.",
            skills="Figma, User research",
            how_i_can_help="Run a usability test with you.",
            looking_for="A data project.",
            languages="French, English",
        ),
    )

    page = await client.get(f"/people/{profile.handle}")

    assert page.status_code == 200
    html = page.text
    for text in [
        "Hélène Dupont",
        "Service designer",
        "Design",
        "Lyon",
        "Ten years of interviews &amp; prototypes.",
        "Run a usability test with you.",
        "A data project.",
        "French, English",
    ]:
        assert text in html
    assert f'<a href="/people/{boss_profile.handle}">Bernard Leroy</a>' in html
    assert f'<a href="/people/{report_profile.handle}">Jules Petit</a>' in html
    assert '<a href="/people?skill=figma"' in html
    assert '<a href="/people?skill=user%20research"' in html


async def test_htmx_gets_only_the_stream_block_of_a_profile(signed_in: SignedIn) -> None:
    """The profile's 'More' swaps its stream: htmx gets that block, not the page."""
    client, _alice, profile = signed_in
    path = f"/people/{profile.handle}"

    whole = (await client.get(path)).text
    block = (await client.get(path, headers={"HX-Request": "true"})).text

    assert "<nav" in whole and profile.display_name in whole
    assert "<nav" not in block and "<h1" not in block
    assert f'id="stream-user-{profile.user_id}"' in block


async def test_unknown_handle_is_404(signed_in: SignedIn) -> None:
    client, _user, _profile = signed_in
    response = await client.get("/people/nobody-here")
    assert response.status_code == 404


async def test_a_nul_byte_in_the_address_is_a_404_not_a_crash(signed_in: SignedIn) -> None:
    client, _user, _profile = signed_in
    assert (await client.get("/people/%00")).status_code == 404
    assert (await client.get("/org", params={"person": "a\x00b"})).status_code == 404


async def test_deactivated_profile_is_hidden_except_from_admins(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson, db: AsyncSession
) -> None:
    gone, gone_profile = await colleague("Gaston Parti")
    employee, _ = await make_person("Eve Salarié")
    admin, _ = await make_person("Ada Admin", role=Role.ADMIN.value)
    stored = await db.get(User, gone.id)
    assert stored is not None
    stored.is_active = False
    await db.commit()

    await log_in(client, employee.email)
    assert (await client.get(f"/people/{gone_profile.handle}")).status_code == 404

    await log_in(client, admin.email)
    page = await client.get(f"/people/{gone_profile.handle}")
    assert page.status_code == 200
    assert "Gaston Parti" in page.text


async def test_anonymous_visitors_are_sent_to_login(
    client: httpx.AsyncClient, colleague: MakePerson
) -> None:
    _user, profile = await colleague("Hélène Dupont")
    for path in ["/people", f"/people/{profile.handle}", f"/people/{profile.handle}/edit", "/org"]:
        response = await client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")


# --- editing ----------------------------------------------------------------


async def test_edit_saves_and_the_profile_shows_it(signed_in: SignedIn, db: AsyncSession) -> None:
    client, alice, profile = signed_in
    form = await client.get(f"/people/{profile.handle}/edit")
    assert form.status_code == 200
    assert 'value="Alice Martin"' in form.text
    token = await csrf_token(client, f"/people/{profile.handle}/edit")

    response = await client.post(
        f"/people/{profile.handle}/edit",
        data=edit_data(
            token,
            display_name="Alice Martin-Évrard",
            title="Data engineer",
            site="Nantes",
            bio="Line one\nLine two",
            skills="Python, SQL, python",
            languages="French",
        ),
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/people/{profile.handle}?saved=1"
    page = await client.get(response.headers["location"])
    assert "Your changes were saved." in page.text
    assert "Alice Martin-Évrard" in page.text
    assert "Data engineer" in page.text
    assert "Nantes" in page.text
    stored = await reload(db, profile.user_id)
    assert stored.search_name == "alice martin-evrard"
    skills = (await db.execute(select(Skill.name).where(Skill.user_id == alice.id))).scalars()
    assert sorted(skills) == ["Python", "SQL"]


async def test_another_employee_cannot_edit_but_an_admin_can(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson, db: AsyncSession
) -> None:
    _owner, owner_profile = await colleague("Alice Martin")
    other, _ = await make_person("Mallory Voisin")
    admin, _ = await make_person("Ada Admin", role=Role.ADMIN.value)
    path = f"/people/{owner_profile.handle}/edit"

    await log_in(client, other.email)
    token = await csrf_token(client, "/")
    assert (await client.get(path)).status_code == 403
    refused = await client.post(path, data=edit_data(token, title="Hacked"))
    assert refused.status_code == 403
    profile_page = await client.get(f"/people/{owner_profile.handle}")
    assert f'href="{path}"' not in profile_page.text
    assert (await reload(db, owner_profile.user_id)).title == ""

    await log_in(client, admin.email)
    token = await csrf_token(client, "/")
    assert (await client.get(path)).status_code == 200
    done = await client.post(path, data=edit_data(token, title="Architect"))
    assert done.status_code == 303
    assert (await reload(db, owner_profile.user_id)).title == "Architect"


async def test_an_invalid_form_from_a_stranger_is_still_403(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson
) -> None:
    _owner, owner_profile = await colleague("Alice Martin")
    other, _ = await make_person("Mallory Voisin")
    await log_in(client, other.email)
    token = await csrf_token(client, "/")
    response = await client.post(
        f"/people/{owner_profile.handle}/edit", data=edit_data(token, display_name="")
    )
    assert response.status_code == 403


async def test_a_manager_loop_is_refused(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson, db: AsyncSession
) -> None:
    boss, boss_profile = await make_person("Bernard Leroy")
    middle, _ = await colleague("Chloé Moreau", manager_id=boss.id)
    report, _ = await colleague("Jules Petit", manager_id=middle.id)
    await log_in(client, boss.email)
    token = await csrf_token(client, "/")

    response = await client.post(
        f"/people/{boss_profile.handle}/edit",
        data=edit_data(token, display_name="Bernard Leroy", manager=report.email),
    )

    assert response.status_code == 422
    assert "round in a circle" in error_for(response.text, "manager")
    assert f'value="{report.email}"' in response.text
    assert (await reload(db, boss_profile.user_id)).manager_id is None


async def test_manager_must_exist_and_be_active(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson, db: AsyncSession
) -> None:
    me, profile = await make_person("Alice Martin")
    gone, gone_profile = await colleague("Gaston Parti")
    stored = await db.get(User, gone.id)
    assert stored is not None
    stored.is_active = False
    await db.commit()
    await log_in(client, me.email)
    token = await csrf_token(client, "/")
    path = f"/people/{profile.handle}/edit"

    for reference in ["nobody@example.com", gone.email, gone_profile.handle]:
        response = await client.post(path, data=edit_data(token, manager=reference))
        assert response.status_code == 422
        assert "No active colleague" in error_for(response.text, "manager")

    me_too = await client.post(path, data=edit_data(token, manager=me.email))
    assert "own manager" in error_for(me_too.text, "manager")


async def test_manager_by_handle_then_cleared(
    client: httpx.AsyncClient, make_person: MakePerson, colleague: MakePerson, db: AsyncSession
) -> None:
    boss, boss_profile = await colleague("Bernard Leroy")
    me, profile = await make_person("Alice Martin")
    await log_in(client, me.email)
    token = await csrf_token(client, "/")
    path = f"/people/{profile.handle}/edit"

    await client.post(path, data=edit_data(token, manager=boss_profile.handle))
    assert (await reload(db, profile.user_id)).manager_id == boss.id
    form = await client.get(path)
    assert f'value="{boss.email}"' in form.text

    await client.post(path, data=edit_data(token, manager=""))
    assert (await reload(db, profile.user_id)).manager_id is None


async def test_control_and_direction_characters_in_the_name_are_refused(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, profile = signed_in
    token = await csrf_token(client, "/")
    for name, message in [
        ("Alice\x00Martin", "control characters"),
        ("Alice \u202enitraM", "invisible formatting characters"),
    ]:
        response = await client.post(
            f"/people/{profile.handle}/edit",
            data=edit_data(token, display_name=name, title="Changed too"),
        )
        assert response.status_code == 422
        assert message in error_for(response.text, "display_name")
        assert "Nothing was saved" in response.text
        # What was typed is kept, so only the bad character needs fixing.
        assert 'value="Changed too"' in response.text
        stored = await reload(db, profile.user_id)
        assert stored.display_name == "Alice Martin"
        assert stored.title == ""
    kept = await client.post(
        f"/people/{profile.handle}/edit", data=edit_data(token, display_name="Alice \u202eX")
    )
    assert 'value="Alice \u202eX"' in kept.text


async def test_every_limit_has_its_message_next_to_the_field(signed_in: SignedIn) -> None:
    client, _alice, profile = signed_in
    token = await csrf_token(client, "/")
    response = await client.post(
        f"/people/{profile.handle}/edit",
        data=edit_data(
            token,
            display_name="",
            title="t" * 121,
            how_i_can_help="h" * 2001,
            languages="l" * 201,
            skills="ok, " + "s" * 61,
        ),
    )
    assert response.status_code == 422
    assert error_for(response.text, "display_name") == "Enter a name."
    assert error_for(response.text, "title") == "Keep this under 120 characters."
    assert error_for(response.text, "how_i_can_help") == "Keep this under 2000 characters."
    assert error_for(response.text, "languages") == "Keep this under 200 characters."
    assert error_for(response.text, "skills") == "Keep each skill under 60 characters."


async def test_a_ten_megabyte_bio_gets_a_message_not_a_crash(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, profile = signed_in
    token = await csrf_token(client, "/")
    data = edit_data(token, title="Kept")
    del data["bio"]
    response = await client.post(
        f"/people/{profile.handle}/edit",
        data=data,
        files={"bio": (None, "x" * (10 * 1024 * 1024))},
    )
    assert response.status_code == 422
    assert error_for(response.text, "bio") == "Keep this under 4000 characters."
    assert 'value="Kept"' in response.text
    assert (await reload(db, profile.user_id)).bio == ""


async def test_edit_post_without_csrf_token_is_refused(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, profile = signed_in
    data = edit_data("", title="Forged")
    del data["csrf_token"]
    response = await client.post(f"/people/{profile.handle}/edit", data=data)
    assert response.status_code == 403
    assert (await reload(db, profile.user_id)).title == ""


# --- the directory ------------------------------------------------------------


async def test_directory_finds_people_without_accents(
    signed_in: SignedIn, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    await colleague("Hélène Dupont")
    await colleague("Bruno Marchal")
    response = await client.get("/people", params={"q": "helene"})
    assert response.status_code == 200
    assert "Hélène Dupont" in response.text
    assert "Bruno Marchal" not in response.text
    assert "Hélène Dupont" in (await client.get("/people", params={"q": "HÉLÈ"})).text


async def test_directory_searches_titles_and_skills(
    signed_in: SignedIn, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    await colleague("Hélène Dupont", title="Accountant")
    await colleague("Bruno Marchal", skills=("Kubernetes",))
    by_title = await client.get("/people", params={"q": "account"})
    assert "Hélène Dupont" in by_title.text
    assert "Bruno Marchal" not in by_title.text
    by_skill = await client.get("/people", params={"q": "kube"})
    assert "Bruno Marchal" in by_skill.text
    assert "Hélène Dupont" not in by_skill.text


async def test_directory_filters_by_department_site_and_skill(
    signed_in: SignedIn, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    await colleague("Hélène Dupont", department="Design", site="Lyon", skills=("Figma",))
    await colleague("Bruno Marchal", department="Sales", site="Lyon", skills=("Negotiation",))

    page = await client.get("/people")
    assert '<option value="Design"' in page.text
    assert '<option value="Sales"' in page.text
    assert '<option value="figma"' in page.text

    design = await client.get("/people", params={"department": "Design"})
    assert "Hélène Dupont" in design.text
    assert "Bruno Marchal" not in design.text
    lyon = await client.get("/people", params={"site": "Lyon"})
    assert "Hélène Dupont" in lyon.text and "Bruno Marchal" in lyon.text
    skilled = await client.get("/people", params={"skill": "negotiation"})
    assert "Bruno Marchal" in skilled.text
    assert "Hélène Dupont" not in skilled.text


async def test_directory_shows_only_active_people(
    signed_in: SignedIn, colleague: MakePerson, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    gone, _ = await colleague("Gaston Parti")
    stored = await db.get(User, gone.id)
    assert stored is not None
    stored.is_active = False
    await db.commit()
    page = await client.get("/people")
    assert "Alice Martin" in page.text
    assert "Gaston Parti" not in page.text


async def test_percent_and_underscore_are_searched_literally(
    signed_in: SignedIn, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    await colleague("Zoé 100% Ventes")
    await colleague("Yann Le_Gall")
    percent = await client.get("/people", params={"q": "%"})
    assert "100% Ventes" in percent.text
    assert "Alice Martin" not in percent.text
    assert "Le_Gall" not in percent.text
    underscore = await client.get("/people", params={"q": "_"})
    assert "Le_Gall" in underscore.text
    assert "Alice Martin" not in underscore.text


async def test_htmx_search_gets_only_the_results(
    signed_in: SignedIn, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    await colleague("Hélène Dupont", title="Service designer")
    page = await client.get("/people")
    assert 'hx-get="/people"' in page.text
    assert 'hx-target="#directory-results"' in page.text

    fragment = await client.get("/people", params={"q": "helene"}, headers={"HX-Request": "true"})

    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert 'role="search"' not in fragment.text
    assert "Hélène Dupont" in fragment.text
    assert "Service designer" in fragment.text
    assert "Alice Martin" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"]


async def test_directory_pages_follow_each_other_without_overlap(
    signed_in: SignedIn, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    for number in range(30):
        # No password: hashing one is slow, and nobody logs in as these people.
        await create_person(
            db, NewPerson(email=f"p{number}@example.com", name=f"Dupont {number:02d}")
        )

    seen: list[str] = []
    url: str | None = "/people?q=dupont"
    pages = 0
    while url is not None:
        response = await client.get(url)
        names = re.findall(r"<strong>(Dupont \d\d)</strong>", response.text)
        seen.extend(names)
        pages += 1
        match = re.search(r'<a href="(/people\?[^"]+)" rel="next">', response.text)
        url = match.group(1).replace("&amp;", "&") if match else None
        assert pages <= 3

    assert pages == 2
    assert len(seen) == 30
    assert seen == sorted(seen)
    assert len(set(seen)) == 30


async def test_a_broken_cursor_starts_from_the_top(signed_in: SignedIn) -> None:
    client, _alice, _profile = signed_in
    response = await client.get("/people", params={"after": "not-a-cursor!"})
    assert response.status_code == 200
    assert "Alice Martin" in response.text


async def test_bad_search_text_gets_a_message(signed_in: SignedIn) -> None:
    client, _alice, _profile = signed_in
    response = await client.get("/people", params={"q": "a\x00b"})
    assert response.status_code == 422
    assert "control characters" in error_for(response.text, "q")


# --- the org chart ------------------------------------------------------------


async def test_org_chart_shows_the_chain_and_the_reports(
    signed_in: SignedIn, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    ceo, ceo_profile = await colleague("Claire Directrice", title="CEO")
    vp, vp_profile = await colleague("Victor Adjoint", manager_id=ceo.id)
    lead, lead_profile = await colleague("Léa Cheffe", manager_id=vp.id)
    dev, dev_profile = await colleague("Denis Dev", manager_id=lead.id)
    await colleague("Théo Stagiaire", manager_id=dev.id)
    await colleague("Tina Stagiaire", manager_id=dev.id)

    page = await client.get("/org", params={"person": lead_profile.handle})

    assert page.status_code == 200
    html = page.text
    ceo_link = f'<a href="/org?person={ceo_profile.handle}">Claire Directrice</a>'
    vp_link = f'<a href="/org?person={vp_profile.handle}">Victor Adjoint</a>'
    dev_link = f'<a href="/org?person={dev_profile.handle}">Denis Dev</a>'
    assert html.index(ceo_link) < html.index(vp_link) < html.index("<strong>Léa Cheffe</strong>")
    assert html.index("<strong>Léa Cheffe</strong>") < html.index(dev_link)
    assert "2 reports" in html
    assert f'<a href="/people/{lead_profile.handle}">See the profile</a>' in html

    top = await client.get("/org", params={"person": ceo_profile.handle})
    assert vp_link in top.text
    assert dev_link not in top.text


async def test_org_chart_defaults_to_the_reader(signed_in: SignedIn, colleague: MakePerson) -> None:
    client, alice, _profile = signed_in
    await colleague("Jules Petit", manager_id=alice.id)
    page = await client.get("/org")
    assert "<strong>Alice Martin</strong>" in page.text
    assert "Jules Petit" in page.text


async def test_org_chart_of_an_unknown_person_is_404(signed_in: SignedIn) -> None:
    client, _alice, _profile = signed_in
    assert (await client.get("/org", params={"person": "nobody"})).status_code == 404


# --- following ----------------------------------------------------------------


async def test_follow_and_unfollow_round_trip(
    signed_in: SignedIn, colleague: MakePerson, db: AsyncSession
) -> None:
    client, alice, alice_profile = signed_in
    _bruno, bruno_profile = await colleague("Bruno Marchal")
    path = f"/people/{bruno_profile.handle}"
    token = await csrf_token(client, path)
    assert "0 followers" in (await client.get(path)).text

    followed = await client.post(f"{path}/follow", data={"csrf_token": token})
    assert followed.status_code == 303
    assert followed.headers["location"] == path
    again = await client.post(f"{path}/follow", data={"csrf_token": token})
    assert again.status_code == 303
    page = await client.get(path)
    assert "1 follower" in page.text
    assert f'action="{path}/unfollow"' in page.text
    mine = await client.get(f"/people/{alice_profile.handle}")
    assert "follows 1 person" in mine.text
    count = (await db.execute(select(Follow).where(Follow.follower_id == alice.id))).all()
    assert len(count) == 1

    await client.post(f"{path}/unfollow", data={"csrf_token": token})
    await client.post(f"{path}/unfollow", data={"csrf_token": token})
    page = await client.get(path)
    assert "0 followers" in page.text
    assert f'action="{path}/follow"' in page.text


async def test_htmx_follow_swaps_only_the_button(
    signed_in: SignedIn, colleague: MakePerson
) -> None:
    client, _alice, _profile = signed_in
    _bruno, bruno_profile = await colleague("Bruno Marchal")
    path = f"/people/{bruno_profile.handle}"
    token = await csrf_token(client, path)
    response = await client.post(
        f"{path}/follow", headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="follow-block"')
    assert "<html" not in response.text
    assert "1 follower" in response.text
    assert "Unfollow" in response.text
    assert f'name="csrf_token" value="{token}"' in response.text


async def test_nobody_follows_themselves(signed_in: SignedIn) -> None:
    client, _alice, profile = signed_in
    path = f"/people/{profile.handle}"
    page = await client.get(path)
    assert f'action="{path}/follow"' not in page.text
    token = await csrf_token(client, path)
    response = await client.post(f"{path}/follow", data={"csrf_token": token})
    assert response.status_code == 403
    assert "You cannot follow yourself." in response.text


async def test_following_an_unknown_person_is_404(signed_in: SignedIn) -> None:
    client, _alice, _profile = signed_in
    token = await csrf_token(client, "/")
    response = await client.post("/people/nobody/follow", data={"csrf_token": token})
    assert response.status_code == 404


async def test_follow_without_csrf_token_is_refused(
    signed_in: SignedIn, colleague: MakePerson, db: AsyncSession
) -> None:
    client, _alice, _profile = signed_in
    _bruno, bruno_profile = await colleague("Bruno Marchal")
    response = await client.post(f"/people/{bruno_profile.handle}/follow", data={})
    assert response.status_code == 403
    assert (await db.execute(select(Follow))).first() is None
