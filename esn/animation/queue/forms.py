"""Input models of the work queue's forms."""

from __future__ import annotations

from pydantic import BaseModel, Field

from esn.animation.queue.service import MAX_ID, QueueKind


class HandledForm(BaseModel):
    """Mark one queue item handled: which list, which thing, where to return."""

    kind: QueueKind
    object_id: int = Field(gt=0, le=MAX_ID)
    back: str = Field(default="", max_length=300)
