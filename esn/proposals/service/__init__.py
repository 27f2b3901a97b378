"""Slack-time proposals: writing them, deciding on them, running them, closing them.

Callers use this package as one module (``from esn.proposals import service as
proposals``); each concept has its own module:

- reading: one proposal as an actor may read it, its team, stale forms;
- transitions: the one place a state changes, by the actor the graph names;
- commitments: allowances and commitments, and the refusals with figures;
- writing, team, deciding, running: what people do to a proposal;
- posts: what the proposal says in the streams (conversation, retrospective);
- project_group: the group a project runs in (made on approval, merges);
- page, prefill, listing, approvals, allowances: what pages show;
- links: a proposal's path where there is no request (posts, the CSV export);
- scheduled: the moves of the scheduled job, as the system.

Every change of state goes along esn.proposals.lifecycle.PROPOSAL, by the
actor the edge names, as one conditional UPDATE on (id, state, version): two
managers or two tabs acting at once cannot both win, and a form rendered
before the last change is refused as stale. Services record notifications
(``notifications.notify``) and activity in their transaction; the commit sends
the bells and mail. A proposal's posts (its conversation, its retrospective)
are made through the stream service after that commit, which commits on its
own.
"""

from __future__ import annotations

from esn.proposals.lifecycle import (
    NotYours,
    RefusedTransition,
    StaleProposal,
    action_label,
    state_label,
)
from esn.proposals.service.allowances import (
    AllowancesPage,
    DepartmentAllowance,
    PersonAllowance,
    allowances_page,
    set_department_allowance,
    set_person_allowance,
)
from esn.proposals.service.approvals import (
    ApprovalsPage,
    PersonTime,
    QueueItem,
    approvals_page,
)
from esn.proposals.service.commitments import allowance_percents, commitments
from esn.proposals.service.deciding import decide_proposal
from esn.proposals.service.labels import period_label, time_label, week_label
from esn.proposals.service.links import proposal_path
from esn.proposals.service.listing import (
    ProposalList,
    ProposalQuery,
    ProposalRow,
    export_rows,
    list_proposals,
)
from esn.proposals.service.page import (
    CheckInEntry,
    HistoryEntry,
    PersonEntry,
    ProposalView,
    proposal_page,
)
from esn.proposals.service.posts import event_source
from esn.proposals.service.prefill import Prefill, editable_proposal, my_groups, new_proposal
from esn.proposals.service.project_group import move_group_proposals, pinned_for_group
from esn.proposals.service.reading import team_ids
from esn.proposals.service.running import Retrospective, check_in, close_proposal
from esn.proposals.service.scheduled import (
    due_to_end,
    due_to_start,
    end_proposal,
    remind_check_in,
    silent_projects,
    start_proposal,
)
from esn.proposals.service.team import (
    answer_coproposal,
    back_proposal,
    unback_proposal,
    unvolunteer,
    volunteer,
)
from esn.proposals.service.transitions import ACTOR_CHECKS, apply_transition, require_actor
from esn.proposals.service.writing import (
    ProposalInput,
    create_proposal,
    submit_proposal,
    update_proposal,
    withdraw_proposal,
)

__all__ = [
    "ACTOR_CHECKS",
    "AllowancesPage",
    "ApprovalsPage",
    "CheckInEntry",
    "DepartmentAllowance",
    "HistoryEntry",
    "NotYours",
    "PersonAllowance",
    "PersonEntry",
    "PersonTime",
    "Prefill",
    "ProposalInput",
    "ProposalList",
    "ProposalQuery",
    "ProposalRow",
    "ProposalView",
    "QueueItem",
    "RefusedTransition",
    "Retrospective",
    "StaleProposal",
    "action_label",
    "allowance_percents",
    "allowances_page",
    "answer_coproposal",
    "apply_transition",
    "approvals_page",
    "back_proposal",
    "check_in",
    "close_proposal",
    "commitments",
    "create_proposal",
    "decide_proposal",
    "due_to_end",
    "due_to_start",
    "editable_proposal",
    "end_proposal",
    "event_source",
    "export_rows",
    "list_proposals",
    "move_group_proposals",
    "my_groups",
    "new_proposal",
    "period_label",
    "pinned_for_group",
    "proposal_page",
    "proposal_path",
    "remind_check_in",
    "require_actor",
    "set_department_allowance",
    "set_person_allowance",
    "silent_projects",
    "start_proposal",
    "state_label",
    "submit_proposal",
    "team_ids",
    "time_label",
    "unback_proposal",
    "unvolunteer",
    "update_proposal",
    "volunteer",
    "week_label",
    "withdraw_proposal",
]
