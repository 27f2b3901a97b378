"""Outgoing mail over SMTP (ESN_SMTP_URL), or to the log in development, sent by a
background queue after the commit that asked for it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from esn.core.events import Event

log = logging.getLogger("esn.mail")


@dataclass(frozen=True)
class Mailer:
    """Sends plain-text messages; with no SMTP URL it prints them to the log.

    ``smtp_url`` looks like ``smtp://user:password@host:port`` (``smtps://`` for
    TLS from the first byte, ``?starttls=1`` to upgrade a plain connection).
    """

    smtp_url: str
    sender: str

    async def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one message; raises if the SMTP server refuses it."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        if not self.smtp_url:
            log.warning("Mail to %s (no ESN_SMTP_URL set)\nSubject: %s\n\n%s", to, subject, body)
            return
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        parts = urlsplit(self.smtp_url)
        host = parts.hostname or "127.0.0.1"
        smtp: smtplib.SMTP
        if parts.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(host, parts.port or 465, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, parts.port or 25, timeout=30)
        with smtp:
            if "starttls=1" in parts.query:
                smtp.starttls(context=ssl.create_default_context())
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(message)


@dataclass(frozen=True)
class Email(Event):
    """A message to send once the write that asked for it is committed."""

    to: str
    subject: str
    body: str


MailJob = Callable[[], Awaitable[object]]


class MailQueue:
    """Sends mail in the background, one message after another.

    The commit that asked for a message puts a job here and returns at once:
    a slow or unreachable SMTP server delays mail, never a request. A job
    that fails is logged and the next goes on. The queue lives in the
    process: mail still queued when the process is killed is not sent.
    """

    # Beyond this many waiting messages new ones are dropped (and logged)
    # rather than letting a dead SMTP server grow the process without bound.
    SIZE = 10_000
    DRAIN_SECONDS = 10.0

    def __init__(self) -> None:
        self._queue: asyncio.Queue[MailJob] = asyncio.Queue(self.SIZE)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the sending task (the app's lifespan, or a command)."""
        self._task = asyncio.create_task(self._run(), name="esn-mail-queue")

    async def stop(self) -> None:
        """Send what is queued (for a bounded time), then stop."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), self.DRAIN_SECONDS)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def put(self, job: MailJob) -> None:
        """Queue ``job`` without waiting for SMTP."""
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            log.error("mail queue full: a message was dropped")

    async def _run(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await job()
            except Exception:
                log.exception("could not send mail")
            finally:
                self._queue.task_done()
