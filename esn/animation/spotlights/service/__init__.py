"""Spotlights: drafting, the member's answer, the home page, suggestions.

An animator drafts a portrait of a member; nothing of it shows anywhere until
the member accepts it (esn.lifecycle.SPOTLIGHT). Every change is one
conditional UPDATE on (id, state, version), so a form rendered before the last
change is refused as stale and two answers at once cannot both win.
Notifications are recorded with the write and sent once it is committed.

Suggestions of whom to spotlight next are per-person figures: company
animators and administrators only.

One module per concept: ``states`` (labels, refusals, what shows when),
``reading`` (pages and lists), ``drafting``, ``answering`` (the member's
answer and edits, withdrawal) and ``suggesting``. Import from this package.
"""

from esn.animation.spotlights.service.answering import (
    OBJECT_TYPE,
    VERB,
    answer_spotlight,
    edit_spotlight_portrait,
    withdraw_spotlight,
)
from esn.animation.spotlights.service.drafting import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MAX_DAYS_AHEAD,
    MIN_DAYS,
    PORTRAIT_FIELDS,
    NewSpotlight,
    Portrait,
    check_can_draft,
    draft_spotlight,
    length_message,
    portrait_from_profile,
)
from esn.animation.spotlights.service.reading import (
    HOME_LIMIT,
    LIST_LIMIT,
    PROFILE_LIMIT,
    SpotlightPage,
    SpotlightsOverview,
    SpotlightView,
    home_spotlights,
    portrait_values,
    profile_spotlights,
    spotlight_page,
    spotlights_overview,
)
from esn.animation.spotlights.service.states import (
    EDITABLE,
    RefusedTransition,
    StaleSpotlight,
    is_showing,
    state_label,
)
from esn.animation.spotlights.service.suggesting import (
    SUGGESTION_LIMIT,
    Suggestion,
    suggestions,
)

__all__ = [
    "DEFAULT_DAYS",
    "EDITABLE",
    "HOME_LIMIT",
    "LIST_LIMIT",
    "MAX_DAYS",
    "MAX_DAYS_AHEAD",
    "MIN_DAYS",
    "OBJECT_TYPE",
    "PORTRAIT_FIELDS",
    "PROFILE_LIMIT",
    "SUGGESTION_LIMIT",
    "VERB",
    "NewSpotlight",
    "Portrait",
    "RefusedTransition",
    "SpotlightPage",
    "SpotlightView",
    "SpotlightsOverview",
    "StaleSpotlight",
    "Suggestion",
    "answer_spotlight",
    "check_can_draft",
    "draft_spotlight",
    "edit_spotlight_portrait",
    "home_spotlights",
    "is_showing",
    "length_message",
    "portrait_from_profile",
    "portrait_values",
    "profile_spotlights",
    "spotlight_page",
    "spotlights_overview",
    "state_label",
    "suggestions",
    "withdraw_spotlight",
]
