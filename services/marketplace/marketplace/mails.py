"""The invitation mailed to a cooperative, in the language the organizer chose, through SMTP.

The mail is sent while the organizer's request waits: a refused send is answered
`mail_not_sent` and the organizer invites again, never lost silently. The link's token
exists only in the mail and in the answer; the database keeps its digest.
"""

from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlencode

from marketplace.domain import MARKET_TZ
from marketplace.settings import Settings
from shared import mail
from shared.i18n import StoredText


def invitation_mail(settings: Settings, *, to: str, lang: str, cooperative: StoredText, accept_url: str,
                    expires_at: datetime) -> EmailMessage:
    params = {"cooperative": cooperative.pick(lang), "link": f"{accept_url}?{urlencode({'lang': lang})}",
              # Written in Moroccan time, where every cooperative of the registry is.
              "expires": expires_at.astimezone(MARKET_TZ)}
    return mail.compose(sender=settings.mail_from, to=to, lang=lang, kind="cooperative_invitation", params=params)


async def send(settings: Settings, message: EmailMessage) -> None:
    await mail.send_now(message, host=settings.smtp_host, port=settings.smtp_port,
                        timeout=settings.smtp_timeout_seconds)
