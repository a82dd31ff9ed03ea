"""Mails handed to this process's mailer by id: only once, and only as their transaction committed them."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from pymongo.asynchronous.client_session import AsyncClientSession
from registration_factories import registration_service

from registration.context import context_of
from registration.events import ParticipantCancelled
from registration.notifications import queue_mail
from support import Infra, Keys

Work = Callable[[AsyncClientSession], Awaitable[None]]


async def test_a_retried_transaction_hands_the_mailer_only_the_mails_its_committed_attempt_queued(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        ctx = context_of(svc.platform)
        await ctx.mailer.stop()  # the hints stay where the test can read them
        hot = svc.platform.db.hot
        await hot.insert_one({"_id": "hot", "n": 0})
        queued: dict[str, list[str]] = {"a": [], "b": []}
        both_read = asyncio.Barrier(2)

        def queue_one(name: str) -> Work:
            async def work(session: AsyncClientSession) -> None:
                mail_id = uuid.uuid4().hex
                queued[name].append(mail_id)
                await hot.find_one({"_id": "hot"}, session=session)
                if len(queued["a"]) + len(queued["b"]) <= 2:  # the first two attempts both read before either writes
                    await both_read.wait()
                await hot.update_one({"_id": "hot"}, {"$inc": {"n": 1}}, session=session)
                await queue_mail(ctx=ctx, session=session, message_id=mail_id,
                                 message_type=ParticipantCancelled.message_type, registration_id=f"r-{name}")
                # Not before the commit: the mailer would look for a mail it cannot see yet.
                assert mail_id not in ctx.mail_hints.ids

            return work

        await asyncio.gather(svc.platform.transaction(queue_one("a")), svc.platform.transaction(queue_one("b")))
        assert len(queued["a"]) + len(queued["b"]) >= 3  # one of them was tried again
        committed = sorted([queued["a"][-1], queued["b"][-1]])
        assert sorted(ctx.mail_hints.ids) == committed
        assert sorted([m["_id"] for m in await svc.platform.db.mails.find({}).to_list()]) == committed
