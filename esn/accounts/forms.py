"""Input models for the accounts forms."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from esn.accounts.service import PASSWORD_MAX_LENGTH
from esn.core.i18n import LOCALES
from esn.core.i18n import gettext as _


class LoginForm(BaseModel):
    """The login form: ``email`` and ``password``."""

    email: str = Field(max_length=254)
    password: str = Field(max_length=PASSWORD_MAX_LENGTH)
    next: str = ""

    @field_validator("email")
    @classmethod
    def email_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("Enter your email address."))
        return value.strip()

    @field_validator("password")
    @classmethod
    def password_given(cls, value: str) -> str:
        if not value:
            raise ValueError(_("Enter your password."))
        return value


class ResetRequestForm(BaseModel):
    """Ask for a reset link."""

    email: str = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def email_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("Enter your email address."))
        return value.strip()


class NewPasswordForm(BaseModel):
    """Choose a password with a reset link: typed twice."""

    password: str
    password_confirm: str

    @field_validator("password_confirm")
    @classmethod
    def same_twice(cls, value: str, info: object) -> str:
        data = getattr(info, "data", {})
        if "password" in data and value != data["password"]:
            raise ValueError(_("The two passwords differ."))
        return value


class ChangePasswordForm(BaseModel):
    """Change one's password while signed in."""

    current_password: str
    new_password: str
    new_password_confirm: str

    @field_validator("new_password_confirm")
    @classmethod
    def same_twice(cls, value: str, info: object) -> str:
        data = getattr(info, "data", {})
        if "new_password" in data and value != data["new_password"]:
            raise ValueError(_("The two passwords differ."))
        return value


class LanguageForm(BaseModel):
    """The language switch on every page."""

    locale: str
    next: str = "/"

    @field_validator("locale")
    @classmethod
    def known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(_("Choose one of the listed languages."))
        return value
