"""The mailer: sends queued mails through SMTP, a batch at a time.

A batch is up to ``MAIL_BATCH`` mails claimed with one conditional update (``sending``,
with a lease), their registrations and conferences read with one query each, the mails
sent over one SMTP connection, and their outcomes written with one update per outcome.
Mails queued by this process are handed to the mailer by id (``MailHints``) once their
transaction committed, so it claims them through the ``_id`` index; the poll of the
``due_mails`` index, whose cost grows with the number of mails waiting, runs only when no
hint is left, and finds everything else: retries come due, mails of another process, mails
left by a crash.

Registrations come first: while the process is writing them, the mailer sends a small batch
(``BUSY_BATCH``) every ``BUSY_BATCH_SECONDS`` at most, and the rest once they are over. Small and
often rather than large and rare: composing and sending a mail takes a few milliseconds of the
event loop the registrations are answered from, so fifty at once held up the answers of half a
second of arrivals. While they arrive many at a time (an opening: the group commit takes batches
of several), a mail is held until it has waited ``mail_hold_seconds`` (a minute): the mails'
work went to the answers' tail, and the registration's page already shows the badge. In
alternating openings at 100 registrations a second, the answers' p99 fell from 364-379 to
238-264 ms (bench/README.md).
"""

import asyncio
import logging
import os
import socket
import ssl
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, cast

import aiosmtplib

from registration.models import QueuedMail
from registration.notifications import (
    EXPIRED,
    REFUSED,
    RETRY_SECONDS,
    UNCOMPOSABLE,
    MailMetrics,
    compose,
    refused_for_good,
)
from registration.settings import Settings
from shared.documents import utcnow

if TYPE_CHECKING:
    from registration.context import RegistrationContext

log = logging.getLogger(__name__)

MAIL_BATCH = 50
# While registrations are being written, one batch of at most BUSY_BATCH mails this often (all
# senders together): 10 mails a second, as 50 every 5 s did, in pieces a fifth the size.
BUSY_BATCH = 10
BUSY_BATCH_SECONDS = 1.0
BUSY_POLL_SECONDS = 0.1
# Errors after which the connection cannot carry the batch's next mails.
CONNECTION_LOST = (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError,
                   OSError, TimeoutError)


@dataclass
class Outcomes:
    """What became of a batch: mails sent or skipped, and the fields of each one failed or put back."""

    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    settled: dict[str, dict[str, Any]] = field(default_factory=dict)


