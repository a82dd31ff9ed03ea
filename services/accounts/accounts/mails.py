"""Invitation and password-reset mails, in the account's language, sent through SMTP.

The mail is sent while the request waits: a refused send is reported to whoever asked
(the administrator resends the invitation, the person asks for a reset again), never
lost silently. The link's token exists only in the mail; the database keeps its digest.
"""

from email.message import EmailMessage
from typing import Any

from accounts.settings import Settings
from shared import mail


def compose(settings: Settings, *, kind: str, to: str, lang: str, params: dict[str, Any]) -> EmailMessage:
    return mail.compose(sender=settings.mail_from, to=to, lang=lang, kind=kind, params=params)


async def send(settings: Settings, message: EmailMessage) -> None:
    await mail.send_now(message, host=settings.smtp_host, port=settings.smtp_port,
                        timeout=settings.smtp_timeout_seconds)
