"""The one place a proposal's path is written where there is no request.

Views and templates use the named route ``proposals:proposal``. The services
write the path into what outlives the request (the Markdown of the proposal's
posts, the CSV export's link column), so they ask the route map for it here
(``esn.core.urls``); a test checks it against the route map and keeps it
stable, since posts keep it (tests/proposals/test_links.py).
"""

from __future__ import annotations

from esn.core.urls import path_for


def proposal_path(proposal_id: int | None) -> str:
    """The path of the proposal's page: the route ``proposals:proposal``."""
    assert proposal_id is not None
    return path_for("proposals:proposal", proposal_id=proposal_id)
