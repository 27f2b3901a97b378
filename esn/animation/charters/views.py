"""Pages of this part of the animators' work."""

from __future__ import annotations

from starlette.routing import BaseRoute

# Full paths (the animation routes are listed before the /groups and /posts mounts).
routes: list[BaseRoute] = []
