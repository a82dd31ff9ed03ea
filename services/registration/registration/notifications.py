"""Mails to participants, in their language.

A registration's mail (confirmed, waiting list, or request pending) is queued in the
transaction that stores the registration (``service.announce_arrivals``); the mails of
later changes are queued by the consumer of the service's own participant messages
(keyed by the message id, in the same transaction as its idempotency marker). A mailer
task sends queued mails through SMTP. So a slow or
down mail server never slows a registration nor blocks the consumer, and a mail
waits in the queue, retried, until the server takes it.

Delivery is at least once: a mail is marked ``sending`` with a lease before the SMTP
exchange and ``sent`` after it. If the process dies after the server accepted the
mail but before the mark, the lease runs out and the mail is sent again; a
redelivered message or a retried transaction never is.

A mail ends ``failed`` (counted in ``tadamon_mail_failed_total`` by reason) when trying
again cannot help: the relay refused it for good (a 5xx answer to the recipient or the
content: a bounce), it cannot be composed at all (a header the mail library rejects),
or passing failures went on for ``mail_give_up_hours``. Failures of the connection, of
authentication or of the sender address are the relay's or the setup's: retried.
"""

import logging
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

import aiosmtplib
from prometheus_client import CollectorRegistry, Counter, Gauge

from registration.events import (
    ParticipantApproved,
    ParticipantCancelled,
    ParticipantConfirmed,
    ParticipantPromoted,
    ParticipantRejected,
    ParticipantWaitlisted,
)
from registration.models import Conference, QueuedMail, Registration
from registration.service import badge_token, manage_token
from registration.settings import Settings
from shared.documents import utcnow
from shared.formats import day_range_text
from shared.i18n import StoredText, translate
from shared.qr import qr_png

if TYPE_CHECKING:
    from registration.context import RegistrationContext

log = logging.getLogger(__name__)

# Which mail each participant message read back causes. A new registration's mail is queued
# with it, not from its ``registered`` message; ``confirmed`` and ``waitlisted`` on arrival
# were sent by earlier versions only, and still mail those of the log not yet read.
MAIL_KINDS = {
    ParticipantConfirmed.message_type: "confirmed",
    ParticipantWaitlisted.message_type: "waitlisted",
    ParticipantPromoted.message_type: "promoted",
    ParticipantApproved.message_type: "approved",
    ParticipantRejected.message_type: "rejected",
    ParticipantCancelled.message_type: "cancelled",
}
# A refused or failed send is tried again after 5 s, 30 s, 2 min, 10 min, then every 30 min.
RETRY_SECONDS = (5.0, 30.0, 120.0, 600.0, 1800.0)
# Reasons a mail ends failed (the label of tadamon_mail_failed_total).
REFUSED, UNCOMPOSABLE, EXPIRED = "refused", "uncomposable", "expired"


class MailMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.failed = Counter("tadamon_mail_failed", "Mails given up: refused for good by the relay (bounced), "
                              "impossible to compose, or still failing after mail_give_up_hours",
                              ["reason"], registry=registry)
        self.queue_depth = Gauge("tadamon_mail_queue_depth", "Mails waiting to be sent or being sent",
                                 registry=registry)
        for reason in (REFUSED, UNCOMPOSABLE, EXPIRED):
            self.failed.labels(reason)


async def queue_mail(*, ctx: "RegistrationContext", session: Any, message_id: str, message_type: str,
                     registration_id: str) -> None:
    """Queue the mail a participant message causes (if any), in the handler's transaction."""
    kind = MAIL_KINDS.get(message_type)
    if kind is None:
        return
    now = utcnow()
    await ctx.store.enqueue_mail(QueuedMail(id=message_id, registration_id=registration_id, kind=kind,
                                            state="pending", due_at=now, attempts=0, created_at=now), session)
    ctx.mail_hints.add(session, [message_id])


def compose(ctx: "RegistrationContext", mail: QueuedMail, registration: Registration, conference: Conference
            ) -> EmailMessage:
    settings = cast(Settings, ctx.platform.settings)
    lang = registration.language
    if mail.kind == "message":
        return _organizers_message(settings, mail, registration)
    params = {
        "name": registration.full_name, "number": registration.number,
        "conference": StoredText.model_validate(conference.title).pick(lang),
        "dates": day_range_text(conference.starts_on, conference.ends_on, lang),
        "venue": f"{conference.venue}, {conference.city}",
        # The participant's page (badge, changes, cancelling), not the JSON API behind it.
        "link": f"{settings.base_url}/my/{registration.id}?"
                + urlencode({"token": manage_token(ctx, registration), "lang": lang}),
    }
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = registration.email
    message["Subject"] = translate(f"mail_{mail.kind}_subject", lang, **params)
    message["X-Tadamon-Message-Id"] = mail.id
    body = translate(f"mail_{mail.kind}_body", lang, **params)
    if mail.kind in ("approved", "rejected") and registration.decision_reason:
        body += "\n" + translate("mail_decision_reason", lang, reason=registration.decision_reason)
    message.set_content(body)
    if mail.kind in ("confirmed", "approved", "promoted") and registration.status == "confirmed":
        message.add_attachment(qr_png(badge_token(ctx, registration)), maintype="image", subtype="png",
                               filename=f"badge-{registration.number}.png")
    # Last: set_content and add_attachment move or drop the Content-* headers already there.
    message["Content-Language"] = lang
    return message


def _organizers_message(settings: Settings, mail: QueuedMail, registration: Registration) -> EmailMessage:
    """A message the organizers wrote, as they wrote it for the recipient's language."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = registration.email
    message["Subject"] = mail.subject or ""
    message["X-Tadamon-Message-Id"] = mail.id
    message.set_content(mail.body or "")
    message["Content-Language"] = registration.language
    return message


def refused_for_good(exc: BaseException) -> bool:
    """A 5xx answer to the recipient or to the content: this mail will never be taken (a bounce)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(r.code >= 500 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return exc.code >= 500
    return False
