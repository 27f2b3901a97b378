"""Errors that services raise and the web layer turns into responses."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class of the errors a service reports to its caller."""


class NotFound(ServiceError):
    """The thing does not exist, or the actor may not know that it does (404)."""


class Forbidden(ServiceError):
    """The actor may see the thing but may not do this to it (403)."""


class InvalidInput(ServiceError):
    """Input failed a rule that needs the database; messages keyed by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class Throttled(ServiceError):
    """Too many attempts; the caller may retry after ``retry_after`` seconds (429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after
