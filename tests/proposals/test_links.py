"""The proposal path the services write (posts, CSV) is the named route's path."""

from __future__ import annotations

from starlette.routing import Router

from esn.proposals import service as proposals
from esn.routes import build_routes


def test_proposal_path_is_the_named_route() -> None:
    router = Router(routes=build_routes())
    named = router.url_path_for("proposals:proposal", proposal_id=4821)
    assert proposals.proposal_path(4821) == str(named)
