"""A message from the organizers to a group of participants (by status, category or search), each
recipient getting the subject and body written for their language, queued in the service's mail
queue (one mail each, sent and retried by the mailer like every other)."""

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.client_session import AsyncClientSession

from registration.context import RegistrationContext
from registration.domain import Category, Status
from registration.models import QueuedMail, Registration
from registration.service import get_conference
from registration.store import SearchFilters
from shared.audit import Act
from shared.documents import utcnow
from shared.errors import DomainError
from shared.i18n import LANGUAGES, Language
from shared.limits import LONG_TEXT_MAX, Title

# Mails queued in one transaction: a large group is queued in several, each kept once by its id.
BATCH = 100
Progress = Callable[[int, int], Awaitable[None]]


class MessageText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Title = Field(min_length=1)
    body: str = Field(min_length=1, max_length=LONG_TEXT_MAX)


class Audience(BaseModel):
    """Who a message would reach: filters of the registrations search; erased ones never."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    category: Category | None = None
    q: str | None = Field(default=None, max_length=100)

    def filters(self) -> SearchFilters:
        return SearchFilters(status=self.status, category=self.category, q=self.q)


class BulkMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: Audience = Field(default_factory=Audience)
    texts: dict[Language, MessageText] = Field(min_length=1, description="the subject and body per language")


class AudienceCount(BaseModel):
    total: int
    by_language: dict[str, int]


def _reachable(reg: Registration) -> bool:
    return reg.erased_at is None and bool(reg.email)


async def count_audience(*, ctx: RegistrationContext, conference_id: str, audience: Audience) -> AudienceCount:
    """How many participants a message would reach, by the language each reads."""
    await get_conference(ctx=ctx, conference_id=conference_id)
    languages: Counter[str] = Counter()
    async for reg in ctx.store.each_matching(conference_id, audience.filters()):
        if _reachable(reg):
            languages[reg.language] += 1
    by_language = {lang: languages[lang] for lang in LANGUAGES if languages[lang]}
    return AudienceCount(total=sum(languages.values()), by_language=by_language)


async def check_languages(*, ctx: RegistrationContext, conference_id: str, message: BulkMessage
                          ) -> AudienceCount:
    """The audience counted; refused when a recipient's language has no text."""
    counted = await count_audience(ctx=ctx, conference_id=conference_id, audience=message.audience)
    missing = [lang for lang in counted.by_language if lang not in message.texts]
    if missing:
        raise DomainError("message_language_missing", status=422, languages=", ".join(missing))
    return counted


async def send_bulk_message(*, ctx: RegistrationContext, conference_id: str, message: BulkMessage,
                            message_id: str | None = None, act: Act | None = None,
                            progress: Progress | None = None) -> int:
    """Queue the message for every participant of the audience in their language; the number queued.

    Refused whole (nothing queued) when a recipient's language has no text. Sent again with the
    same ``message_id`` (a job run again), it queues nobody twice."""
    counted = await check_languages(ctx=ctx, conference_id=conference_id, message=message)
    message_id = message_id or uuid.uuid4().hex
    batch: list[Registration] = []
    queued = 0
    async for reg in ctx.store.each_matching(conference_id, message.audience.filters()):
        if _reachable(reg):
            batch.append(reg)
        if len(batch) == BATCH:
            queued += await _queue(ctx, message_id, message, batch)
            batch = []
            if progress is not None:
                await progress(queued, counted.total)
    queued += await _queue(ctx, message_id, message, batch, act=act, conference_id=conference_id)
    if progress is not None:
        await progress(queued, counted.total)
    return queued


async def _queue(ctx: RegistrationContext, message_id: str, message: BulkMessage, batch: list[Registration], *,
                 act: Act | None = None, conference_id: str | None = None) -> int:
    async def work(session: AsyncClientSession) -> int:
        now = utcnow()
        for reg in batch:
            text = message.texts[reg.language]  # type: ignore[index]
            await ctx.store.enqueue_mail(QueuedMail(
                id=f"message:{message_id}:{reg.id}", registration_id=reg.id, kind="message", state="pending",
                due_at=now, attempts=0, created_at=now, subject=text.subject, body=text.body), session)
        ctx.mail_hints.add(session, [f"message:{message_id}:{reg.id}" for reg in batch])
        if act is not None and conference_id is not None:
            await ctx.store.record_act(act, action="registration.message", object_type="conference",
                                       object_id=conference_id, session=session, at=now)
        return len(batch)

    return await ctx.platform.transaction(work)
