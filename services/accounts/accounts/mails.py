"""Invitation and password-reset mails, in the account's language, sent through SMTP.

The mail is sent while the request waits: a refused send is reported to whoever asked
(the administrator resends the invitation, the person asks for a reset again), never
lost silently. The link's token exists only in the mail; the database keeps its digest.
"""

import logging
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from accounts.settings import Settings
from shared.errors import DomainError
from shared.i18n import translate

log = logging.getLogger(__name__)


def compose(settings: Settings, *, kind: str, to: str, lang: str, params: dict[str, Any]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = translate(f"mail_{kind}_subject", lang, **params)
    message.set_content(translate(f"mail_{kind}_body", lang, **params))
    # After set_content, which drops the Content-* headers already there.
    message["Content-Language"] = lang
    return message


async def send(settings: Settings, message: EmailMessage) -> None:
    try:
        await aiosmtplib.send(message, hostname=settings.smtp_host, port=settings.smtp_port,
                              timeout=settings.smtp_timeout_seconds, start_tls=False)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        log.warning("mail %r not sent: %r", message["Subject"], exc)
        raise DomainError("mail_not_sent", 503) from exc
