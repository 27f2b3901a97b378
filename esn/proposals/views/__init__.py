"""Proposal pages, one module per page: the list and its export (``listing``), writing
(``writing``), one proposal and its lifecycle moves (``proposal``), the team's moves
(``team``), the approver's queue and the allowances (``approvals``).

esn/routes.py mounts ``routes`` under /proposals and serves ``index`` at /proposals
and ``approvals`` at /approvals.
"""

from __future__ import annotations

from starlette.routing import Route

from esn.proposals.views.approvals import (
    allowances,
    approvals,
    department_allowance,
    person_allowance,
)
from esn.proposals.views.listing import export, index
from esn.proposals.views.proposal import close, decide, page, submit, withdraw
from esn.proposals.views.team import (
    accept_coproposal,
    back,
    check_in,
    decline_coproposal,
    unback,
    unvolunteer,
    volunteer,
)
from esn.proposals.views.writing import edit, new

__all__ = ["approvals", "index", "routes"]

routes = [
    Route("/new", new, methods=["GET", "POST"], name="new"),
    Route("/export.csv", export, name="export"),
    Route("/allowances", allowances, name="allowances"),
    Route(
        "/allowances/department",
        department_allowance,
        methods=["POST"],
        name="department_allowance",
    ),
    Route("/allowances/person", person_allowance, methods=["POST"], name="person_allowance"),
    Route("/{proposal_id:int}", page, name="proposal"),
    Route("/{proposal_id:int}/edit", edit, methods=["GET", "POST"], name="edit"),
    Route("/{proposal_id:int}/submit", submit, methods=["POST"], name="submit"),
    Route("/{proposal_id:int}/withdraw", withdraw, methods=["POST"], name="withdraw"),
    Route("/{proposal_id:int}/decide", decide, methods=["POST"], name="decide"),
    Route(
        "/{proposal_id:int}/coproposal/accept",
        accept_coproposal,
        methods=["POST"],
        name="accept_coproposal",
    ),
    Route(
        "/{proposal_id:int}/coproposal/decline",
        decline_coproposal,
        methods=["POST"],
        name="decline_coproposal",
    ),
    Route("/{proposal_id:int}/back", back, methods=["POST"], name="back"),
    Route("/{proposal_id:int}/unback", unback, methods=["POST"], name="unback"),
    Route("/{proposal_id:int}/volunteer", volunteer, methods=["POST"], name="volunteer"),
    Route("/{proposal_id:int}/unvolunteer", unvolunteer, methods=["POST"], name="unvolunteer"),
    Route("/{proposal_id:int}/checkins", check_in, methods=["POST"], name="check_in"),
    Route("/{proposal_id:int}/close", close, methods=["GET", "POST"], name="close"),
]
