"""Mails handed to this process's mailer by id: only once, and only as their transaction committed them."""

import asyncio

from pymongo.asynchronous.client_session import AsyncClientSession
from registration_factories import registration_service

from registration.context import context_of
from registration.events import ParticipantCancelled
from registration.notifications import queue_mail
from support import ConflictingPair, Infra, Keys


async def test_a_retried_transaction_hands_the_mailer_only_the_mails_its_committed_attempt_queued(
        infra: Infra, keys: Keys) -> None:
    async with registration_service(infra, keys) as svc:
        ctx = context_of(svc.platform)
        await ctx.mailer.stop()  # the hints stay where the test can read them

        async def then(session: AsyncClientSession, name: str, mail_id: str) -> None:
            await queue_mail(ctx=ctx, session=session, message_id=mail_id,
                             message_type=ParticipantCancelled.message_type, registration_id=f"r-{name}")
            # Not before the commit: the mailer would look for a mail it cannot see yet.
            assert mail_id not in ctx.mail_hints.ids

        pair = ConflictingPair(svc.platform.db.hot, then)
        await pair.start()
        await asyncio.gather(svc.platform.transaction(pair.work("a")), svc.platform.transaction(pair.work("b")))
        assert pair.attempts >= 3  # one of them was tried again
        assert sorted(ctx.mail_hints.ids) == pair.committed()
        assert sorted([m["_id"] for m in await svc.platform.db.mails.find({}).to_list()]) == pair.committed()
