"""Bounds shared by the proposals' queries: every list a page shows is bounded."""

from __future__ import annotations

# Ids come from URLs; anything beyond a 32-bit key cannot exist.
MAX_ID = 2**31 - 1
# People, history, check-ins, groups on one page; departments and allowances listed.
MAX_SHOWN = 200
# Proposals waiting in a queue, or taken by one run of the scheduled job.
MAX_QUEUE = 200
# Skills kept on a proposal (and tags on its project group).
MAX_SKILLS = 12
