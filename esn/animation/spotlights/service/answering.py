"""After the draft: the member answers or corrects the portrait, an animator withdraws it.

Every change is one conditional UPDATE on (id, state, version), so a form
rendered before the last change is refused as stale and two answers at once
cannot both win.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn import policy
from esn.accounts.models import User
from esn.animation.models import Spotlight
from esn.animation.spotlights.service.drafting import Portrait, portrait_problem
from esn.animation.spotlights.service.reading import visible
from esn.animation.spotlights.service.states import EDITABLE, StaleSpotlight, refused
from esn.core.clock import as_utc, utcnow
from esn.core.errors import Forbidden
from esn.core.i18n import gettext as _
from esn.lifecycle import SPOTLIGHT, LifecycleError
from esn.notifications import service as notifications
from esn.notifications.models import NotificationKind
from esn.stream import service as stream
from esn.stream.models import COMPANY_SOURCE

# How an accepted spotlight appears in the company stream's activity log.
VERB = "spotlighted"
OBJECT_TYPE = "spotlight"


async def _conditional_update(
    db: AsyncSession, spotlight: Spotlight, values: dict[str, Any]
) -> None:
    """Apply ``values`` only if state and version are still those read; else stale."""
    result = cast(
        CursorResult[Any],
        await db.execute(
            update(Spotlight)
            .where(
                col(Spotlight.id) == spotlight.id,
                col(Spotlight.state) == spotlight.state,
                col(Spotlight.version) == spotlight.version,
            )
            .values(version=spotlight.version + 1, **values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        await db.rollback()
        raise StaleSpotlight


def _check_version(spotlight: Spotlight, version: int | None) -> None:
    if version is not None and version != spotlight.version:
        raise StaleSpotlight


async def edit_spotlight_portrait(
    db: AsyncSession,
    actor: User,
    spotlight_id: int,
    portrait: Portrait,
    *,
    version: int | None,
) -> Spotlight:
    """The member rewrites their portrait, while it waits or while it shows."""
    view = await visible(db, actor, spotlight_id)
    spotlight = view.spotlight
    if not policy.can_answer_spotlight(actor, member_id=spotlight.member_id):
        raise Forbidden(_("Only the person in the spotlight may change their portrait."))
    _check_version(spotlight, version)
    if spotlight.state not in EDITABLE:
        raise refused(spotlight.state)
    problem = portrait_problem(portrait)
    if problem:
        raise problem
    await _conditional_update(
        db,
        spotlight,
        {
            "works_on": portrait.works_on,
            "can_help_with": portrait.can_help_with,
            "looking_for": portrait.looking_for,
        },
    )
    await db.commit()
    await db.refresh(spotlight)
    return spotlight


async def answer_spotlight(
    db: AsyncSession,
    actor: User,
    spotlight_id: int,
    *,
    accept: bool,
    version: int | None,
) -> Spotlight:
    """The member accepts (it shows for its period, and in the stream) or declines."""
    view = await visible(db, actor, spotlight_id)
    spotlight = view.spotlight
    if not policy.can_answer_spotlight(actor, member_id=spotlight.member_id):
        raise Forbidden(_("Only the person in the spotlight may answer it."))
    _check_version(spotlight, version)
    action = "accept" if accept else "decline"
    try:
        target = SPOTLIGHT.next_state(spotlight.state, action)
    except LifecycleError as exc:
        raise refused(spotlight.state) from exc
    now = utcnow()
    values: dict[str, Any] = {"state": target, "decided_at": now}
    if accept and as_utc(spotlight.starts_at) < now:
        # Accepted late: it still gets its whole length, from now.
        length = as_utc(spotlight.ends_at) - as_utc(spotlight.starts_at)
        values.update(starts_at=now, ends_at=now + length)
    await _conditional_update(db, spotlight, values)
    assert spotlight.id is not None
    if accept:
        await stream.record_activity(
            db,
            actor_id=spotlight.member_id,
            verb=VERB,
            object_type=OBJECT_TYPE,
            object_id=spotlight.id,
            source=COMPANY_SOURCE,
        )
    if spotlight.drafted_by is not None:
        await notifications.notify(
            db,
            NotificationKind.SPOTLIGHT_ANSWERED.value,
            spotlight.drafted_by,
            actor_id=actor.id,
            spotlight_id=spotlight.id,
        )
    await db.commit()
    await db.refresh(spotlight)
    return spotlight


async def withdraw_spotlight(
    db: AsyncSession, actor: User, spotlight_id: int, *, version: int | None
) -> Spotlight:
    """An animator takes a spotlight back before the answer, or ends it early."""
    view = await visible(db, actor, spotlight_id)
    spotlight = view.spotlight
    if not policy.can_animate_company(actor):
        raise Forbidden(_("Only animators may withdraw a spotlight."))
    _check_version(spotlight, version)
    try:
        target = SPOTLIGHT.next_state(spotlight.state, "withdraw")
    except LifecycleError as exc:
        raise refused(spotlight.state) from exc
    await _conditional_update(db, spotlight, {"state": target})
    # The stream event would otherwise keep pointing at what no longer shows.
    assert spotlight.id is not None
    await stream.remove_activity(db, object_type=OBJECT_TYPE, object_id=spotlight.id)
    await db.commit()
    await db.refresh(spotlight)
    return spotlight
