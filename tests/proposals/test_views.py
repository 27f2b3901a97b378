"""Proposal pages through HTTP: writing with bad input, authority, stale forms,
the list, the CSV, the approver's queue and the administrators' allowances."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.accounts.models import User
from esn.core.clock import utcnow
from esn.proposals import service as proposals
from esn.proposals.models import Proposal
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE
from tests.conftest import MakeGroup, MakePerson, csrf_token
from tests.proposals.conftest import idea, sign_in_as, stored


@dataclass
class Signed:
    """People of a small org chart, each with a signed-in client."""

    manager: User
    alice: User
    outsider: User
    admin: User
    clients: dict[str, httpx.AsyncClient]


@pytest.fixture
async def signed(app: Starlette, colleague: MakePerson) -> AsyncIterator[Signed]:
    """Mona manages Alice; Otto is in another department; Ada administers."""
    manager, _ = await colleague("Mona Manager", department="Engineering")
    alice, _ = await colleague("Alice Martin", department="Engineering", manager_id=manager.id)
    outsider, _ = await colleague("Otto Other", department="Sales")
    admin, _ = await colleague("Ada Admin", department="IT", role="admin")
    people = {"manager": manager, "alice": alice, "outsider": outsider, "admin": admin}
    clients = {name: await sign_in_as(app, user) for name, user in people.items()}
    try:
        yield Signed(manager, alice, outsider, admin, clients)
    finally:
        for client in clients.values():
            await client.aclose()


def form_data(token: str, **fields: str) -> dict[str, str]:
    """A complete proposal form with ``fields`` changed."""
    start = utcnow().date() + timedelta(days=7)
    data = {
        "csrf_token": token,
        "title": "Invoice export",
        "problem": "Customers ask for CSV invoices.",
        "gain": "Fewer tickets.",
        "time_unit": "percent",
        "time_amount": "10",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=27)).isoformat(),
        "skills": "SQL, Python",
        "coproposers": "",
        "group": "",
        "action": "save",
    }
    data.update(fields)
    return data


def error_for(html: str, field: str) -> str:
    """The message shown next to ``field``."""
    match = re.search(rf'<small id="error-{field}" class="field-error">([^<]*)</small>', html)
    assert match, f"no error shown next to {field}"
    return match.group(1)


def problem_of(html: str) -> str:
    """The problem shown at the top of the proposal page."""
    match = re.search(r'<p class="form-error" role="alert"[^>]*>([^<]*)</p>', html)
    assert match, "no problem shown"
    return match.group(1)


async def count(db: AsyncSession) -> int:
    return int((await db.execute(select(func.count()).select_from(Proposal))).scalar_one())


async def submitted_by(app: Starlette, user: User, media_dir: Path, **changes: object) -> Proposal:
    async with app.state.session_factory() as db:
        draft = await proposals.create_proposal(db, user, idea(**changes))
        return await proposals.submit_proposal(
            db, user, draft.id or 0, version=draft.version, media_dir=media_dir
        )


# --- writing ------------------------------------------------------------------------------


async def test_writing_and_submitting_leads_to_the_proposal_page(
    signed: Signed, db: AsyncSession
) -> None:
    client = signed.clients["alice"]
    assert (await client.get("/proposals/new")).status_code == 200
    token = await csrf_token(client, "/proposals/new")

    response = await client.post(
        "/proposals/new", data=form_data(token, action="submit", title="Café data club")
    )

    assert response.status_code == 303
    assert re.fullmatch(r"/proposals/\d+\?done=submitted", response.headers["location"])
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Your proposal was sent for approval." in page.text
    assert "Café data club" in page.text and "Submitted" in page.text
    assert "Mona Manager" in page.text  # the approver, from the org chart


BAD_INPUT = [
    (
        {"end_date": (utcnow().date() + timedelta(days=2)).isoformat()},
        "end_date",
        "The end comes before the start",
    ),
    ({"time_amount": "0"}, "time_amount", "more than zero"),
    ({"time_amount": "-5"}, "time_amount", "more than zero"),
    ({"time_amount": "lots"}, "time_amount", "Enter a number"),
    ({"time_amount": "20"}, "time_amount", "your slack-time allowance is 3.5 h a week (10 %)"),
    ({"time_unit": "hours", "time_amount": "7"}, "time_amount", "You ask 7 h a week (20 %"),
    ({"title": "  "}, "title", "Give the proposal a title."),
    ({"problem": ""}, "problem", "Say what problem or opportunity"),
    ({"start_date": ""}, "start_date", "This field is required."),
    ({"start_date": "2026-02-30"}, "start_date", "This date does not exist."),
    ({"coproposers": "nobody@example.com"}, "coproposers", "No active colleague"),
    ({"coproposers": "@alice-martin"}, "coproposers", "You are the proposer"),
    ({"group": "no-such-group"}, "group", "Choose one of the groups you belong to"),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_INPUT)
async def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    signed: Signed, db: AsyncSession, fields: dict[str, str], field: str, message: str
) -> None:
    client = signed.clients["alice"]
    token = await csrf_token(client, "/proposals/new")
    data = (
        form_data(token, title="Kept title", **fields)
        if field != "title"
        else form_data(token, **fields)
    )

    response = await client.post("/proposals/new", data=data)

    assert response.status_code == 422
    assert message in error_for(response.text, field).replace("&#39;", "'")
    if field != "title":
        assert 'value="Kept title"' in response.text  # what was typed is kept
    assert await count(db) == 0


async def test_a_post_becomes_a_proposal_with_its_thread_suggested(
    app: Starlette, signed: Signed, colleague: MakePerson, db: AsyncSession
) -> None:
    media = app.state.settings.media_dir
    carla, _ = await colleague("Carla Commenter")
    async with app.state.session_factory() as session:
        post = await stream.create_post(
            session,
            signed.outsider,
            COMPANY_SOURCE,
            "CSV invoices?\nThree asked.",
            media_dir=media,
        )
        await stream.add_comment(session, carla, post.id or 0, "Yes, mine too.")
    client = signed.clients["alice"]
    thread = await client.get(f"/posts/{post.id}")
    assert f"/proposals/new?from_post={post.id}" in thread.text

    form = await client.get(f"/proposals/new?from_post={post.id}")

    assert form.status_code == 200
    assert 'value="CSV invoices?"' in form.text
    assert "@otto-other, @carla-commenter" in form.text
    token = await csrf_token(client, "/proposals/new")
    data = form_data(
        token, origin_post_id=str(post.id), coproposers="@carla-commenter", action="submit"
    )
    created = await client.post("/proposals/new", data=data)
    assert created.status_code == 303
    page = await client.get(created.headers["location"])
    assert f'href="/posts/{post.id}"' in page.text  # the proposal links to its origin
    thread = await client.get(f"/posts/{post.id}")
    assert "This conversation became a slack-time proposal" in thread.text  # and back


async def test_a_post_one_may_not_read_cannot_start_a_proposal(
    app: Starlette, signed: Signed, make_group: MakeGroup
) -> None:
    group = await make_group(signed.outsider, "Secret lab", "secret")
    async with app.state.session_factory() as session:
        post = await stream.create_post(
            session,
            signed.outsider,
            f"group:{group.id}",
            "Hidden idea",
            media_dir=app.state.settings.media_dir,
        )
    response = await signed.clients["alice"].get(f"/proposals/new?from_post={post.id}")
    assert response.status_code == 404
    assert "Hidden idea" not in response.text


# --- deciding: authority, stale forms, undeclared moves ------------------------------------


async def decide(
    client: httpx.AsyncClient, proposal: Proposal, decision: str, reason: str, version: int
) -> httpx.Response:
    token = await csrf_token(client, "/proposals")
    return await client.post(
        f"/proposals/{proposal.id}/decide",
        data={"csrf_token": token, "decision": decision, "reason": reason, "version": str(version)},
    )


async def test_the_manager_decides_with_a_reason_and_nobody_else_may(
    app: Starlette, signed: Signed, make_group: MakeGroup, db: AsyncSession
) -> None:
    media = app.state.settings.media_dir
    proposal = await submitted_by(app, signed.alice, media)
    version = proposal.version

    own = await decide(signed.clients["alice"], proposal, "approve", "Me!", version)
    assert own.status_code == 403
    assert "Nobody approves their own proposal" in own.text
    other = await decide(signed.clients["outsider"], proposal, "approve", "Sure", version)
    assert other.status_code == 403  # may see it (company-wide), may not decide
    admin = await decide(signed.clients["admin"], proposal, "approve", "Sure", version)
    assert admin.status_code == 403  # Alice has a manager: the admin does not decide

    no_reason = await decide(signed.clients["manager"], proposal, "approve", "  ", version)
    assert no_reason.status_code == 422
    assert error_for(no_reason.text, "reason") == "Say why: the proposer will read it."
    assert (await stored(db, proposal.id)).state == "submitted"

    approved = await decide(signed.clients["manager"], proposal, "approve", "Go!", version)
    assert approved.status_code == 303
    assert (await stored(db, proposal.id)).state == "approved"

    stale = await decide(signed.clients["manager"], proposal, "decline", "Oops", version)
    assert stale.status_code == 409
    assert "This proposal changed since you opened it" in problem_of(stale.text)
    undeclared = await decide(
        signed.clients["manager"],
        proposal,
        "decline",
        "No",
        (await stored(db, proposal.id)).version,
    )
    assert undeclared.status_code == 409
    assert "is not a step that follows from there" in problem_of(undeclared.text)
    assert (await stored(db, proposal.id)).state == "approved"

    secret = await make_group(signed.alice, "Skunkworks", "secret")
    hidden = await submitted_by(app, signed.alice, media, group=secret.slug, title="Hush")
    unseen = await decide(signed.clients["outsider"], hidden, "approve", "Sure", hidden.version)
    missing = await signed.clients["outsider"].post(
        "/proposals/987654/decide",
        data={"csrf_token": await csrf_token(signed.clients["outsider"], "/proposals")},
    )
    assert unseen.status_code == 404 and missing.status_code in (404, 422)
    assert "Hush" not in unseen.text


async def test_proposers_own_moves_are_checked_too(
    app: Starlette, signed: Signed, db: AsyncSession
) -> None:
    proposal = await submitted_by(app, signed.alice, app.state.settings.media_dir)
    token = await csrf_token(signed.clients["outsider"], "/proposals")
    stranger = await signed.clients["outsider"].post(
        f"/proposals/{proposal.id}/withdraw",
        data={"csrf_token": token, "version": str(proposal.version)},
    )
    assert stranger.status_code == 403
    assert "Only the proposer may do this." in stranger.text

    token = await csrf_token(signed.clients["alice"], "/proposals")
    checkin = await signed.clients["alice"].post(
        f"/proposals/{proposal.id}/checkins",
        data={"csrf_token": token, "done": "Started", "hours": "2"},
    )
    assert checkin.status_code == 409
    assert "Check-ins are for active projects" in checkin.text

    withdrawn = await signed.clients["alice"].post(
        f"/proposals/{proposal.id}/withdraw",
        data={"csrf_token": token, "version": str(proposal.version)},
    )
    assert withdrawn.status_code == 303
    again = await signed.clients["alice"].post(
        f"/proposals/{proposal.id}/submit",
        data={"csrf_token": token, "version": str(proposal.version + 1)},
    )
    assert again.status_code == 409
    assert "Withdrawn" in problem_of(again.text)


async def test_the_approver_is_refused_past_the_allowance_with_the_figures(
    app: Starlette, signed: Signed, db: AsyncSession
) -> None:
    media = app.state.settings.media_dir
    first = await submitted_by(app, signed.alice, media, time_amount=6)
    async with app.state.session_factory() as session:
        await proposals.decide_proposal(
            session, signed.manager, first.id or 0, "approve", "Yes", version=first.version
        )
    second = await submitted_by(app, signed.alice, media, title="Second idea", time_amount=5)

    response = await decide(signed.clients["manager"], second, "approve", "Yes", second.version)

    assert response.status_code == 422
    message = problem_of(response.text)
    assert "Approving would take Alice Martin past their slack-time allowance" in message
    assert "3.5 h a week allowed, 2.1 h already committed, 1.75 h asked here (3.85 h in all)" in (
        message
    )
    assert (await stored(db, second.id)).state == "submitted"


# --- lists, the queue, the CSV, allowances ------------------------------------------------------


async def test_the_list_filters_and_searches_what_one_may_see(
    app: Starlette, signed: Signed, make_group: MakeGroup
) -> None:
    media = app.state.settings.media_dir
    await submitted_by(app, signed.alice, media, title="Invoice export")
    await submitted_by(
        app,
        signed.outsider,
        media,
        title="Lunch roulette",
        problem="Meet colleagues at lunch.",
        skills=("Cooking",),
    )
    secret = await make_group(signed.alice, "Skunkworks", "secret")
    await submitted_by(app, signed.alice, media, title="Hush project", group=secret.slug)
    client = signed.clients["outsider"]

    everything = await client.get("/proposals")
    assert "Invoice export" in everything.text and "Lunch roulette" in everything.text
    assert "Hush project" not in everything.text
    searched = await client.get("/proposals?q=invoice", headers={"hx-request": "true"})
    assert "Invoice export" in searched.text and "Lunch roulette" not in searched.text
    assert "<html" not in searched.text  # htmx gets the results alone
    by_skill = await client.get("/proposals?skill=cooking")
    assert "Lunch roulette" in by_skill.text and "Invoice export" not in by_skill.text
    by_department = await client.get("/proposals?department=Engineering")
    assert "Invoice export" in by_department.text and "Lunch roulette" not in by_department.text
    by_state = await client.get("/proposals?state=approved")
    assert "Invoice export" not in by_state.text
    assert (await client.get("/proposals?state=bogus")).status_code == 422
    assert "Hush project" in (await signed.clients["alice"].get("/proposals")).text


async def test_csv_export_covers_the_readers_scope(app: Starlette, signed: Signed) -> None:
    media = app.state.settings.media_dir
    await submitted_by(app, signed.alice, media, title="=HYPERLINK(evil)")
    await submitted_by(app, signed.outsider, media, title="Lunch roulette")

    managers = await signed.clients["manager"].get("/proposals/export.csv")
    assert managers.status_code == 200
    assert managers.headers["content-type"].startswith("text/csv")
    assert "'=HYPERLINK(evil)" in managers.text  # never a formula
    assert "Lunch roulette" not in managers.text  # not one of the manager's reports
    admins = await signed.clients["admin"].get("/proposals/export.csv")
    assert "Lunch roulette" in admins.text
    employee = await signed.clients["alice"].get("/proposals/export.csv")
    assert employee.status_code == 403


async def test_the_queue_shows_waiting_proposals_and_the_teams_time(
    app: Starlette, signed: Signed
) -> None:
    media = app.state.settings.media_dir
    waiting = await submitted_by(app, signed.alice, media, title="Waiting idea")
    running = await submitted_by(app, signed.alice, media, title="Running idea", time_amount=5)
    async with app.state.session_factory() as session:
        await proposals.decide_proposal(
            session,
            signed.manager,
            running.id or 0,
            "approve",
            "Go",
            version=running.version,
            today=utcnow().date() + timedelta(days=30),
        )

    page = await signed.clients["manager"].get("/approvals")

    assert page.status_code == 200
    queue = page.text.split('id="approval-queue"')[1].split("</section>")[0]
    assert "Waiting idea" in queue and "Running idea" not in queue
    assert "Waiting since today" in queue
    alice_row = page.text.split(f'id="team-time-{signed.alice.id}"')[1].split("</tr>")[0]
    assert "10 % · 3.5 h" in alice_row
    assert "1.8 h committed" in alice_row and "1.8 h available" in alice_row
    assert f"/proposals/{waiting.id}" in page.text
    nothing = await signed.clients["outsider"].get("/approvals")
    assert "Nothing waits for your decision." in nothing.text


async def test_administrators_set_allowances_and_the_ledger_follows(
    signed: Signed, db: AsyncSession
) -> None:
    admin = signed.clients["admin"]
    assert (await signed.clients["alice"].get("/proposals/allowances")).status_code == 403
    assert (await admin.get("/proposals/allowances")).status_code == 200
    token = await csrf_token(admin, "/proposals/allowances")

    bad = await admin.post(
        "/proposals/allowances/department",
        data={"csrf_token": token, "department": "Engineering", "percent": "150"},
    )
    assert bad.status_code == 422
    assert "between 0 and 100" in error_for(bad.text, "percent")
    saved = await admin.post(
        "/proposals/allowances/department",
        data={"csrf_token": token, "department": "Engineering", "percent": "20"},
    )
    assert saved.status_code == 303
    person = await admin.post(
        "/proposals/allowances/person",
        data={"csrf_token": token, "person": signed.alice.email, "percent": "15"},
    )
    assert person.status_code == 303

    percents = await proposals.allowance_percents(
        db, {signed.alice.id or 0, signed.manager.id or 0, signed.outsider.id or 0}
    )
    assert percents == {signed.alice.id: 15, signed.manager.id: 20, signed.outsider.id: 10}
    page = await admin.get("/proposals/allowances")
    assert "Alice Martin" in page.text


async def test_a_form_from_another_tab_is_refused_as_stale(
    app: Starlette, signed: Signed, db: AsyncSession
) -> None:
    client = signed.clients["alice"]
    async with app.state.session_factory() as session:
        draft = await proposals.create_proposal(session, signed.alice, idea())
    form = await client.get(f"/proposals/{draft.id}/edit")
    assert form.status_code == 200
    assert f'name="version" value="{draft.version}"' in form.text
    token = await csrf_token(client, "/proposals")
    submitted = await client.post(
        f"/proposals/{draft.id}/submit", data={"csrf_token": token, "version": str(draft.version)}
    )
    assert submitted.status_code == 303

    late = await client.post(
        f"/proposals/{draft.id}/edit",
        data=form_data(token, title="Changed in the old tab", version=str(draft.version)),
    )

    assert late.status_code == 409
    assert "This proposal changed since you opened it" in problem_of(late.text)
    assert (await stored(db, draft.id)).title == "Invoice export"


async def test_the_approved_project_shows_in_its_group_the_stream_and_the_bell(
    app: Starlette, signed: Signed
) -> None:
    proposal = await submitted_by(
        app, signed.alice, app.state.settings.media_dir, start_date=utcnow().date()
    )
    approved = await decide(signed.clients["manager"], proposal, "approve", "Go", proposal.version)
    assert approved.headers["location"] == f"/proposals/{proposal.id}?done=approve"
    alice = signed.clients["alice"]

    page = await alice.get(f"/proposals/{proposal.id}")
    assert "In progress" in page.text and "Go" in page.text  # history with its reason
    group_link = re.search(r'<a href="(/groups/[^"]+)">Invoice export</a>', page.text)
    assert group_link
    group = await alice.get(group_link.group(1))
    pinned = group.text.split('id="group-pinned-proposals"')[1].split("</section>")[0]
    assert f"/proposals/{proposal.id}" in pinned and "In progress" in pinned
    home = await signed.clients["outsider"].get("/")
    assert "approved a slack-time proposal" in home.text
    bell = await alice.get("/notifications")
    assert "Mona Manager approved “Invoice export”" in bell.text
    assert f'href="/proposals/{proposal.id}"' in bell.text

    token = await csrf_token(alice, "/proposals")
    checked = await alice.post(
        f"/proposals/{proposal.id}/checkins",
        data={"csrf_token": token, "done": "Wrote the export", "hours": "2,5"},
        headers={"hx-request": "true"},
    )
    assert checked.status_code == 200
    assert "<html" not in checked.text  # htmx gets the check-ins block alone
    assert "Wrote the export" in checked.text and "2.5 h spent of" in checked.text
    bad = await alice.post(
        f"/proposals/{proposal.id}/checkins",
        data={"csrf_token": token, "done": "", "hours": "0"},
        headers={"hx-request": "true"},
    )
    assert bad.status_code == 422
    assert error_for(bad.text, "done") == "Say what was done this week."
    assert error_for(bad.text, "hours") == "Enter the time spent: more than zero."


async def test_backing_through_htmx_updates_the_support_block(
    app: Starlette, signed: Signed
) -> None:
    proposal = await submitted_by(app, signed.alice, app.state.settings.media_dir)
    client = signed.clients["outsider"]
    token = await csrf_token(client, "/proposals")

    backed = await client.post(
        f"/proposals/{proposal.id}/back",
        data={"csrf_token": token, "word": "Count on me"},
        headers={"hx-request": "true"},
    )

    assert backed.status_code == 200 and "<html" not in backed.text
    assert "Otto Other" in backed.text and "Count on me" in backed.text
    own = await signed.clients["alice"].post(
        f"/proposals/{proposal.id}/back",
        data={"csrf_token": await csrf_token(signed.clients["alice"], "/proposals"), "word": ""},
    )
    assert own.status_code == 403
    assert "backing and volunteering are for colleagues" in own.text
