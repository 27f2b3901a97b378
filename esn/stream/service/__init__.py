"""Streams and conversation: posts, comments, reactions, topics, the activity log.

Reading: every query that returns posts filters through
``policy.readable_posts_clause`` (and Python decides the same thing with its
twin ``policy.may_read_post``); streams page by keyset on (created_at, id)
and load authors, attachments, topics, counts and the reader's reactions with
one query per kind of thing per page (counts live on the post row).

Writing: ``verb_noun(db, actor, ...)`` checks policy, writes, records the
events to announce (esn.stream.events, notifications) and commits: the commit
sends them. ``move_group_posts`` and ``set_hidden`` work in their caller's
transaction (animation's merge and moderation).

One module per concept; this package is the stream's public surface and
re-exports what other modules use (``from esn.stream import service as
stream``):

- ``views``: the dataclasses templates receive;
- ``cursors``: keyset paging; ``sources``: stream keys, who reads and posts there;
- ``access``: who reads a post and takes part in it;
- ``reading``: post rows, comments and threads, the views of one reader;
- ``hidden``: content hidden by moderators, and hiding it;
- ``streams``: a set of sources, home, profile, #topic pages, topic follows;
- ``rendering``: Markdown, #topics and @mentions of what is written;
- ``writing``: create, edit, delete posts, their history, moving a group's posts;
- ``conversation``: comments and reactions;
- ``attachments``: downloads; ``mentions``: the @mention autocomplete;
- ``activity``: the activity log.
"""

from esn.stream.service.access import MAX_ID, group_role, readable_post
from esn.stream.service.activity import record_activity, remove_activity
from esn.stream.service.attachments import AttachmentFile, attachment_file
from esn.stream.service.conversation import add_comment, toggle_reaction
from esn.stream.service.cursors import (
    MAX_STREAM_PAGE_SIZE,
    STREAM_PAGE_SIZE,
    decode_cursor,
    encode_cursor,
)
from esn.stream.service.hidden import set_hidden
from esn.stream.service.mentions import MAX_CANDIDATES, mention_candidates
from esn.stream.service.reading import (
    MAX_THREAD_COMMENTS,
    STREAM_COMMENTS,
    comment_view,
    post_view,
    reaction_counts,
    shared_post_view,
    view_for_reader,
)
from esn.stream.service.rendering import MAX_MENTIONS, MAX_TOPICS, render_markdown
from esn.stream.service.sources import can_read_source, parse_source
from esn.stream.service.streams import (
    MAX_FOLLOWED_TOPICS,
    MAX_SOURCES,
    HomeContext,
    home_context,
    home_page,
    home_stream,
    profile_stream,
    set_topic_follow,
    stream_page,
    topic_page,
    valid_topic,
)
from esn.stream.service.views import (
    REACTION_KINDS,
    ActivityView,
    CommentView,
    HomePage,
    PostHistory,
    PostView,
    RevisionView,
    StreamPage,
    TopicPage,
    TopicState,
)
from esn.stream.service.writing import (
    DUPLICATE_WINDOW,
    MAX_REVISIONS,
    Upload,
    create_post,
    delete_post,
    edit_post,
    editable_post,
    move_group_posts,
    post_history,
)

__all__ = [
    "DUPLICATE_WINDOW",
    "MAX_CANDIDATES",
    "MAX_FOLLOWED_TOPICS",
    "MAX_ID",
    "MAX_MENTIONS",
    "MAX_REVISIONS",
    "MAX_SOURCES",
    "MAX_STREAM_PAGE_SIZE",
    "MAX_THREAD_COMMENTS",
    "MAX_TOPICS",
    "REACTION_KINDS",
    "STREAM_COMMENTS",
    "STREAM_PAGE_SIZE",
    "ActivityView",
    "AttachmentFile",
    "CommentView",
    "HomeContext",
    "HomePage",
    "PostHistory",
    "PostView",
    "RevisionView",
    "StreamPage",
    "TopicPage",
    "TopicState",
    "Upload",
    "add_comment",
    "attachment_file",
    "can_read_source",
    "comment_view",
    "create_post",
    "decode_cursor",
    "delete_post",
    "edit_post",
    "editable_post",
    "encode_cursor",
    "group_role",
    "home_context",
    "home_page",
    "home_stream",
    "mention_candidates",
    "move_group_posts",
    "parse_source",
    "post_history",
    "post_view",
    "profile_stream",
    "reaction_counts",
    "readable_post",
    "record_activity",
    "remove_activity",
    "render_markdown",
    "set_hidden",
    "set_topic_follow",
    "shared_post_view",
    "stream_page",
    "toggle_reaction",
    "topic_page",
    "valid_topic",
    "view_for_reader",
]
