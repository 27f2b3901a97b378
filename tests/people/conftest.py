"""Fixtures of the people tests."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from esn.people.models import Profile


def edit_data(token: str, **fields: str) -> dict[str, str]:
    """A complete profile form: what the edit page would send, with ``fields`` changed."""
    data = {
        "csrf_token": token,
        "display_name": "Alice Martin",
        "title": "",
        "department": "Engineering",
        "site": "",
        "manager": "",
        "bio": "",
        "skills": "",
        "how_i_can_help": "",
        "looking_for": "",
        "languages": "",
    }
    data.update(fields)
    return data


async def reload(db: AsyncSession, user_id: int) -> Profile:
    """The profile as stored now, not as this session remembers it."""
    db.expire_all()
    profile = await db.get(Profile, user_id)
    assert profile is not None
    return profile


def error_for(html: str, field: str) -> str:
    """The message shown next to ``field`` on a form page."""
    match = re.search(rf'<small id="error-{field}" class="field-error">([^<]*)</small>', html)
    assert match, f"no error shown next to {field}"
    return match.group(1)
