"""The health page and its CSV exports over HTTP: who may see them, what they show."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from esn.animation.health.service import TABLES
from esn.core.clock import utcnow
from tests.animation.health.conftest import add_comment, add_group, add_post, add_reaction
from tests.conftest import MakePerson, log_in


@pytest.fixture
async def animator_client(
    app: Starlette, make_person: MakePerson
) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in as a company animator."""
    user, _ = await make_person("Ann Animator", role="animator", department="Community")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        assert (await log_in(http, user.email)).status_code == 303
        yield http


@pytest.fixture
async def secret_talk(db: AsyncSession, colleague: MakePerson) -> None:
    """Cross-department talk, part of it inside a secret group, and a formula-like name."""
    eve, _ = await colleague("Eve Eng", department="Engineering")
    mal, _ = await colleague('=HYPERLINK("x")', department="=cmd|' /C calc'!A0")
    ops, _ = await colleague("Olga Ops", department="Ops")
    group = await add_group(db, "Hidden Circle", [eve, mal], visibility="secret")
    now = utcnow()
    secret_post = await add_post(db, eve, now - timedelta(days=2), group=group, body="Secret plans")
    await add_comment(db, secret_post, mal, now - timedelta(days=1))
    public = await add_post(db, ops, now - timedelta(days=3), body="Public hello")
    await add_reaction(db, public, mal, now - timedelta(days=1))


async def test_employees_get_404_on_the_page_and_every_export(
    signed_in: tuple[httpx.AsyncClient, object, object],
) -> None:
    client, _user, _profile = signed_in
    assert (await client.get("/animation/health")).status_code == 404
    for table in (*TABLES, "nope"):
        response = await client.get(f"/animation/health.csv?table={table}&weeks=12")
        assert response.status_code == 404


async def test_anonymous_visitors_are_sent_to_login(client: httpx.AsyncClient) -> None:
    response = await client.get("/animation/health")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_the_page_shows_charts_tables_and_no_private_content(
    animator_client: httpx.AsyncClient, secret_talk: None
) -> None:
    response = await animator_client.get("/animation/health")
    assert response.status_code == 200
    html = response.text
    for heading in (
        "Community health",
        "Engagement segments",
        "Bridges between departments",
        "Maturity ladder",
        "Impact stories",
    ):
        assert heading in html
    assert 'value="12" selected' in html
    # Three charts, each well-formed SVG with a title.
    svgs = [part.split("</svg>")[0] + "</svg>" for part in html.split("<svg")[1:]]
    assert len(svgs) == 3
    for svg in svgs:
        root = ET.fromstring("<svg" + svg)  # noqa: S314 - our own markup
        assert root.find("{http://www.w3.org/2000/svg}title") is not None
    # Aggregates only: no post text and no name of the secret group.
    assert "Secret plans" not in html and "Public hello" not in html
    assert "Hidden Circle" not in html
    assert "style=" not in html.split("<main", 1)[1]
    # The formula-like name is shown as text, escaped.
    assert "=HYPERLINK(&#34;x&#34;)" in html or "=HYPERLINK(&quot;x&quot;)" in html
    for table in TABLES:
        assert f"table={table}" in html or table in {"never", "introductions"}


async def test_a_bad_period_keeps_the_default_with_a_message(
    animator_client: httpx.AsyncClient,
) -> None:
    response = await animator_client.get("/animation/health?weeks=7")
    assert response.status_code == 422
    assert 'id="error-weeks"' in response.text
    assert "Choose one of the listed periods." in response.text
    assert 'value="12" selected' in response.text
    htmx = await animator_client.get("/animation/health?weeks=abc", headers={"HX-Request": "true"})
    assert htmx.status_code == 422
    assert "<html" not in htmx.text and "Choose one of the listed periods." in htmx.text
    good = await animator_client.get("/animation/health?weeks=4")
    assert good.status_code == 200 and 'value="4" selected' in good.text
    assert "weeks=4" in good.text  # the export links follow the period


async def _csv(client: httpx.AsyncClient, table: str, weeks: int = 12) -> list[list[str]]:
    response = await client.get(f"/animation/health.csv?table={table}&weeks={weeks}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert f"health-{table}-{weeks}w.csv" in response.headers["content-disposition"]
    return list(csv.reader(io.StringIO(response.text)))


async def test_csv_exports_have_headers_and_no_formulas(
    animator_client: httpx.AsyncClient, secret_talk: None
) -> None:
    weekly = await _csv(animator_client, "weekly", 4)
    assert weekly[0] == ["Week starting", "Posts", "Comments"]
    assert len(weekly) == 5
    assert sum(int(row[1]) for row in weekly[1:]) == 2
    assert sum(int(row[2]) for row in weekly[1:]) == 1
    segments = await _csv(animator_client, "segments")
    assert segments[0] == ["Segment", "People", "Share (%)"]
    assert [row[1] for row in segments[1:]] == ["2", "1", "0", "1", "0"]
    matrix = await _csv(animator_client, "matrix")
    assert matrix[0] == [
        "From department",
        "To department",
        "Replies",
        "Reactions",
        "Shared groups",
        "Total",
    ]
    evil = "'=cmd|' /C calc'!A0"
    cells = {(row[0], row[1]): row[2:] for row in matrix[1:]}
    assert cells[(evil, "Engineering")] == ["1", "0", "1", "2"]
    assert cells[(evil, "Ops")] == ["0", "1", "0", "1"]
    silent = await _csv(animator_client, "never")
    assert silent[1:] == [
        [evil, "Community"],
        ["Community", "Engineering"],
        ["Community", "Ops"],
        ["Engineering", "Ops"],
    ]
    bridgers = await _csv(animator_client, "bridgers")
    assert bridgers[1][0] == '\'=HYPERLINK("x")'
    for table in ("introductions", "ladder", "impact"):
        rows = await _csv(animator_client, table)
        assert rows[0]
    every = ""
    for table in TABLES:
        every += (await animator_client.get(f"/animation/health.csv?table={table}")).text
    assert "Hidden Circle" not in every and "Secret plans" not in every


async def test_csv_refuses_unknown_tables_and_periods(animator_client: httpx.AsyncClient) -> None:
    unknown = await animator_client.get("/animation/health.csv?table=passwords")
    assert unknown.status_code == 400
    assert "Choose one of the listed tables." in unknown.text
    period = await animator_client.get("/animation/health.csv?table=weekly&weeks=5")
    assert period.status_code == 400
    assert "Choose one of the listed periods." in period.text
