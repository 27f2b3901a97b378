"""Outgoing mail over SMTP (ESN_SMTP_URL), or to the log in development."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

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
