"""Where committed events go: live ones to the pub/sub hub, mail to the mail queue.

Wired by the app's lifespan and by the commands that write; services only
record events (esn.core.events) and never see these outlets.
"""

from __future__ import annotations

import logging

from esn.core.events import EventRouter, LiveEvent
from esn.database import SessionFactory
from esn.mail import Email, Mailer, MailQueue
from esn.notifications.events import NotificationEmail
from esn.notifications.service import email_notification
from esn.realtime.hub import Hub
from esn.settings import Settings

log = logging.getLogger("esn.notifications")


def event_router(hub: Hub) -> EventRouter:
    """A router that publishes every live event on ``hub``."""
    router = EventRouter()

    async def publish(event: LiveEvent) -> None:
        await hub.publish(event.channel, event.payload())

    router.on(LiveEvent, publish)
    return router


def send_mail_through(
    router: EventRouter,
    queue: MailQueue,
    mailer: Mailer,
    settings: Settings,
    session_factory: SessionFactory,
) -> None:
    """Queue the mail ``router`` receives: plain messages, and notification emails
    (read again when their turn comes, in the recipient's language)."""

    async def email(event: Email) -> None:
        queue.put(lambda: mailer.send(event.to, event.subject, event.body))

    async def notification_email(event: NotificationEmail) -> None:
        async def job() -> None:
            try:
                async with session_factory() as db:
                    await email_notification(db, mailer, settings, event.notification_id)
            except Exception:
                # Saved and shown in the app all the same; only the mail is lost.
                log.exception("could not email notification %s", event.notification_id)

        queue.put(job)

    router.on(Email, email)
    router.on(NotificationEmail, notification_email)
