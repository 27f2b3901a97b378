"""People: creating persons, profiles, the directory, the org chart, follows, CSV imports.

The public surface of the people domain: other domains, views and forms use
``from esn.people import service as people`` and the names below, never the
modules of this package (their split is the domain's own business).
"""

from __future__ import annotations

from esn.people.service.csv_file import MAX_IMPORT_BYTES, ImportProblem
from esn.people.service.directory import (
    DIRECTORY_PAGE_SIZE,
    DirectoryPage,
    DirectoryQuery,
    decode_cursor,
    encode_cursor,
    like_pattern,
    search_directory,
)
from esn.people.service.editing import (
    EditableProfile,
    ProfileChanges,
    creates_cycle,
    editable_profile,
    update_profile,
)
from esn.people.service.follows import FollowState, follow_person, is_following, unfollow_person
from esn.people.service.imports import (
    MAX_IMPORT_PROBLEMS,
    ImportRejected,
    ImportSummary,
    apply_people_csv,
    import_people,
)
from esn.people.service.lookup import find_active_person
from esn.people.service.names import fold, name_problem, skill_key
from esn.people.service.org_chart import MAX_CHAIN, OrgChart, OrgEntry, org_chart
from esn.people.service.persons import NewPerson, add_person, create_person, replace_skills
from esn.people.service.profiles import PhotoFile, ProfilePage, photo_file, profile_page

__all__ = [
    "DIRECTORY_PAGE_SIZE",
    "MAX_CHAIN",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_PROBLEMS",
    "DirectoryPage",
    "DirectoryQuery",
    "EditableProfile",
    "FollowState",
    "ImportProblem",
    "ImportRejected",
    "ImportSummary",
    "NewPerson",
    "OrgChart",
    "OrgEntry",
    "PhotoFile",
    "ProfileChanges",
    "ProfilePage",
    "add_person",
    "apply_people_csv",
    "create_person",
    "creates_cycle",
    "decode_cursor",
    "editable_profile",
    "encode_cursor",
    "find_active_person",
    "fold",
    "follow_person",
    "import_people",
    "is_following",
    "like_pattern",
    "name_problem",
    "org_chart",
    "photo_file",
    "profile_page",
    "replace_skills",
    "search_directory",
    "skill_key",
    "unfollow_person",
    "update_profile",
]
