"""The invitation mailed to a cooperative, in the language the organizer chose, through SMTP.

The mail is sent while the organizer's request waits: a refused send is answered
`mail_not_sent` and the organizer invites again, never lost silently. The link's token
exists only in the mail and in the answer; the database keeps its digest.
"""

import logging
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlencode

import aiosmtplib

from marketplace.domain import MARKET_TZ
from marketplace.settings import Settings
from shared.errors import DomainError
from shared.i18n import StoredText, translate

log = logging.getLogger(__name__)


def invitation_mail(settings: Settings, *, to: str, lang: str, cooperative: StoredText, accept_url: str,
                    expires_at: datetime) -> EmailMessage:
    params = {"cooperative": cooperative.pick(lang), "link": f"{accept_url}?{urlencode({'lang': lang})}",
              # Written in Moroccan time, where every cooperative of the registry is.
              "expires": expires_at.astimezone(MARKET_TZ)}
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = translate("mail_cooperative_invitation_subject", lang, **params)
    message.set_content(translate("mail_cooperative_invitation_body", lang, **params))
    # After set_content, which drops the Content-* headers already there.
    message["Content-Language"] = lang
    return message


async def send(settings: Settings, message: EmailMessage) -> None:
    try:
        await aiosmtplib.send(message, hostname=settings.smtp_host, port=settings.smtp_port,
                              timeout=settings.smtp_timeout_seconds, start_tls=False)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        log.warning("invitation mail not sent: %r", exc)
        raise DomainError("mail_not_sent", 503) from exc
