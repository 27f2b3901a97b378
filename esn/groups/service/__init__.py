"""Groups: creating them, the directory, group pages, and the membership lifecycle.

The public surface of the groups domain: other domains, views and forms use
``from esn.groups import service as groups`` and the names below, never the
modules of this package (their split is the domain's own business).

Join requests and invitations move only along esn.lifecycle.GROUP_REQUEST.
Services record what to tell (notifications, MembershipChanged) on the
session; the commit sends it, so nobody hears of a rolled-back change.
"""

from __future__ import annotations

from esn.groups.service.creating import NewGroup, add_group, create_group
from esn.groups.service.curation import (
    Absorbed,
    absorb_group,
    set_archived,
    set_details,
    set_featured,
)
from esn.groups.service.details import (
    DESCRIPTION_MAX_LENGTH,
    MAX_TAGS,
    TAG_MAX_LENGTH,
    parse_group_description,
    parse_group_name,
    parse_group_tags,
)
from esn.groups.service.directory import (
    DIRECTORY_PAGE_SIZE,
    DirectoryQuery,
    GroupCard,
    GroupDirectory,
    search_groups,
)
from esn.groups.service.joining import (
    answer_invitation,
    cancel_request,
    decide_request,
    invite_person,
    join_group,
    withdraw_invitation,
)
from esn.groups.service.members import (
    MEMBERS_PAGE_SIZE,
    MemberEntry,
    MembersPage,
    PendingEntry,
    members_page,
)
from esn.groups.service.membership import add_members, recount
from esn.groups.service.naming import (
    RESERVED_SLUGS,
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    slug_from_name,
    tag_key,
)
from esn.groups.service.page import GroupHeader, GroupPage, group_about, group_page, header_for
from esn.groups.service.requests import INVITATION, PENDING, REQUEST
from esn.groups.service.roles import change_member_role, leave_group, remove_member
from esn.groups.service.standing import GroupMerged, Standing, group_and_role, group_standing

__all__ = [
    "DESCRIPTION_MAX_LENGTH",
    "DIRECTORY_PAGE_SIZE",
    "INVITATION",
    "MAX_TAGS",
    "MEMBERS_PAGE_SIZE",
    "PENDING",
    "REQUEST",
    "RESERVED_SLUGS",
    "SLUG_MAX_LENGTH",
    "SLUG_PATTERN",
    "TAG_MAX_LENGTH",
    "Absorbed",
    "DirectoryQuery",
    "GroupCard",
    "GroupDirectory",
    "GroupHeader",
    "GroupMerged",
    "GroupPage",
    "MemberEntry",
    "MembersPage",
    "NewGroup",
    "PendingEntry",
    "Standing",
    "absorb_group",
    "add_group",
    "add_members",
    "answer_invitation",
    "cancel_request",
    "change_member_role",
    "create_group",
    "decide_request",
    "group_about",
    "group_and_role",
    "group_page",
    "group_standing",
    "header_for",
    "invite_person",
    "join_group",
    "leave_group",
    "members_page",
    "parse_group_description",
    "parse_group_name",
    "parse_group_tags",
    "recount",
    "remove_member",
    "search_groups",
    "set_archived",
    "set_details",
    "set_featured",
    "slug_from_name",
    "tag_key",
    "withdraw_invitation",
]
