"""What every proposal page's views share: the proposal in the path, where to go after a
move, and the status of a refusal."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from esn.core.errors import InvalidInput
from esn.proposals import service as proposals
from esn.web.links import url_path


def path_proposal_id(request: Request) -> int:
    """The proposal named in the URL."""
    return int(request.path_params["proposal_id"])


def proposal_location(request: Request, proposal_id: int | None, done: str = "") -> str:
    """The proposal's page, saying what was just ``done`` there (after a 303)."""
    assert proposal_id is not None
    path = url_path(request, "proposals:proposal", proposal_id=proposal_id)
    return f"{path}?{urlencode({'done': done})}" if done else path


def refusal_status(error: InvalidInput) -> int:
    """409 when the proposal's state stands in the way, 422 for what was typed."""
    stale = isinstance(error, proposals.StaleProposal | proposals.RefusedTransition)
    return 409 if stale else 422
