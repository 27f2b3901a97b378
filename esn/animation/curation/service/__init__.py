"""Curation: featuring and pinning posts, curating, archiving and merging groups.

One module per concept: ``expiry`` (the dates features and pins end),
``featuring`` (posts on home and pinned in groups), ``curating`` (a group's
details, archive, place in the directory) and ``merging``. Import from this
package.
"""

from esn.animation.curation.service.curating import (
    CurationPage,
    GroupDetails,
    archive_group,
    curation_page,
    feature_group,
    unarchive_group,
    unfeature_group,
    update_group_details,
)
from esn.animation.curation.service.expiry import (
    DEFAULT_FEATURE_DAYS,
    MAX_FEATURE_DAYS,
    MIN_FEATURE_DAYS,
    default_until,
    expiry_from,
    today_for,
)
from esn.animation.curation.service.featuring import (
    GROUP_PINS_LIMIT,
    HOME_FEATURED_LIMIT,
    FeaturedCard,
    PostFeaturing,
    end_featuring,
    feature_post,
    featuring_form,
    group_pins,
    home_featured,
    mark_featured_seen,
    post_featuring,
)
from esn.animation.curation.service.merging import MergeOutcome, audience_change, merge_groups

__all__ = [
    "DEFAULT_FEATURE_DAYS",
    "GROUP_PINS_LIMIT",
    "HOME_FEATURED_LIMIT",
    "MAX_FEATURE_DAYS",
    "MIN_FEATURE_DAYS",
    "CurationPage",
    "FeaturedCard",
    "GroupDetails",
    "MergeOutcome",
    "PostFeaturing",
    "archive_group",
    "audience_change",
    "curation_page",
    "default_until",
    "end_featuring",
    "expiry_from",
    "feature_group",
    "feature_post",
    "featuring_form",
    "group_pins",
    "home_featured",
    "mark_featured_seen",
    "merge_groups",
    "post_featuring",
    "today_for",
    "unarchive_group",
    "unfeature_group",
    "update_group_details",
]
