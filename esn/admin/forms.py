"""Input models for the administration forms."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from esn.accounts.models import Role
from esn.accounts.service import normalise_email, valid_email
from esn.core.i18n import gettext as _
from esn.core.text import clean_text
from esn.people.service import name_problem

SEARCH_MAX_LENGTH = 100


def role_choices() -> list[tuple[str, str]]:
    """The roles an administrator can give, with their translated names."""
    return [
        (Role.EMPLOYEE.value, _("Employee")),
        (Role.ANIMATOR.value, _("Community animator")),
        (Role.ADMIN.value, _("Administrator")),
    ]


def _known_role(value: str) -> str:
    if value not in {r.value for r in Role}:
        raise ValueError(_("Choose one of the listed roles."))
    return value


class RoleForm(BaseModel):
    """Give an account another role."""

    role: str

    @field_validator("role")
    @classmethod
    def known_role(cls, value: str) -> str:
        return _known_role(value)


class ActiveForm(BaseModel):
    """Deactivate ("0") or reactivate ("1") an account."""

    active: Literal["0", "1"]

    @property
    def is_active(self) -> bool:
        return self.active == "1"


class CreateAccountForm(BaseModel):
    """Add one person by hand; they choose a password with the reset link."""

    email: str = Field(max_length=254)
    name: str
    role: str = Role.EMPLOYEE.value
    department: str = ""
    title: str = ""

    @field_validator("email")
    @classmethod
    def email_shape(cls, value: str) -> str:
        value = normalise_email(value)
        if not value:
            raise ValueError(_("Enter an email address."))
        if not valid_email(value):
            raise ValueError(_("Enter a valid email address."))
        return value

    @field_validator("name")
    @classmethod
    def usable_name(cls, value: str) -> str:
        problem = name_problem(value)
        if problem:
            raise ValueError(problem)
        return value.strip()

    @field_validator("role")
    @classmethod
    def known_role(cls, value: str) -> str:
        return _known_role(value)

    @field_validator("department", "title")
    @classmethod
    def short_text(cls, value: str) -> str:
        return clean_text(value, max_length=120)


class AccountSearch(BaseModel):
    """The account list's query string: words to look for, where the page starts."""

    q: str = ""
    after: str = ""

    @field_validator("q")
    @classmethod
    def bounded_query(cls, value: str) -> str:
        return _printable(value).strip()[:SEARCH_MAX_LENGTH]

    @field_validator("after")
    @classmethod
    def bounded_cursor(cls, value: str) -> str:
        return _printable(value)[:254]


def _printable(value: str) -> str:
    # A NUL in a query parameter would make PostgreSQL refuse the whole query.
    return "".join(char for char in value if char.isprintable())
