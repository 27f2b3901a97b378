"""Tables of the accounts domain."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlmodel import Field, SQLModel

from esn.core.clock import utcnow


class Role(enum.StrEnum):
    """Company-wide roles. A manager is not a role: it is anyone with reports."""

    EMPLOYEE = "employee"
    ANIMATOR = "animator"
    ADMIN = "admin"


class User(SQLModel, table=True):
    """A person's account: how they sign in and what they may administer."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(default="", max_length=255)
    role: str = Field(default=Role.EMPLOYEE.value, max_length=16)
    is_active: bool = Field(default=True)
    locale: str | None = Field(default=None, max_length=8)
    timezone: str = Field(default="Europe/Paris", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


class UserSession(SQLModel, table=True):
    """A signed-in browser. Deleting the row signs that browser out at once."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    user_agent: str = Field(default="", max_length=255)


class PasswordResetToken(SQLModel, table=True):
    """A single-use, expiring link sent by email; only its hash is stored."""

    __tablename__ = "password_reset_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed login, counted per account and per address in a sliding window."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
