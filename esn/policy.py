"""Who may see and do what: the one place these decisions are made."""

from __future__ import annotations

from esn.accounts.models import Role, User


def is_admin(actor: User | None) -> bool:
    """Administrators manage accounts, roles and imports."""
    return actor is not None and actor.is_active and actor.role == Role.ADMIN.value


def can_administer(actor: User | None) -> bool:
    """May open /admin and change accounts."""
    return is_admin(actor)


def can_edit_profile(actor: User | None, profile_user_id: int) -> bool:
    """People edit their own profile; administrators edit anyone's."""
    if actor is None or not actor.is_active:
        return False
    return actor.id == profile_user_id or is_admin(actor)


def can_see_directory(actor: User | None) -> bool:
    """The directory and profiles are for signed-in staff only."""
    return actor is not None and actor.is_active


def can_follow(actor: User | None, followee_id: int) -> bool:
    """Anyone signed in may follow anyone else, never themselves."""
    return actor is not None and actor.is_active and actor.id != followee_id


def can_see_profile(actor: User | None, person: User) -> bool:
    """Signed-in staff see active people; only administrators see deactivated ones."""
    if not can_see_directory(actor):
        return False
    return person.is_active or is_admin(actor)
