"""Mail delivery against real SMTP servers: refusals for good, mails that cannot be composed, TLS and sign-in."""

import asyncio
import datetime as dt
import ipaddress
import ssl
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from registration_factories import registration_service

from infra import probes
from registration.context import context_of
from registration.mailer import BUSY_BATCH, BUSY_BATCH_SECONDS
from support import Infra, Keys, at_once, eventually


@dataclass
class RefusingRelay:
    """Answers 550 to every recipient, as a relay does for an address that does not exist."""

    recipients_tried: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.recipients_tried.append(address)
        return "550 5.1.1 No such mailbox"


@dataclass
class SigningInRelay:
    """Takes mails only from a signed-in client (AUTH over STARTTLS only, unless the socket is TLS itself)."""

    signed_in: list[str] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"tadamon", b"s3cret")
        if ok:
            self.signed_in.append(data.login.decode())
        return AuthResult(success=ok)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not session.authenticated:
            return "530 5.7.0 Authentication required"
        self.received.append(envelope.content)
        return "250 OK"


@asynccontextmanager
async def smtp_server(handler: Any, **options: Any) -> AsyncIterator[int]:
    port = probes.free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost", **options)
    await asyncio.to_thread(controller.start)
    try:
        yield port
    finally:
        await asyncio.to_thread(controller.stop)


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "relay.pem", folder / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def server_tls(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


async def metric(svc: Any, name: str) -> float:
    text = (await svc.client.get("/metrics")).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


async def test_a_mail_the_relay_refuses_for_good_ends_failed_counted_and_is_not_tried_again(
        infra: Infra, keys: Keys) -> None:
    relay = RefusingRelay()
    async with smtp_server(relay) as port, registration_service(infra, keys) as svc:
        svc.settings.smtp_port = port
        conference = await svc.conference()
        await svc.register(conference["id"], email="nobody@example.ma")
        mails = svc.platform.db.mails
        failed = await eventually(lambda: mails.find_one({"state": "failed"}))
        assert failed["attempts"] == 1 and "550" in failed["last_error"]
        assert relay.recipients_tried == ["nobody@example.ma"]
        assert await metric(svc, 'tadamon_mail_failed_total{reason="refused"}') == 1
        assert await metric(svc, "tadamon_mail_queue_depth") == 0
        # Several poll rounds later nobody has claimed it again.
        await asyncio.sleep(1.0)
        assert relay.recipients_tried == ["nobody@example.ma"]
        assert (await mails.find_one({"_id": failed["_id"]}))["state"] == "failed"


async def test_a_mail_that_cannot_be_composed_ends_failed_instead_of_being_claimed_forever(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys, mail_lease_seconds=0.5) as svc:
        conference = await svc.conference()
        # A title stored with a line break (written before titles were single-line) cannot
        # go in a Subject header: the mail library refuses the header on every try.
        await svc.platform.db.conferences.update_one({"_id": conference["id"]},
                                                      {"$set": {"title.fr": "Assises\nnationales"}})
        await svc.register(conference["id"], email="linefeed@example.ma", language="fr")
        mails = svc.platform.db.mails
        failed = await eventually(lambda: mails.find_one({"state": "failed"}))
        assert "linefeed" in failed["last_error"]
        assert await metric(svc, 'tadamon_mail_failed_total{reason="uncomposable"}') == 1
        # With a lease of half a second, a mail left "sending" would have been claimed again by now.
        await asyncio.sleep(1.5)
        again = await mails.find_one({"_id": failed["_id"]})
        assert again["state"] == "failed" and again["attempts"] == 1
        assert svc.mails.mails == []


async def test_a_mail_waiting_for_the_relay_counts_in_the_queue_depth(infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        svc.settings.smtp_port = 1  # nothing listens there
        conference = await svc.conference()
        await svc.register(conference["id"], email="later@example.ma")
        await eventually(lambda: svc.platform.db.mails.find_one({"last_error": {"$exists": True}}))
        assert await metric(svc, "tadamon_mail_queue_depth") == 1
        assert await metric(svc, "tadamon_mail_failed_total") == 0


async def test_a_mail_still_failing_for_a_passing_reason_after_the_give_up_delay_ends_failed(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        svc.settings.smtp_port = 1  # nothing listens there
        conference = await svc.conference()
        await svc.register(conference["id"], email="gone-for-days@example.ma")
        mails = svc.platform.db.mails
        waiting = await eventually(lambda: mails.find_one({"last_error": {"$exists": True}}))
        assert waiting["state"] == "pending"
        days_ago = waiting["created_at"] - dt.timedelta(hours=svc.settings.mail_give_up_hours + 1)
        await mails.update_one({"_id": waiting["_id"]}, {"$set": {"created_at": days_ago, "due_at": days_ago}})
        failed = await eventually(lambda: mails.find_one({"state": "failed"}))
        assert failed["_id"] == waiting["_id"]
        assert await metric(svc, 'tadamon_mail_failed_total{reason="expired"}') == 1


async def test_mail_goes_out_over_starttls_with_sign_in_at_the_relay(infra: Infra, keys: Keys,
                                                                    tmp_path: Path) -> None:
    cert_file, key_file = self_signed(tmp_path)
    relay = SigningInRelay()
    async with smtp_server(relay, tls_context=server_tls(cert_file, key_file), require_starttls=True,
                           authenticator=relay.authenticate) as port, \
            registration_service(infra, keys, smtp_security="starttls", smtp_ca_file=str(cert_file),
                                 smtp_username="tadamon", smtp_password="s3cret") as svc:
        svc.settings.smtp_port = port
        conference = await svc.conference()
        await svc.register(conference["id"], email="secure@example.ma")
        await eventually(lambda: at_once(len(relay.received) == 1))
        assert relay.signed_in == ["tadamon"]
        assert b"secure@example.ma" in relay.received[0]
        assert (await svc.platform.db.mails.find_one({}))["state"] == "sent"


async def test_mail_goes_out_over_implicit_tls_with_sign_in_at_the_relay(infra: Infra, keys: Keys,
                                                                        tmp_path: Path) -> None:
    cert_file, key_file = self_signed(tmp_path)
    relay = SigningInRelay()
    # The listening socket speaks only TLS; aiosmtpd counts only STARTTLS as TLS for AUTH.
    async with smtp_server(relay, ssl_context=server_tls(cert_file, key_file), auth_require_tls=False,
                           authenticator=relay.authenticate) as port, \
            registration_service(infra, keys, smtp_security="tls", smtp_ca_file=str(cert_file),
                                 smtp_username="tadamon", smtp_password="s3cret") as svc:
        svc.settings.smtp_port = port
        conference = await svc.conference()
        await svc.register(conference["id"], email="implicit@example.ma")
        await eventually(lambda: at_once(len(relay.received) == 1))
        assert relay.signed_in == ["tadamon"]
        assert (await svc.platform.db.mails.find_one({}))["state"] == "sent"


@dataclass
class CountingRelay:
    """Accepts every mail but one address, and notes which connection carried each."""

    refused: str
    connections: list[int] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.connections.append(id(session))
        self.received.extend(envelope.rcpt_tos)
        self.times.append(time.monotonic())
        return "250 OK"


async def test_a_rush_of_mails_goes_out_in_batches_over_few_connections_each_mail_once(
        infra: Infra, keys: Keys) -> None:
    """Twenty registrations at once: twenty mails over fewer connections; one refused address does not stop the rest."""
    emails = [f"rush{n}@example.ma" for n in range(20)]
    relay = CountingRelay(refused=emails[7])
    async with smtp_server(relay) as port, registration_service(infra, keys, mail_senders=1) as svc:
        svc.settings.smtp_port = port
        conference = await svc.conference()
        await asyncio.gather(*(svc.register(conference["id"], email=email) for email in emails))
        mails = svc.platform.db.mails
        await eventually(lambda: at_once(len(relay.received) == 19))
        await eventually(lambda: mails.find_one({"state": "failed"}))
        assert sorted(relay.received) == sorted(e for e in emails if e != relay.refused)
        assert len(set(relay.connections)) < len(relay.connections)
        assert sorted(await mails.distinct("state")) == ["failed", "sent"]
        assert await mails.count_documents({"state": "sent", "attempts": 1}) == 19
        await asyncio.sleep(0.5)
        assert len(relay.received) == 19


async def test_while_registrations_are_being_written_mails_go_out_a_few_at_a_time_and_the_rest_after(
        infra: Infra, keys: Keys) -> None:
    """An opening: the mailer takes small batches, one a second, and whatever is left once it is over."""
    emails = [f"opening{n}@example.ma" for n in range(60)]
    relay = CountingRelay(refused="nobody@example.ma")
    async with smtp_server(relay) as port, registration_service(infra, keys, mail_senders=2) as svc:
        svc.settings.smtp_port = port
        ctx = context_of(svc.platform)
        conference = await svc.conference()
        # Registrations being written for as long as the test holds this batch: the process is busy.
        release = asyncio.Event()

        async def held(items: Any) -> list[None]:
            await release.wait()
            return [None for _ in items]

        writing = asyncio.create_task(ctx.arrivals.submit("held", None, held))
        await asyncio.gather(*(svc.register(conference["id"], email=email) for email in emails))
        await asyncio.sleep(1.5)
        during = len(relay.received)
        released_at = time.monotonic()
        release.set()
        await writing
        await eventually(lambda: at_once(len(relay.received) == len(emails)))

        per_connection = Counter(relay.connections)
        while_busy = Counter(relay.connections[:during])
        assert 0 < during < len(emails)
        # Each batch of the rush is small, and they come at most one a second.
        assert all(per_connection[c] <= BUSY_BATCH for c in while_busy)
        assert len(while_busy) <= (released_at - relay.times[0]) / BUSY_BATCH_SECONDS + 1
        # Once the registrations are written, the rest goes in large batches.
        assert max(per_connection.values()) > BUSY_BATCH
        assert sorted(relay.received) == sorted(emails)


async def test_during_an_opening_a_mail_waits_its_hold_then_mails_go_out_a_few_at_a_time(
        infra: Infra, keys: Keys) -> None:
    """Registrations arriving many at a time: no mail before the oldest has waited ``mail_hold_seconds``,
    then small batches while the crowd lasts, and the rest once it is over."""
    emails = [f"crowd{n}@example.ma" for n in range(30)]
    relay = CountingRelay(refused="nobody@example.ma")
    hold = 1.5
    async with smtp_server(relay) as port, registration_service(infra, keys, mail_senders=2,
                                                                mail_hold_seconds=hold) as svc:
        svc.settings.smtp_port = port
        ctx = context_of(svc.platform)
        conference = await svc.conference()
        crowd = asyncio.Event()

        async def slow(items: Any) -> list[None]:
            await asyncio.sleep(0.05)
            return [None for _ in items]

        async def opening() -> None:
            # Waves of requests that pile up behind one another: the group commit takes several at once.
            while not crowd.is_set():
                await asyncio.gather(*(ctx.arrivals.submit("crowd", None, slow) for _ in range(6)))

        crowding = asyncio.create_task(opening())
        await asyncio.sleep(0.2)
        assert ctx.arrivals.crowded()
        queued_at = time.monotonic()
        await asyncio.gather(*(svc.register(conference["id"], email=email) for email in emails))
        await asyncio.sleep(hold + 1.5)
        during = len(relay.received)
        crowd.set()
        await crowding
        await eventually(lambda: at_once(len(relay.received) == len(emails)))

        # Nothing before the hold, then at most a small batch a second while the crowd lasted.
        assert relay.times[0] >= queued_at + hold
        assert 0 < during <= 2 * BUSY_BATCH
        assert all(n <= BUSY_BATCH for n in Counter(relay.connections[:during]).values())
        assert sorted(relay.received) == sorted(emails)
