"""The badge picture of a confirmation, drawn in a worker process or, without one, in the service."""

import os
import signal
from email.message import EmailMessage
from pathlib import Path

import pytest
from registration_factories import Running, registration_service

from registration.context import context_of
from registration.notifications import MAIL_QR_MASK
from registration.service import badge_token
from shared.qr import qr_png
from support import Infra, Keys, eventually


async def _confirmation(svc: Running, conference_id: str, email: str) -> EmailMessage:
    await svc.register(conference_id, email=email)

    async def mailed() -> list[EmailMessage]:
        return svc.mails.to(email)

    return (await eventually(mailed))[0]


async def _picture_is_the_badge(svc: Running, mail: EmailMessage) -> bool:
    """The mail's picture is the QR code of its registration's badge token."""
    ctx = context_of(svc.platform)
    queued = await ctx.store.mail(str(mail["X-Tadamon-Message-Id"]))
    registration = queued and await ctx.store.registration(queued.registration_id)
    assert registration is not None
    [picture] = list(mail.iter_attachments())
    return bool(picture.get_content() == qr_png(badge_token(ctx, registration), mask=MAIL_QR_MASK))


@pytest.mark.parametrize("processes", [1, 0])
async def test_the_confirmation_carries_the_badge_whether_drawn_by_a_worker_or_by_the_service(
        infra: Infra, keys: Keys, processes: int) -> None:
    before = _workers()
    async with registration_service(infra, keys, mail_picture_processes=processes) as svc:
        conference = await svc.conference()
        mail = await _confirmation(svc, conference["id"], "amina@example.ma")
        assert await _picture_is_the_badge(svc, mail)
        assert bool(_workers() - before) == (processes > 0)


async def test_a_worker_killed_costs_no_picture_and_the_next_batch_has_a_new_one(infra: Infra, keys: Keys) -> None:
    before = _workers()  # of services of earlier tests, still ending
    async with registration_service(infra, keys, mail_senders=1) as svc:
        conference = await svc.conference()
        assert await _picture_is_the_badge(svc, await _confirmation(svc, conference["id"], "one@example.ma"))
        [worker] = _workers() - before
        os.kill(worker, signal.SIGKILL)

        # Drawn by the service itself while the worker is gone, then by a new worker.
        assert await _picture_is_the_badge(svc, await _confirmation(svc, conference["id"], "two@example.ma"))
        assert await _picture_is_the_badge(svc, await _confirmation(svc, conference["id"], "three@example.ma"))
        assert _workers() - before - {worker}


def _workers() -> set[int]:
    """Live processes started by this process's fork server: the picture workers of running services."""
    found: set[int] = set()
    for server in _children(os.getpid()):
        if b"forkserver" in _read(f"/proc/{server}/cmdline"):
            found |= _children(server)
    return {pid for pid in found if _alive(pid)}


def _children(pid: int) -> set[int]:
    return {int(child) for task in Path(f"/proc/{pid}/task").glob("*")
            for child in _read(f"{task}/children").split()}


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def _alive(pid: int) -> bool:
    state = _read(f"/proc/{pid}/stat").rsplit(b")", 1)[-1].split()
    return bool(state) and state[0] not in (b"Z", b"X")
