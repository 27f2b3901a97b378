"""The administration pages: accounts, roles, deactivation, imports."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
