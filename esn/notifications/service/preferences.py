"""A person's notification settings: a channel per kind, and how often the digest comes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from esn.accounts.models import User
from esn.notifications.models import (
    Channel,
    DigestFrequency,
    DigestPreference,
    NotificationKind,
    NotificationSetting,
)

KINDS = [kind.value for kind in NotificationKind]
CHANNELS = [channel.value for channel in Channel]
FREQUENCIES = [frequency.value for frequency in DigestFrequency]


@dataclass(frozen=True)
class NotificationSettings:
    """A person's channel for every kind and their digest frequency."""

    channels: dict[str, str]
    frequency: str


async def digest_frequency(db: AsyncSession, user_id: int) -> str:
    """How often ``user_id`` wants the digest (weekly when never chosen)."""
    preference = await db.get(DigestPreference, user_id)
    return preference.frequency if preference else DigestFrequency.WEEKLY.value


async def notification_settings(db: AsyncSession, actor: User) -> NotificationSettings:
    """The actor's settings, with in-app for every kind never set."""
    result = await db.execute(
        select(col(NotificationSetting.kind), col(NotificationSetting.channel)).where(
            col(NotificationSetting.user_id) == actor.id
        )
    )
    chosen = {kind: channel for kind, channel in result.all()}
    channels = {kind: chosen.get(kind, Channel.IN_APP.value) for kind in KINDS}
    assert actor.id is not None
    return NotificationSettings(channels=channels, frequency=await digest_frequency(db, actor.id))


async def save_notification_settings(
    db: AsyncSession, actor: User, channels: dict[str, str], frequency: str
) -> NotificationSettings:
    """Store the actor's channel per kind and digest frequency (all at once)."""
    if any(kind not in KINDS for kind in channels) or any(
        channel not in CHANNELS for channel in channels.values()
    ):
        raise ValueError("unknown notification kind or channel")
    if frequency not in FREQUENCIES:
        raise ValueError("unknown digest frequency")
    assert actor.id is not None
    existing = {
        setting.kind: setting
        for setting in (
            await db.execute(
                select(NotificationSetting).where(col(NotificationSetting.user_id) == actor.id)
            )
        ).scalars()
    }
    for kind, channel in channels.items():
        setting = existing.get(kind)
        if setting is None:
            db.add(NotificationSetting(user_id=actor.id, kind=kind, channel=channel))
        else:
            setting.channel = channel
    preference = await db.get(DigestPreference, actor.id)
    if preference is None:
        db.add(DigestPreference(user_id=actor.id, frequency=frequency))
    else:
        preference.frequency = frequency
    await db.commit()
    return await notification_settings(db, actor)
