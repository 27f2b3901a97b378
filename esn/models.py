"""Every domain's tables, imported once so the metadata is complete for Alembic."""

from sqlmodel import SQLModel

from esn.accounts.models import LoginFailure, PasswordResetToken, User, UserSession
from esn.people.models import Follow, Profile, Skill

metadata = SQLModel.metadata

__all__ = [
    "Follow",
    "LoginFailure",
    "PasswordResetToken",
    "Profile",
    "Skill",
    "User",
    "UserSession",
    "metadata",
]