class Mailer:
    def __init__(self, ctx: "RegistrationContext") -> None:
        self.ctx = ctx
        self.store = ctx.store
        platform = self.platform = ctx.platform
        self.settings = cast(Settings, platform.settings)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.metrics = platform.metrics.own("mail", MailMetrics)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._hints = ctx.mail_hints.ids
        self._wake = ctx.mail_hints.wake
        self._last_batch = 0.0

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self.platform.metrics.sample_with(self.sample)
        # Each sender is its own lease owner: a mail is finished only by the one that claimed it.
        self._tasks = [asyncio.create_task(self._run(f"{self.owner}/{n}"), name=f"mailer-{n}")
                       for n in range(self.settings.mail_senders)]

    async def stop(self) -> None:
        self.platform.metrics.stop_sampling(self.sample)
        # A flag as well as the cancellation: a cancellation landing inside a driver call
        # can be absorbed there, and the loop must still end.
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def sample(self) -> None:
        self.metrics.queue_depth.set(await self.store.count_queued_mails())

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    async def _run(self, owner: str) -> None:
        while not self._stopping.is_set():
            try:
                if not await self.send_batch(owner) and not self._hints:
                    await self._pause(self.settings.mail_poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the mailer must outlive a database outage
                log.warning("mailer: %r", exc)
                await self._pause(self.settings.mail_poll_seconds)

    async def send_batch(self, owner: str) -> int:
        """Claim and send a batch of due mails as ``owner``; how many were claimed."""
        size = await self._wait_while_busy()
        mails = await self._claim(owner, size)
        if mails:
            outcomes = await self._deliver(mails, owner)
            await self.store.settle_mails(owner, outcomes.sent, outcomes.skipped, outcomes.settled, utcnow())
        return len(mails)

    async def _wait_while_busy(self) -> int:
        """Wait for this batch's turn; how many mails it may take."""
        while self.ctx.arrivals.busy() and not self._turn_while_busy():
            await asyncio.sleep(BUSY_POLL_SECONDS)
        self._last_batch = time.monotonic()
        return BUSY_BATCH if self.ctx.arrivals.busy() else MAIL_BATCH

    def _turn_while_busy(self) -> bool:
        """While registrations are being written: a batch a second at most. While they arrive
        many at a time (an opening), only once the oldest mail this process queued has waited
        ``mail_hold_seconds``; mails it did not queue, found by the poll, keep the pace alone."""
        now = time.monotonic()
        if now - self._last_batch < BUSY_BATCH_SECONDS:
            return False
        if not self.ctx.arrivals.crowded():
            return True
        oldest = next(iter(self._hints.values()), None)
        return oldest is None or now - oldest >= self.settings.mail_hold_seconds

    async def _claim(self, owner: str, size: int) -> list[QueuedMail]:
        now, lease = utcnow(), timedelta(seconds=self.settings.mail_lease_seconds)
        hinted = list(self._hints)[:size]
        for mail_id in hinted:
            del self._hints[mail_id]
        if hinted:
            # Hinted after their commit: a mail not claimed now was taken by a poll or another process.
            return await self.store.claim_mails(hinted, owner, now, lease)
        return await self.store.claim_due_mails(owner, now, lease, size)

    async def _deliver(self, mails: list[QueuedMail], owner: str) -> Outcomes:
        outcomes = Outcomes()
        registrations = await self.store.registrations_by_id([m.registration_id for m in mails], None)
        conferences = await self.store.conferences_by_id({r.conference_id for r in registrations.values()})
        composed: list[tuple[QueuedMail, EmailMessage]] = []
        for mail in mails:
            registration = registrations.get(mail.registration_id)
            conference = registration and conferences.get(registration.conference_id)
            if not registration or not conference or not registration.email:
                # Erased (law 09-08) or gone: nobody to write to any more.
                outcomes.skipped.append(mail.id)
                continue
            try:
                composed.append((mail, compose(self.ctx, mail, registration, conference)))
            except Exception as exc:  # noqa: BLE001 - the same data fails the same way on every try
                self._fail(outcomes, mail, UNCOMPOSABLE, exc)
            # Composing (a QR code) takes a few milliseconds of the event loop: requests go between.
            await asyncio.sleep(0)
        if composed:
            await self._send_all(composed, outcomes)
        return outcomes

    async def _send_all(self, composed: list[tuple[QueuedMail, EmailMessage]], outcomes: Outcomes) -> None:
        """Send over one connection; a connection lost puts back the mails not sent yet."""
        smtp = aiosmtplib.SMTP(**self.smtp_options())
        try:
            await smtp.connect()
        except (aiosmtplib.SMTPException, *CONNECTION_LOST) as exc:
            for mail, _ in composed:
                self._after_refusal(outcomes, mail, exc)
            return
        try:
            for n, (mail, message) in enumerate(composed):
                try:
                    await smtp.send_message(message)
                except CONNECTION_LOST as exc:
                    for rest, _ in composed[n:]:
                        self._after_refusal(outcomes, rest, exc)
                    return
                except aiosmtplib.SMTPException as exc:
                    self._after_refusal(outcomes, mail, exc)
                    continue
                outcomes.sent.append(mail.id)
        finally:
            await _close(smtp)

    def smtp_options(self) -> dict[str, Any]:
        settings = self.settings
        options: dict[str, Any] = {
            "hostname": settings.smtp_host, "port": settings.smtp_port, "timeout": settings.smtp_timeout_seconds,
            "use_tls": settings.smtp_security == "tls", "start_tls": settings.smtp_security == "starttls",
        }
        if settings.smtp_security != "none":
            options["tls_context"] = ssl.create_default_context(cafile=settings.smtp_ca_file or None)
            if settings.smtp_ca_file:
                # The private CA is trusted besides the system's, not instead of them.
                options["tls_context"].load_default_certs()
        if settings.smtp_username:
            options["username"] = settings.smtp_username
            options["password"] = settings.smtp_password.get_secret_value()
        return options

    def _after_refusal(self, outcomes: Outcomes, mail: QueuedMail, exc: BaseException) -> None:
        if refused_for_good(exc):
            self._fail(outcomes, mail, REFUSED, exc)
            return
        if utcnow() - mail.created_at > timedelta(hours=self.settings.mail_give_up_hours):
            self._fail(outcomes, mail, EXPIRED, exc)
            return
        pause = RETRY_SECONDS[min(mail.attempts, len(RETRY_SECONDS)) - 1]
        log.warning("mail %s not sent (%r); next try in %.0f s", mail.id, exc, pause)
        outcomes.settled[mail.id] = {"state": "pending", "due_at": _later(pause), "last_error": repr(exc)[:500]}

    def _fail(self, outcomes: Outcomes, mail: QueuedMail, reason: str, exc: BaseException) -> None:
        # The error's type only in the log: its text may quote an address or a name.
        log.error("mail %s failed for good (%s): %s", mail.id, reason, type(exc).__name__)
        outcomes.settled[mail.id] = {"state": "failed", "finished_at": utcnow(), "last_error": repr(exc)[:500]}
        self.metrics.failed.labels(reason).inc()


async def _close(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.quit()
    except (aiosmtplib.SMTPException, *CONNECTION_LOST):
        smtp.close()


def _later(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)
