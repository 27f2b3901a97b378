"""The animators' console at /animation, and every animation route."""

from __future__ import annotations

from starlette.routing import BaseRoute

from esn.animation.charters import views as charters
from esn.animation.curation import views as curation
from esn.animation.health import views as health
from esn.animation.impact import views as impact
from esn.animation.moderation import views as moderation
from esn.animation.queue import views as queue
from esn.animation.spotlights import views as spotlights

routes: list[BaseRoute] = [
    *queue.routes,
    *spotlights.routes,
    *curation.routes,
    *charters.routes,
    *moderation.routes,
    *health.routes,
    *impact.routes,
]
