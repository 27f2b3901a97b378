"""How people's names, handles and skills are folded, checked and made unique."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.core.i18n import gettext as _
from esn.core.text import text_problem
from esn.people.models import Profile


def fold(text: str) -> str:
    """Lower-case and strip accents, so "Hélène" is found by "helene"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def skill_key(name: str) -> str:
    """The form of a skill name that filters compare."""
    return re.sub(r"\s+", " ", fold(name))


def name_problem(name: str) -> str | None:
    """Why a display name cannot be used, or None."""
    if not name.strip():
        return _("Enter a name.")
    if len(name) > 120:
        return _("Keep this under %(count)d characters.") % {"count": 120}
    return text_problem(name, single_line=True)


def _handle_base(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")
    return slug[:48] or "person"


async def unique_handle(db: AsyncSession, name: str) -> str:
    """A profile handle from ``name``, numbered ("-2", "-3", ...) when already taken."""
    base = _handle_base(name)
    taken = set(
        (
            await db.execute(
                select(col(Profile.handle)).where(
                    (col(Profile.handle) == base) | col(Profile.handle).startswith(f"{base}-")
                )
            )
        ).scalars()
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"
