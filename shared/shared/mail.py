"""Mails sent while a request waits (account invitations and resets, a cooperative's
invitation): composed in the reader's language, and a refused send reported to the caller
as ``mail_not_sent`` (503), never lost silently. Registration's confirmations go through
its own queue instead (``registration.notifications``)."""

import logging
from email.message import EmailMessage
from typing import Any

import aiosmtplib

from shared.errors import DomainError
from shared.i18n import register_messages, translate

log = logging.getLogger(__name__)


def compose(*, sender: str, to: str, lang: str, kind: str, params: dict[str, Any]) -> EmailMessage:
    """The mail ``mail_<kind>_subject`` / ``mail_<kind>_body`` in ``lang``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = translate(f"mail_{kind}_subject", lang, **params)
    message.set_content(translate(f"mail_{kind}_body", lang, **params))
    # After set_content, which drops the Content-* headers already there.
    message["Content-Language"] = lang
    return message


async def send_now(message: EmailMessage, *, host: str, port: int, timeout: float) -> None:
    try:
        await aiosmtplib.send(message, hostname=host, port=port, timeout=timeout, start_tls=False)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        log.warning("mail %r not sent: %r", message["Subject"], exc)
        raise DomainError("mail_not_sent", 503) from exc


register_messages({
    "mail_not_sent": {
        "ar": "تعذر إرسال الرسالة الآن. أعيدوا المحاولة بعد لحظات.",
        "fr": "Le message n'a pas pu être envoyé pour l'instant. Réessayez dans quelques instants.",
        "en": "The mail could not be sent just now. Please try again in a few moments.",
    },
})
