"""Input models for the people forms: the profile editor and the directory search."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator
from sqlalchemy import inspect

from esn.core.i18n import gettext as _
from esn.core.text import clean_text
from esn.people.models import Profile, Skill
from esn.people.service import DirectoryQuery, ProfileChanges, name_problem

MAX_SKILLS = 30
MAX_SEARCH_LENGTH = 100


def _column_length(model: Any, name: str) -> int:
    """The max_length the table declares for a column, so forms and tables agree."""
    length = inspect(model).columns[name].type.length
    assert isinstance(length, int)
    return length


def _limit(name: str) -> int:
    return _column_length(Profile, name)


SKILL_MAX_LENGTH = _column_length(Skill, "name")
MANAGER_MAX_LENGTH = 254


class ProfileForm(BaseModel):
    """The profile editor. Every text is trimmed, bounded and printable."""

    display_name: str = ""
    title: str = ""
    department: str = ""
    site: str = ""
    manager: str = ""
    bio: str = ""
    skills: list[str] = []
    how_i_can_help: str = ""
    looking_for: str = ""
    languages: str = ""
    remove_photo: bool = False

    @field_validator("display_name")
    @classmethod
    def display_name_usable(cls, value: str) -> str:
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("title", "department", "site", "languages")
    @classmethod
    def one_line(cls, value: str, info: Any) -> str:
        return clean_text(value, max_length=_limit(info.field_name))

    @field_validator("bio", "how_i_can_help", "looking_for")
    @classmethod
    def paragraphs(cls, value: str, info: Any) -> str:
        return clean_text(value, max_length=_limit(info.field_name), single_line=False)

    @field_validator("manager")
    @classmethod
    def manager_reference(cls, value: str) -> str:
        return clean_text(value, max_length=MANAGER_MAX_LENGTH)

    @field_validator("skills", mode="before")
    @classmethod
    def comma_separated(cls, value: Any) -> list[str]:
        text = clean_text(str(value), max_length=MAX_SKILLS * (SKILL_MAX_LENGTH + 2))
        names = [name.strip() for name in text.split(",") if name.strip()]
        if len(names) > MAX_SKILLS:
            raise ValueError(_("List at most %(count)d skills.") % {"count": MAX_SKILLS})
        if any(len(name) > SKILL_MAX_LENGTH for name in names):
            raise ValueError(
                _("Keep each skill under %(count)d characters.") % {"count": SKILL_MAX_LENGTH}
            )
        return names

    def changes(self) -> ProfileChanges:
        """What the service saves."""
        return ProfileChanges(
            display_name=self.display_name,
            title=self.title,
            department=self.department,
            site=self.site,
            manager=self.manager,
            bio=self.bio,
            skills=tuple(self.skills),
            how_i_can_help=self.how_i_can_help,
            looking_for=self.looking_for,
            languages=self.languages,
            remove_photo=self.remove_photo,
        )


class DirectoryForm(BaseModel):
    """The directory's search box, filters and page cursor (a GET form)."""

    q: str = ""
    department: str = ""
    site: str = ""
    skill: str = ""
    after: str = ""

    @field_validator("q")
    @classmethod
    def search_text(cls, value: str) -> str:
        return clean_text(value, max_length=MAX_SEARCH_LENGTH)

    @field_validator("department", "site")
    @classmethod
    def filter_value(cls, value: str, info: Any) -> str:
        return clean_text(value, max_length=_limit(info.field_name))

    @field_validator("skill")
    @classmethod
    def skill_value(cls, value: str) -> str:
        return clean_text(value, max_length=SKILL_MAX_LENGTH)

    @field_validator("after")
    @classmethod
    def cursor(cls, value: str) -> str:
        # An unreadable cursor is ignored by the service; only its size matters here.
        return clean_text(value, max_length=1000)

    def query(self) -> DirectoryQuery:
        """What the service searches for."""
        return DirectoryQuery(
            q=self.q, department=self.department, site=self.site, skill=self.skill, after=self.after
        )
